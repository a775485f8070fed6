import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splitting a loop over many rows across the machine's cores.
enum Parallel {
    /// Online processors, read once.
    static let coreCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Chunks to split `count` items into: 1 when the work is too small to pay for threads.
    static func chunkCount(for count: Int, minimumPerChunk: Int, allowed: Bool) -> Int {
        guard allowed, coreCount > 1 else { return 1 }
        // Two chunks per core evens out cores that start late.
        return max(1, min(2 * coreCount, count / minimumPerChunk))
    }

    /// The half-open range of chunk `index` out of `chunks` over 0..<count.
    static func range(ofChunk index: Int, of chunks: Int, count: Int) -> Range<Int> {
        (count * index / chunks)..<(count * (index + 1) / chunks)
    }

    /// Runs `body(chunk)` for chunk = 0..<chunks, concurrently when chunks > 1.
    static func run(chunks: Int, _ body: @Sendable (Int) -> Void) {
        if chunks == 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
        }
    }
}
