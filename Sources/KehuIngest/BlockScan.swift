#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pre-scan of a buffer of input: where its records end, and where to split it between
/// threads. (The piece decoders count lines; the merge makes them absolute.)
///
/// A record ends at a line feed preceded by an even number of quote characters since the record
/// began (RFC 4180: a line feed inside a quoted field is part of the field, and a doubled quote
/// keeps the parity). The piece decoders use the same rule, so a split never falls inside a
/// record. Line-based formats (JSONL, Taobao, CDNOW) ignore quotes: every line feed ends a record.
struct BlockScan {
    /// Why a record could not be delimited.
    enum Broken: Equatable {
        /// Longer than the options allow (usually a quote left open).
        case tooLong
        /// A quote is still open at the end of the input.
        case unterminated
    }

    /// End of the records to decode now (a record boundary).
    var regionEnd = 0
    /// Record boundaries within the region where a thread's piece starts, ascending.
    var splits: [Int] = []
    /// Set when a broken record starts at ``regionEnd``.
    var broken: Broken?
    /// Whether no quote character occurs before ``regionEnd``.
    var quoteFree = true

    /// Scans `bytes`, which start at a record boundary.
    /// - Parameters:
    ///   - atEnd: whether the input ends with these bytes.
    ///   - quoteAware: whether quotes protect line feeds.
    ///   - target: the region ends at the first record boundary at or after this offset.
    ///   - pieces: how many pieces to split the region into.
    ///   - maxRecord: the longest record accepted, in bytes without its line end.
    /// - Complexity: O(n), 8 bytes at a time; words without a quote are handled whole.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, atEnd: Bool, quoteAware: Bool, target: Int, pieces: Int, maxRecord: Int
    ) -> BlockScan {
        var state = ScanState(
            target: target, maxRecord: maxRecord,
            splitTargets: (1..<max(1, pieces)).map { min(bytes.count, target) * $0 / pieces })
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return state.result }
        var i = 0
        scanning: while i + 8 <= n {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // Most words hold neither byte: a cheap test that may report false positives first.
            let feedBits = word ^ 0x0A0A_0A0A_0A0A_0A0A
            let quoteBits = word ^ 0x2222_2222_2222_2222
            var maybe = (feedBits &- 0x0101_0101_0101_0101) & ~feedBits
            if quoteAware { maybe |= (quoteBits &- 0x0101_0101_0101_0101) & ~quoteBits }
            if maybe & 0x8080_8080_8080_8080 == 0 {
                i &+= 8
                continue
            }
            let lineFeeds = byteMask(word, 0x0A)
            let quotes = quoteAware ? byteMask(word, 0x22) : 0
            if quotes == 0 {
                if lineFeeds == 0 {
                    i &+= 8
                    continue
                }
                if state.oddQuotes {
                    i &+= 8
                    continue
                }
                // Every line feed of the word ends a record. Only the first can end a record that
                // is too long, and only one past a threshold needs a closer look.
                let first = i &+ lineFeeds.trailingZeroBitCount &>> 3
                let last = i &+ (63 &- lineFeeds.leadingZeroBitCount) &>> 3
                if first &- state.lastBoundary > state.maxRecord || last &+ 1 >= state.threshold {
                    var mask = lineFeeds
                    while mask != 0 {
                        if state.boundary(i &+ mask.trailingZeroBitCount &>> 3 &+ 1) { break scanning }
                        mask &= mask &- 1
                    }
                } else {
                    state.lastBoundary = last &+ 1
                }
                i &+= 8
                continue
            }
            state.sawQuote = true
            for j in i..<(i + 8) {
                let byte = base.load(fromByteOffset: j, as: UInt8.self)
                if byte == 0x22 {
                    state.oddQuotes.toggle()
                } else if byte == 0x0A {
                    if !state.oddQuotes, state.boundary(j + 1) { break scanning }
                }
            }
            i &+= 8
        }
        if !state.done {
            while i < n {
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                if quoteAware && byte == 0x22 {
                    state.sawQuote = true
                    state.oddQuotes.toggle()
                } else if byte == 0x0A {
                    if !state.oddQuotes, state.boundary(i + 1) { break }
                }
                i += 1
            }
        }
        if !state.done { state.finish(count: n, atEnd: atEnd) }
        return state.result
    }

    /// The common case in a few `memchr` calls: input without quotes (or a line-based format),
    /// where every line feed ends a record. Returns `nil` when the bytes hold a quote and need
    /// ``scan(_:atEnd:quoteAware:target:pieces:maxRecord:)``. Leaves records longer than allowed
    /// to the piece decoders (which count lines too),
    /// which reject them just as the full scan would, unless no line ends in the whole buffer.
    /// - Complexity: O(n), at `memchr` speed.
    static func quick(_ bytes: UnsafeRawBufferPointer, atEnd: Bool, quoteAware: Bool, target: Int, pieces: Int) -> BlockScan? {
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return nil }
        if quoteAware && memchr(base, 0x22, n) != nil { return nil }
        var result = BlockScan()
        /// The offset after the first line feed at or after `offset`, before `end`.
        func lineEnd(from offset: Int, before end: Int) -> Int? {
            guard offset < end, let found = memchr(base + offset, 0x0A, end - offset) else { return nil }
            return UnsafeRawPointer(found) - base + 1
        }
        if let end = lineEnd(from: max(1, min(target, n)) - 1, before: n) {
            result.regionEnd = end
        } else if atEnd {
            result.regionEnd = n
        } else {
            var last = n - 1
            while last >= 0, base.load(fromByteOffset: last, as: UInt8.self) != 0x0A { last -= 1 }
            guard last >= 0 else {
                result.broken = .tooLong
                return result
            }
            result.regionEnd = last + 1
        }
        for k in 1..<max(1, pieces) {
            let from = max(1, result.regionEnd * k / pieces) - 1
            let previous = result.splits.last ?? 0
            guard let split = lineEnd(from: max(from, previous), before: result.regionEnd),
                (split < result.regionEnd) && (split > previous)
            else { continue }
            result.splits.append(split)
        }
        return result
    }

    /// The number of bytes flagged in a ``byteMask(_:_:)`` result. A multiply instead of
    /// `nonzeroBitCount`, which compiles to a long bit-twiddling sequence on the x86-64 baseline
    /// (no `popcnt`).
    @inline(__always)
    static func flagCount(_ mask: UInt64) -> Int {
        Int(truncatingIfNeeded: ((mask &>> 7) &* 0x0101_0101_0101_0101) &>> 56)
    }

    /// 0x80 in each byte of `word` equal to `byte`, 0 elsewhere (exact, no false positives).
    @inline(__always)
    static func byteMask(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let t = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        let low7 = UInt64(0x7F7F_7F7F_7F7F_7F7F)
        return ~(((t & low7) &+ low7) | t | low7)
    }
}

private struct ScanState {
    let target: Int
    let maxRecord: Int
    let splitTargets: [Int]
    var nextSplit = 0
    /// The least offset of a boundary that needs attention (the next split or the region's end).
    var threshold: Int
    var oddQuotes = false
    var sawQuote = false
    var lastBoundary = 0
    var done = false
    var result = BlockScan()

    init(target: Int, maxRecord: Int, splitTargets: [Int]) {
        self.target = target
        self.maxRecord = maxRecord
        self.splitTargets = splitTargets
        threshold = min(target, splitTargets.first ?? target)
    }

    /// A record ends just before `offset`; returns true when the region is complete.
    @inline(__always)
    mutating func boundary(_ offset: Int) -> Bool {
        if offset - lastBoundary - 1 > maxRecord {
            stop(at: lastBoundary, broken: .tooLong)
            return true
        }
        if offset >= target {
            stop(at: offset, broken: nil)
            return true
        }
        if nextSplit < splitTargets.count, offset >= splitTargets[nextSplit] {
            result.splits.append(offset)
            nextSplit += 1
            while nextSplit < splitTargets.count, offset >= splitTargets[nextSplit] { nextSplit += 1 }
            threshold = min(target, nextSplit < splitTargets.count ? splitTargets[nextSplit] : target)
        }
        lastBoundary = offset
        return false
    }

    mutating func finish(count: Int, atEnd: Bool) {
        let tail = count - lastBoundary
        if tail == 0 {
            stop(at: count, broken: nil)
        } else if tail > maxRecord {
            stop(at: lastBoundary, broken: .tooLong)
        } else if !atEnd {
            stop(at: lastBoundary, broken: nil)
        } else if oddQuotes {
            stop(at: lastBoundary, broken: .unterminated)
        } else {
            stop(at: count, broken: nil)
        }
    }

    private mutating func stop(at end: Int, broken: BlockScan.Broken?) {
        done = true
        result.regionEnd = end
        result.broken = broken
        // Conservative: a quote in the carried-over tail after the region also counts.
        result.quoteFree = !sawQuote
        while let last = result.splits.last, last >= end { result.splits.removeLast() }
    }
}
