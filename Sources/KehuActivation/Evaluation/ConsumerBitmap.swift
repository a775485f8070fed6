import Dispatch
import KehuStore

extension ConsumerSet {
    /// A set from its words (`(capacity + 63) / 64` of them; bits past `capacity` must be zero).
    public init(capacity: Int, words: [UInt64]) {
        precondition(words.count == (capacity + 63) / 64, "\(words.count) words for \(capacity) consumers")
        self.init(capacity: capacity)
        self.replaceWords(words)
    }
}

/// Builds consumer sets on all cores: the consumers are split into ranges that start on a
/// 64-consumer boundary, so each task writes only its own words of the bitmap.
enum ConsumerBitmap {
    /// Calls `fill` once per partition with its consumer range and its zeroed words (word 0 holds
    /// consumers `range.lowerBound ..< range.lowerBound + 64`).
    /// - Complexity: O(what `fill` does) / cores, plus O(consumers / 64) to zero the words.
    static func build(
        capacity n: Int, partitions: Int = 8,
        _ fill: @Sendable (_ consumers: Range<Int>, _ words: UnsafeMutableBufferPointer<UInt64>) -> Void
    ) -> ConsumerSet {
        let wordCount = (n + 63) / 64
        guard wordCount > 0 else { return ConsumerSet(capacity: n) }
        let parts = max(1, min(partitions, wordCount))
        var words = [UInt64](repeating: 0, count: wordCount)
        words.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own words.
            nonisolated(unsafe) let all = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let w0 = wordCount * p / parts
                let w1 = wordCount * (p + 1) / parts
                let slice = UnsafeMutableBufferPointer(rebasing: all[w0..<w1])
                fill((w0 * 64)..<min(w1 * 64, n), slice)
            }
        }
        return ConsumerSet(capacity: n, words: words)
    }

    /// The set of consumers `c` for which `test(c)` holds, on all cores.
    static func filter(capacity n: Int, _ test: @Sendable (Int) -> Bool) -> ConsumerSet {
        build(capacity: n) { range, words in
            let base = range.lowerBound
            for c in range where test(c) {
                let offset = c &- base
                words[offset &>> 6] |= 1 &<< UInt64(offset & 63)
            }
        }
    }
}
