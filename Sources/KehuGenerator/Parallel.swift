import Dispatch

/// Runs independent pieces of work on a fixed number of threads and returns the results in
/// index order, so the output never depends on scheduling.
enum Parallel {
    /// `body(0) ..< body(count)` on up to `threads` threads (worker `w` takes `w`, `w + threads` ...).
    static func map<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> T) -> [T] {
        if threads <= 1 || count <= 1 { return (0..<count).map(body) }
        let slots = ResultSlots<T>(count: count)
        let workers = min(threads, count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < count {
                slots.store(body(i), at: i)
                i += workers
            }
        }
        return slots.results()
    }
}

/// Write-once slots filled from several threads.
///
/// `@unchecked Sendable` is safe here: each slot is written by exactly one iteration of
/// `concurrentPerform`, and slots are read only after `concurrentPerform` has returned, which
/// orders every write before the reads.
private final class ResultSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        base = UnsafeMutablePointer<T?>.allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    func store(_ value: T, at index: Int) { base[index] = value }

    func results() -> [T] { (0..<count).map { base[$0]! } }
}

/// Work started on a background thread whose result is collected later (or, when not `async`,
/// done on the spot).
///
/// `@unchecked Sendable` is safe here: `result` is written once, by the background task before it
/// leaves the group, and read only after `group.wait()`, which orders the write before the read.
final class Background<T: Sendable>: @unchecked Sendable {
    private var result: T?
    private let group = DispatchGroup()

    init(_ work: @autoclosure @escaping @Sendable () -> T, async: Bool) {
        guard async else {
            result = work()
            return
        }
        group.enter()
        DispatchQueue.global().async {
            self.result = work()
            self.group.leave()
        }
    }

    /// Waits for the work and returns its result.
    func value() -> T {
        group.wait()
        return result!
    }
}
