import CKehuSIMD

/// Splits one CSV record (RFC 4180) into cells.
///
/// Cells are spans of the input, except quoted cells with doubled quotes, which are rewritten
/// into the arena and patched in once the record is split (the arena may move while it grows).
/// A `\r` before the line feed is dropped. Unquoted text is scanned 64 bytes at a time (SSE2
/// compares, ``kehu_csv_masks64``), its tail 8 bytes at a time.
struct CSVRecordSplitter {
    /// What is wrong with a record's quoting.
    enum Problem: Equatable {
        case quoteInUnquotedCell(column: Int)
        case textAfterClosingQuote(column: Int)
        case unterminatedQuote(column: Int)

        var reason: String {
            switch self {
            case .quoteInUnquotedCell(let column):
                "column \(column) has a quote inside an unquoted value; quote the whole value and double the quote (\"\")"
            case .textAfterClosingQuote(let column):
                "column \(column) has text after its closing quote; a quoted value must end at a comma or the line end"
            case .unterminatedQuote(let column):
                "column \(column) opens a quote that is never closed"
            }
        }
    }

    private struct ArenaCell {
        var cell: Int
        var offset: Int
        var length: Int
    }

    /// The record's cells; only the first `capacity` are kept, ``cellCount`` counts them all.
    private let cells: UnsafeMutablePointer<UnsafeRawBufferPointer>
    private let capacity: Int
    /// Comma offsets of the record being split (the fast path).
    private let commas: UnsafeMutablePointer<Int>
    private let commaCapacity: Int
    private(set) var cellCount = 0
    /// Line feeds inside the record, including its own line end.
    private(set) var lineFeeds = 0
    private(set) var problem: Problem?
    private var arenaCells: [ArenaCell] = []
    private var recordStart = 0

    /// A splitter keeping up to `capacity` cells; ``deallocate()`` it when done.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        cells = .allocate(capacity: self.capacity)
        cells.initialize(repeating: .empty, count: self.capacity)
        // Room for a whole 64-byte block's commas, plus the unconditional writes past them.
        commaCapacity = self.capacity + 80
        commas = .allocate(capacity: commaCapacity)
        commas.initialize(repeating: 0, count: commaCapacity)
    }

    func deallocate() {
        cells.deallocate()
        commas.deallocate()
    }

    /// A cell of the last record split (valid until the arena grows or the next split).
    @inline(__always)
    subscript(cell: Int) -> UnsafeRawBufferPointer { cells[cell] }

    @inline(__always)
    private mutating func emit(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) {
        if cellCount < capacity { cells[cellCount] = UnsafeRawBufferPointer(start: base + start, count: end - start) }
        cellCount += 1
    }

    /// Splits the record at `start` of `bytes` (which ends at a record boundary) and returns the
    /// offset of the next record. On a problem, skips to the record's end by quote parity.
    /// `quoteFree` promises the bytes hold no quote character (the pre-scan knows).
    /// - Complexity: O(length of the record).
    @inline(__always)
    mutating func split(_ bytes: UnsafeRawBufferPointer, at start: Int, quoteFree: Bool, arena: ByteArena) -> Int {
        cellCount = 0
        lineFeeds = 0
        problem = nil
        if quoteFree { return splitUnquoted(bytes, at: start) }
        recordStart = start
        arenaCells.removeAll(keepingCapacity: true)
        let next = splitQuoted(bytes, at: start, arena: arena)
        for cell in arenaCells where cell.cell < capacity {
            cells[cell.cell] = arena.bytes(cell.offset, cell.length)
        }
        return next
    }

    /// The fast path: no quotes anywhere, so a record is cells up to the first line feed.
    ///
    /// Comma offsets are gathered 64 bytes at a time from bit masks, then 8 bytes at a time near
    /// the end of the input, without a branch per comma (several per block are written
    /// unconditionally), then turned into cells.
    @inline(__always)
    private mutating func splitUnquoted(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Int {
        let base = bytes.baseAddress!
        let n = bytes.count
        let commas = self.commas
        let room = commaCapacity &- 8
        var k = 0
        var q = start
        var lineEnd = -1
        while q &+ 64 <= n {
            let masks = kehu_csv_masks64(base + q)
            var mask = masks.commas
            if masks.lineFeeds != 0 {
                let at = masks.lineFeeds.trailingZeroBitCount
                mask &= (UInt64(1) &<< UInt64(at)) &- 1
                lineEnd = q &+ at
            }
            if k &+ 72 <= commaCapacity {
                // Eight writes whether or not there are eight commas (a record's 13 commas take
                // one or two blocks), a loop for the rest.
                let found = mask.nonzeroBitCount
                for j in 0..<8 {
                    commas[k &+ j] = q &+ mask.trailingZeroBitCount
                    mask &= mask &- 1
                }
                if found > 8 {
                    for j in 8..<found {
                        commas[k &+ j] = q &+ mask.trailingZeroBitCount
                        mask &= mask &- 1
                    }
                }
                k &+= found
            } else {
                k &+= mask.nonzeroBitCount
            }
            if lineEnd >= 0 { break }
            q &+= 64
        }
        while lineEnd < 0 && q &+ 8 <= n {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: q, as: UInt64.self))
            var mask = BlockScan.byteMask(word, 0x2C)
            let lineFeeds = BlockScan.byteMask(word, 0x0A)
            if lineFeeds != 0 {
                mask &= (lineFeeds & (0 &- lineFeeds)) &- 1
                lineEnd = q &+ lineFeeds.trailingZeroBitCount &>> 3
            }
            if k <= room {
                // About one comma per word in typical rows: two unconditional writes, a loop beyond.
                let found = BlockScan.flagCount(mask)
                commas[k] = q &+ mask.trailingZeroBitCount &>> 3
                mask &= mask &- 1
                commas[k &+ 1] = q &+ mask.trailingZeroBitCount &>> 3
                if found > 2 {
                    for j in 2..<found {
                        mask &= mask &- 1
                        commas[k &+ j] = q &+ mask.trailingZeroBitCount &>> 3
                    }
                }
                k &+= found
            } else {
                k &+= BlockScan.flagCount(mask)
            }
            if lineEnd >= 0 { break }
            q &+= 8
        }
        if lineEnd < 0 {
            while q < n {
                let byte = base.load(fromByteOffset: q, as: UInt8.self)
                if byte == 0x0A {
                    lineEnd = q
                    break
                }
                if byte == 0x2C {
                    if k < commaCapacity { commas[k] = q }
                    k += 1
                }
                q += 1
            }
        }
        var cellStart = start
        let stored = min(k, capacity)
        for i in 0..<stored {
            let comma = commas[i]
            cells[i] = UnsafeRawBufferPointer(start: base + cellStart, count: comma &- cellStart)
            cellStart = comma &+ 1
        }
        cellCount = k
        if k > stored { cellStart = commas[min(k, commaCapacity) - 1] + 1 }
        if lineEnd >= 0 { return endRecord(base, cellStart, lineEnd) }
        var end = n
        if end > cellStart, base.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
        emit(base, cellStart, end)
        return n
    }

    /// The last cell ends at the line feed at `lineFeed`.
    @inline(__always)
    private mutating func endRecord(_ base: UnsafeRawPointer, _ cellStart: Int, _ lineFeed: Int) -> Int {
        var end = lineFeed
        if end > cellStart, base.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
        emit(base, cellStart, end)
        lineFeeds += 1
        return lineFeed + 1
    }

    /// The general path: quoted cells, doubled quotes, line feeds inside quotes.
    private mutating func splitQuoted(_ bytes: UnsafeRawBufferPointer, at start: Int, arena: ByteArena) -> Int {
        let base = bytes.baseAddress!
        let n = bytes.count
        var p = start
        while true {
            if p < n && base.load(fromByteOffset: p, as: UInt8.self) == 0x22 {
                switch quotedCell(base, n, at: p, arena: arena) {
                case .next(let offset):
                    p = offset
                    continue
                case .end(let offset):
                    return offset
                }
            }
            var q = p
            while q < n {
                let byte = base.load(fromByteOffset: q, as: UInt8.self)
                if byte == 0x2C || byte == 0x0A || byte == 0x22 { break }
                q += 1
            }
            if q == n {
                var end = n
                if end > p, base.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
                emit(base, p, end)
                return n
            }
            let byte = base.load(fromByteOffset: q, as: UInt8.self)
            if byte == 0x22 {
                problem = .quoteInUnquotedCell(column: cellCount + 1)
                return skipRecord(bytes)
            }
            if byte == 0x0A { return endRecord(base, p, q) }
            emit(base, p, q)
            p = q + 1
        }
    }

    private enum QuotedEnd {
        /// Another cell follows at this offset.
        case next(Int)
        /// The record ends; the next one starts here.
        case end(Int)
    }

    /// Reads the quoted cell whose opening quote is at `open`.
    private mutating func quotedCell(_ base: UnsafeRawPointer, _ n: Int, at open: Int, arena: ByteArena) -> QuotedEnd {
        var q = open + 1
        var segmentStart = q
        var arenaStart = -1
        while true {
            while q < n {
                let byte = base.load(fromByteOffset: q, as: UInt8.self)
                if byte == 0x22 { break }
                if byte == 0x0A { lineFeeds += 1 }
                q += 1
            }
            if q >= n {
                problem = .unterminatedQuote(column: cellCount + 1)
                return .end(n)
            }
            if q + 1 < n && base.load(fromByteOffset: q + 1, as: UInt8.self) == 0x22 {
                // A doubled quote: keep one.
                if arenaStart < 0 { arenaStart = arena.count }
                arena.append(UnsafeRawBufferPointer(start: base + segmentStart, count: q + 1 - segmentStart))
                q += 2
                segmentStart = q
                continue
            }
            break
        }
        if arenaStart >= 0 {
            arena.append(UnsafeRawBufferPointer(start: base + segmentStart, count: q - segmentStart))
            arenaCells.append(ArenaCell(cell: cellCount, offset: arenaStart, length: arena.count - arenaStart))
            cellCount += 1
        } else {
            emit(base, segmentStart, q)
        }
        let p = q + 1
        if p >= n { return .end(n) }
        let next = base.load(fromByteOffset: p, as: UInt8.self)
        if next == 0x2C { return .next(p + 1) }
        if next == 0x0A {
            lineFeeds += 1
            return .end(p + 1)
        }
        if next == 0x0D {
            if p + 1 == n { return .end(n) }
            if base.load(fromByteOffset: p + 1, as: UInt8.self) == 0x0A {
                lineFeeds += 1
                return .end(p + 2)
            }
        }
        problem = .textAfterClosingQuote(column: cellCount)
        return .end(skipRecord(UnsafeRawBufferPointer(start: base, count: n)))
    }

    /// The offset after the current record, by quote parity; counts its line feeds.
    private mutating func skipRecord(_ bytes: UnsafeRawBufferPointer) -> Int {
        var odd = false
        lineFeeds = 0
        var p = recordStart
        while p < bytes.count {
            let byte = bytes[p]
            if byte == 0x22 {
                odd.toggle()
            } else if byte == 0x0A {
                lineFeeds += 1
                if !odd { return p + 1 }
            }
            p += 1
        }
        return bytes.count
    }
}
