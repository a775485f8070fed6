import Dispatch
import KehuStore

/// Runs per-consumer work on all cores: consumers are split into contiguous ranges, each range
/// is processed by one task with its own accumulator, and the results come back in range order.
public enum ConsumerPartitions {
    /// - Complexity: O(events / cores) wall time for linear per-consumer work.
    public static func map<T: Sendable>(
        _ snapshot: Snapshot, partitions: Int, _ body: @Sendable (Range<Int>) -> T
    ) -> [T] {
        let n = snapshot.consumerCount
        let parts = max(1, min(partitions, max(1, n)))
        var results = [T?](repeating: nil, count: parts)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own element.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                out[p] = body((n * p / parts)..<(n * (p + 1) / parts))
            }
        }
        return results.map { $0! }
    }
}
