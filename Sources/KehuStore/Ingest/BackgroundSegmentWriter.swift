import Foundation
import KehuModel

/// Writes segment files on a background thread, one at a time and in the order submitted, so
/// encoding, `write(2)` and `fsync` overlap the next rows' dedupe and key work. At most one
/// segment waits or is being written: ``submit(_:)`` blocks until the previous one is done, so
/// memory stays at two segments' columns, and a written segment's columns come back empty for
/// the session to fill again (``takeSpare()``).
///
/// `@unchecked Sendable`: `names`, `results`, `failure` and `spare` are guarded by `lock`;
/// `scratch` is used only by the queue, which runs one write at a time.
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
    private var spare: SegmentColumns?
    /// Narrowed code columns and dictionary offsets on their way to the file (the queue's only).
    private var scratch: [UInt8] = []

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
        let box = ColumnsBox(columns)
        group.enter()
        queue.async { [self] in
            defer {
                slot.signal()
                group.leave()
            }
            do throws(StoreError) {
                let written = try write(box.columns, name: name)
                // The columns' memory goes back to the session for a later segment: taken out of
                // the box first, so the arrays are uniquely owned and keep their capacity.
                var spare = box.columns
                box.columns = SegmentColumns()
                spare.removeAll()
                lock.withLock {
                    results.append(written)
                    self.spare = spare
                }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Empty columns whose arrays keep the capacity of a segment already written, if any: filling
    /// them again costs no fresh memory (a new 4M-row segment is about 230 MB the kernel must
    /// fault in and zero).
    func takeSpare() -> SegmentColumns? {
        lock.withLock {
            defer { spare = nil }
            return spare
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
        var file = try AtomicFile(directory: directory, name: name)
        let bytes = try SegmentWriter.write(columns, to: &file, scratch: &scratch)
        try file.commit()
        Trace.note("segment write", since: t0)
        let range = columns.timeRange!
        return Written(file: name, rows: columns.rowCount, minTs: range.min, maxTs: range.max, bytes: Int64(bytes))
    }
}

/// Columns handed to the writer's queue, which gives their memory back when written.
///
/// `@unchecked Sendable`: the submitting thread fills it before the queue runs, and only the queue
/// touches it afterwards.
private final class ColumnsBox: @unchecked Sendable {
    var columns: SegmentColumns
    init(_ columns: SegmentColumns) { self.columns = columns }
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
