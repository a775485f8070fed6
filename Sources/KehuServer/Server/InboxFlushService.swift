import KehuStore
import Logging
import ServiceLifecycle

/// Moves each workspace's inbox into segments every `interval`, and once more on graceful
/// shutdown, after the HTTP server has stopped accepting requests (it runs before the server in
/// the service group, so it is shut down after it): nothing acknowledged stays behind.
///
/// Acknowledged events are safe in the inbox (SQLite, synchronous=FULL) even if the process is
/// killed; the next start flushes what it finds (``KehuServer/application(configuration:logger:)``
/// does that before the server accepts requests).
public struct InboxFlushService: Service {
    let registry: WorkspaceRegistry
    let interval: Duration
    let logger: Logger

    public init(registry: WorkspaceRegistry, interval: Duration, logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush(registry.opened)
        }
        await flush(registry.opened)
        logger.info("inbox flushed for shutdown")
    }

    /// Flushes every workspace; a failure is logged and retried at the next tick.
    func flush(_ workspaces: [ServedWorkspace]) async {
        for served in workspaces {
            do {
                let moved = try await blocking { try InboxFlusher.flushAll(served.workspace) }
                if moved > 0 {
                    logger.info("inbox flushed", metadata: ["workspace": "\(served.workspace.name)", "events": "\(moved)"])
                }
            } catch {
                logger.error("inbox flush failed", metadata: ["workspace": "\(served.workspace.name)", "error": "\(error)"])
            }
        }
    }
}
