import Synchronization

extension Workspace {
    /// Builds a snapshot of the workspace's data now (segments plus inbox).
    /// - Parameter progress: called with a short description of each build step.
    public func buildSnapshot(progress: ((String) -> Void)? = nil) throws(StoreError) -> Snapshot {
        let snapshot = try SnapshotBuilder.build(self, progress: progress)
        // The build's scratch arrays (several times the snapshot's size) are free now, but glibc
        // keeps freed pages for reuse; hand them back so a long-lived server holds the snapshot,
        // not the build's high-water mark.
        Allocator.releaseFreePages()
        return snapshot
    }
}

/// Keeps the latest snapshot of a workspace and reuses it until the data changes (the
/// catalogue's data version moves), so concurrent queries share one snapshot.
public final class SnapshotCache: Sendable {
    private let current = Mutex<Snapshot?>(nil)
    private let building = Mutex<Void>(())
    public let workspace: Workspace

    public init(workspace: Workspace) {
        self.workspace = workspace
    }

    /// The snapshot for the current data version, building it if needed.
    public func snapshot() throws(StoreError) -> Snapshot {
        let version = try workspace.dataVersion()
        if let cached = current.withLock({ $0 }), cached.dataVersion == version { return cached }
        // One build at a time; whoever waited re-checks before building again.
        return try building.withLock { _ throws(StoreError) -> Snapshot in
            let version = try workspace.dataVersion()
            if let cached = current.withLock({ $0 }), cached.dataVersion == version { return cached }
            let fresh = try workspace.buildSnapshot()
            current.withLock { $0 = fresh }
            return fresh
        }
    }
}

/// The system allocator.
enum Allocator {
    /// Returns free heap pages to the operating system (glibc `malloc_trim`; nothing elsewhere).
    static func releaseFreePages() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
