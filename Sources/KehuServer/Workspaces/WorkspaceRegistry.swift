import KehuIngest
import KehuStore
import NIOPosix
import Synchronization

/// A workspace as the server holds it: opened once, with its snapshot cache, its Segment
/// mapping and its key hasher.
public final class ServedWorkspace: Sendable {
    public let workspace: Workspace
    /// Reuses one snapshot until the workspace's data version moves.
    public let snapshots: SnapshotCache
    public let mapping: SegmentMapping
    /// The workspace's single inbox writer: concurrent requests share its transactions.
    public let inbox: InboxAppender
    let hasher: KeyHasher
    /// Recently checked key digests and their roles (nil: not a valid key).
    let keyCache = Mutex<[String: (role: APIKeyRole?, checked: ContinuousClock.Instant)]>([:])

    init(workspace: Workspace) throws(SegmentMappingError) {
        self.workspace = workspace
        snapshots = SnapshotCache(workspace: workspace)
        mapping = try SegmentMapping.load(workspaceDirectory: workspace.directory)
        hasher = KeyHasher(salt: workspace.salt)
        inbox = InboxAppender(workspace: workspace)
    }
}

/// The workspaces of a data directory that requests have opened, each opened once.
public final class WorkspaceRegistry: Sendable {
    public let dataDirectory: String
    private let open = Mutex<[String: ServedWorkspace]>([:])

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The workspace named `name`, opening it on first use; nil when the data directory has no
    /// such workspace (the server never creates one: `kehu ingest` or `kehu keys create` does).
    /// Blocking: call it off the event loops (see ``blocking(_:)``).
    public func served(_ name: String) throws -> ServedWorkspace? {
        guard Workspace.isValidName(name) else { return nil }
        return try open.withLock { open in
            if let served = open[name] { return served }
            guard Workspace.list(dataDirectory: dataDirectory).contains(name) else { return nil }
            let served = try ServedWorkspace(workspace: Workspace(dataDirectory: dataDirectory, name: name, create: false))
            open[name] = served
            return served
        }
    }

    /// The workspaces opened so far.
    public var opened: [ServedWorkspace] { open.withLock { Array($0.values) } }

    /// Every workspace of the data directory (opening them), for the startup and shutdown flushes.
    public func all() -> [ServedWorkspace] {
        Workspace.list(dataDirectory: dataDirectory).compactMap { try? served($0) }
    }
}

/// Runs blocking work (SQLite, snapshot builds, analyses) on NIO's thread pool instead of the
/// cooperative pool that serves requests.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
