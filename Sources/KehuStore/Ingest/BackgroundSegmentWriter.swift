import Foundation
import KehuModel

/// Writes segment files on a background thread, one at a time and in the order submitted, so
/// encoding, `write(2)` and `fsync` overlap the next rows' dedupe and key work. At most one
/// segment waits or is being written: ``submit(_:)`` blocks until the previous one is done, so
/// memory stays at two segments' columns.
///
/// `@unchecked Sendable`: `results` and `failure` are guarded by `lock`; the queue runs one write
/// at a time.
final class BackgroundSegmentWriter: @unchecked Sendable {
    struct Written: Sendable {
        var file: String
        var rows: Int
        var minTs: Int64
        var maxTs: Int64
        var bytes: Int64
    }

    private let directory: String
    private let queue = DispatchQueue(label: "kehu.ingest.segment-writer", qos: .userInitiated)
    private let group = DispatchGroup()
    private let slot = DispatchSemaphore(value: 1)
    private let lock = NSLock()
    private var results: [Written] = []
    /// Every file name handed out, written or not (so an abandon removes partial work too).
    private var names: [String] = []
    private var failure: StoreError?

    init(directory: String) { self.directory = directory }

    /// Queues a segment for writing; throws if an earlier write failed.
    func submit(_ columns: SegmentColumns) throws(StoreError) {
        slot.wait()
        if let failure = lock.withLock({ self.failure }) {
            slot.signal()
            throw failure
        }
        let name = IngestSession.newSegmentName()
        lock.withLock { names.append(name) }
        group.enter()
        queue.async { [self] in
            defer {
                slot.signal()
                group.leave()
            }
            do throws(StoreError) {
                let written = try write(columns, name: name)
                lock.withLock { results.append(written) }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Waits for every queued write; the segments written, in order, or the first failure.
    func finish() throws(StoreError) -> [Written] {
        group.wait()
        let (failure, results) = lock.withLock { (self.failure, self.results) }
        if let failure { throw failure }
        return results
    }

    /// Waits for every queued write; every file name handed out (for removal).
    func finishAndList() -> [String] {
        group.wait()
        return lock.withLock { names }
    }

    private func write(_ columns: SegmentColumns, name: String) throws(StoreError) -> Written {
        let t0 = ContinuousClock.now
        let bytes = SegmentWriter.encode(columns)
        Trace.note("segment encode", since: t0)
        try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try FileIO.writeAtomically(raw, directory: directory, name: name) }
        }.get()
        Trace.note("segment encode+write", since: t0)
        let range = columns.timeRange!
        return Written(file: name, rows: columns.rowCount, minTs: range.min, maxTs: range.max, bytes: Int64(bytes.count))
    }
}

/// Stage timings on stderr when KEHU_TRACE is set, for performance work.
enum Trace {
    static let enabled = ProcessInfo.processInfo.environment["KEHU_TRACE"] != nil

    static func note(_ what: String, since start: ContinuousClock.Instant) {
        guard enabled else { return }
        let elapsed = ContinuousClock.now - start
        FileHandle.standardError.write(Data("trace: \(what) \(elapsed)\n".utf8))
    }
}
