import Dispatch
import Synchronization

/// Appends entries to one workspace's inbox with **group commit**: concurrent appends wait
/// while one transaction is committing, then all of them are written in the next transaction by
/// a single writer, and each caller returns only after the transaction holding its entry has
/// committed.
///
/// SQLite with `synchronous=FULL` pays one WAL fsync per transaction, and a workspace has one
/// writer; committing each request on its own serialises requests behind each other's fsync.
/// Grouping keeps the guarantee (nothing is acknowledged before it is durable) and pays one
/// fsync per group instead of per request.
public final class InboxAppender: Sendable {
    public let workspace: Workspace

    private struct Waiting {
        var entry: InboxEntry.Encoded
        var continuation: CheckedContinuation<Int64, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        /// A drain is running on ``queue``; new entries join the next group.
        var draining = false
        var groups = 0
        var entries = 0
    }

    private let state = Mutex(State())
    private let queue: DispatchQueue

    public init(workspace: Workspace) {
        self.workspace = workspace
        queue = DispatchQueue(label: "kehu.inbox-appender.\(workspace.name)")
    }

    /// Appends one entry; returns its entry id after the transaction holding it has committed. Entries are checked and serialised on the caller's task, so a bad entry fails
    /// alone and the writer only writes.
    /// - Throws: ``StoreError/invalidArgument(_:)`` for a bad entry (nothing of it stored); the
    ///   database error of the transaction (nothing of the group stored).
    @discardableResult
    public func append(_ entry: InboxEntry) async throws -> Int64 {
        let encoded = try entry.encoded()
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool in
                state.waiting.append(Waiting(entry: encoded, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Transactions committed so far and the entries they held (for tests and diagnostics).
    public var statistics: (groups: Int, entries: Int) { state.withLock { ($0.groups, $0.entries) } }

    /// Entries waiting for the next transaction (for tests and diagnostics).
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Commits groups until nobody waits.
    private func drain() {
        while true {
            let group = state.withLock { state -> [Waiting]? in
                guard !state.waiting.isEmpty else {
                    state.draining = false
                    return nil
                }
                defer { state.waiting = [] }
                state.groups += 1
                state.entries += state.waiting.count
                return state.waiting
            }
            guard let group else { return }
            do {
                let start = ContinuousClock.now
                let ids = try Inbox.write(group.map(\.entry), to: workspace)
                if Trace.enabled, ContinuousClock.now - start > .milliseconds(20) {
                    Trace.note("slow inbox group commit (\(group.count) entries)", since: start)
                }
                for (waiting, id) in zip(group, ids) { waiting.continuation.resume(returning: id) }
            } catch {
                for waiting in group { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
