import Dispatch
import Foundation
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
    /// Shared with the checkpoint thread.
    private final class Checkpoints: Sendable {
        /// Groups committed since the last side checkpoint.
        let pending = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        /// Side checkpoints run (for tests).
        let done = Atomic<Int>(0)
    }
    private let checkpoints = Checkpoints()

    /// How often the log is checkpointed from the side while appends come in.
    static let checkpointInterval = 0.2

    public init(workspace: Workspace) {
        self.workspace = workspace
        queue = DispatchQueue(label: "kehu.inbox-appender.\(workspace.name)")
        // Checkpoints the inbox's log every 200 ms while appends come in, on a thread of its own,
        // so that the automatic checkpoint inside a group commit finds little left to copy.
        let database = workspace.inbox
        let checkpoints = self.checkpoints
        let thread = Thread {
            while !checkpoints.stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Self.checkpointInterval)
                guard checkpoints.pending.exchange(0, ordering: .relaxed) > 0 else { continue }
                if (try? database.checkpoint()) != nil { checkpoints.done.add(1, ordering: .relaxed) }
            }
        }
        thread.name = "kehu.inbox-checkpoint.\(workspace.name)"
        thread.start()
    }

    deinit { checkpoints.stopped.store(true, ordering: .relaxed) }

    /// Side checkpoints run so far (for tests and diagnostics).
    public var sideCheckpoints: Int { checkpoints.done.load(ordering: .relaxed) }

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
                checkpoints.pending.add(1, ordering: .relaxed)
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
