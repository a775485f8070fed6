import Dispatch
import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes one input (a file, or bytes in memory) into ``DecodedChunk``s, one chunk per call to
/// ``next()``, so a file of any size is read in bounded memory.
///
/// Each chunk is a buffer of whole records (about ``DecodeOptions/chunkSize`` events). For CSV
/// and JSONL the buffer is cut at record boundaries found by a pre-scan (``BlockScan``) and the
/// pieces are decoded on ``DecodeOptions/threads`` threads, then merged in file order; the result
/// is identical to decoding on one thread. Events without an `event_id` get derived fingerprints
/// that count identical content across the whole input (docs/formats.md).
///
/// Not thread-safe: one caller pulls the chunks.
public final class EventDecoder {
    /// The file path, or the name given for bytes in memory; every reject carries it.
    public let source: String
    /// The format being decoded.
    public let format: InputFormat
    /// The input's size in bytes.
    public let bytesTotal: Int64
    /// Bytes consumed so far.
    public private(set) var bytesDone: Int64 = 0

    private let options: DecodeOptions
    private var input: ByteInput
    private var decoder: any PieceDecoder
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// Unconsumed input is `buffer[start ..< end]`.
    private var start = 0
    private var end = 0
    private var inputEnded = false
    /// The line number of `buffer[start]`.
    private var line: Int64 = 1
    /// The rest of a broken record's first line is being skipped.
    private var skippingLine = false
    private var occurrences = OccurrenceCounter()
    /// Column memory of the last chunk's pieces, reused by the next.
    private var spareColumns: [EventColumns] = []
    private var bytesPerEvent = 128.0
    private let maxRecord: Int

    /// Opens a file. Reads and checks the header of CSV input.
    public convenience init(path: String, format: InputFormat, options: DecodeOptions = DecodeOptions()) throws(DecodeError) {
        let (input, size) = try ByteInput.openFile(path: path)
        try self.init(input: input, size: size, source: path, format: format, options: options)
    }

    /// Decodes bytes in memory; `source` names them in rejects (a request id, a file name).
    public convenience init(
        bytes: [UInt8], source: String, format: InputFormat, options: DecodeOptions = DecodeOptions()
    ) throws(DecodeError) {
        try self.init(
            input: .memory(bytes: bytes, position: 0), size: Int64(bytes.count), source: source, format: format,
            options: options)
    }

    private init(input: ByteInput, size: Int64, source: String, format: InputFormat, options: DecodeOptions) throws(DecodeError) {
        self.input = input
        self.source = source
        self.format = format
        self.options = options
        bytesTotal = size
        maxRecord = max(64, options.maxRecordBytes)
        capacity = 0
        buffer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 8)
        decoder = JSONLPieceDecoder()
        do throws(DecodeError) {
            ensureCapacity(blockTarget() + 2 * maxRecord + 65536)
            try fill()
            // A UTF-8 byte order mark (spreadsheet exports) is not part of the first line.
            if end - start >= 3, buffer.load(fromByteOffset: start, as: UInt8.self) == 0xEF,
                buffer.load(fromByteOffset: start + 1, as: UInt8.self) == 0xBB,
                buffer.load(fromByteOffset: start + 2, as: UInt8.self) == 0xBF
            {
                consume(3)
            }
            if options.mapping != nil && format != .csv {
                throw DecodeError.badMapping("a column mapping applies only to CSV input, not \(format)")
            }
            switch format {
            case .csv: decoder = CSVPieceDecoder(plan: try readHeader())
            case .jsonl: decoder = JSONLPieceDecoder()
            case .taobao: decoder = TaobaoDecoder()
            case .cdnow: decoder = CDNOWDecoder()
            }
        } catch {
            input.closeFile()
            throw error
        }
    }

    deinit {
        for columns in spareColumns { columns.free() }
        buffer.deallocate()
        input.closeFile()
    }

    /// The next chunk, or `nil` when the input is exhausted.
    /// - Complexity: O(bytes of the chunk), spread over the threads for CSV and JSONL.
    public func next() throws(DecodeError) -> DecodedChunk? {
        var brokenRejects: [Reject] = []
        var linesRead: Int64 = 0
        var bytesRead: Int64 = 0
        while true {
            try fill()
            if skippingLine {
                linesRead += skipLine(bytesRead: &bytesRead)
                continue
            }
            if start == end && inputEnded {
                if brokenRejects.isEmpty { return nil }
                return finishChunk(DecodedChunk(rejects: brokenRejects, linesRead: linesRead, bytesRead: bytesRead))
            }
            let target = blockTarget()
            let available = end - start
            let pieces = decoder.parallel
                ? max(1, min(options.threads, min(available, target) / max(1, options.bytesPerThreadMinimum))) : 1
            let region = UnsafeRawBufferPointer(start: buffer + start, count: available)
            let scan = BlockScan.quick(region, atEnd: inputEnded, quoteAware: decoder.quoteAware, target: target, pieces: pieces)
                ?? BlockScan.scan(
                    region, atEnd: inputEnded, quoteAware: decoder.quoteAware, target: target, pieces: pieces,
                    maxRecord: maxRecord)
            if scan.regionEnd == 0 {
                if let broken = scan.broken {
                    let reason = switch broken {
                    case .tooLong:
                        BatchBuilder.tooLongReason(maxRecord)
                    case .unterminated:
                        "a quoted value is never closed before the end of the input; this line was skipped and reading went on with the next"
                    }
                    brokenRejects.append(Reject(source: source, line: line, field: "record", reason: reason))
                    skippingLine = true
                    continue
                }
                // Not one whole record fits: make room and read more.
                ensureCapacity(capacity * 2)
                continue
            }
            var chunk = decode(region: region, scan: scan)
            chunk.rejects.insert(contentsOf: brokenRejects, at: 0)
            chunk.linesRead += linesRead
            chunk.bytesRead += bytesRead
            let records = chunk.batch.count + chunk.rejects.count
            if records > 0 { bytesPerEvent = max(8, Double(scan.regionEnd) / Double(records)) }
            return finishChunk(chunk)
        }
    }

    /// Decodes every chunk into one (for tests and small inputs).
    public func decodeAll() throws(DecodeError) -> DecodedChunk {
        var all = DecodedChunk()
        while let chunk = try next() { all.append(chunk) }
        return all
    }

    private func finishChunk(_ chunk: DecodedChunk) -> DecodedChunk {
        options.progress?(bytesDone, bytesTotal)
        return chunk
    }

    // MARK: - Decoding a region

    private func decode(region: UnsafeRawBufferPointer, scan: BlockScan) -> DecodedChunk {
        let bounds = [0] + scan.splits + [scan.regionEnd]
        var spares = [EventColumns?](repeating: nil, count: bounds.count - 1)
        for k in spares.indices where !spareColumns.isEmpty { spares[k] = spareColumns.removeLast() }
        for columns in spareColumns { columns.free() }
        spareColumns.removeAll()
        let job = PieceJob(
            decoder: decoder, region: region, bounds: bounds, source: source, zone: options.zone,
            channel: options.fallbackChannel(for: format), maxRecord: maxRecord, bytesPerEvent: bytesPerEvent,
            quoteFree: scan.quoteFree, spares: spares)
        var pieces: [BatchBuilder]
        if bounds.count == 2 {
            var builder = job.builder(piece: 0)
            decoder.decode(
                UnsafeRawBufferPointer(rebasing: region[0..<scan.regionEnd]), firstLine: 0, quoteFree: scan.quoteFree,
                into: &builder)
            pieces = [builder]
        } else {
            let pieceCount = bounds.count - 1
            var slots = [BatchBuilder?](repeating: nil, count: pieceCount)
            slots.withUnsafeMutableBufferPointer { slots in
                let output = PieceSlots(slots: slots)
                DispatchQueue.concurrentPerform(iterations: pieceCount) { k in output.store(job.run(piece: k), at: k) }
            }
            pieces = slots.map { $0! }
        }
        let merged = BatchBuilder.merge(&pieces, firstLine: line, occurrences: &occurrences, recycled: &spareColumns)
        consume(scan.regionEnd)
        line += merged.lines
        return DecodedChunk(
            batch: merged.batch, rejects: merged.rejects, linesRead: merged.lines, bytesRead: Int64(scan.regionEnd))
    }

    // MARK: - The buffer

    /// Bytes of input per chunk.
    private func blockTarget() -> Int {
        let wanted = Double(max(1, options.chunkSize)) * bytesPerEvent
        return Int(min(max(wanted, 256), Double(1 << 30)))
    }

    private func ensureCapacity(_ needed: Int) {
        guard needed > capacity else { return }
        let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 64)
        if end > start { newBuffer.copyMemory(from: buffer + start, byteCount: end - start) }
        buffer.deallocate()
        buffer = newBuffer
        end -= start
        start = 0
        capacity = needed
    }

    /// Moves the unconsumed bytes to the front and reads until the buffer is full or the input ends.
    private func fill() throws(DecodeError) {
        ensureCapacity(blockTarget() + 2 * maxRecord + 65536)
        if start > 0 {
            if end > start { (buffer).copyMemory(from: buffer + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        while !inputEnded && end < capacity {
            let got = try input.readBytes(into: buffer + end, count: capacity - end)
            if got == 0 { inputEnded = true } else { end += got }
        }
    }

    private func consume(_ count: Int) {
        start += count
        bytesDone += Int64(count)
    }

    /// Skips to just after the next line feed; returns the lines finished (0 or 1).
    private func skipLine(bytesRead: inout Int64) -> Int64 {
        let available = end - start
        if available > 0, let found = memchr(buffer + start, 0x0A, available) {
            let count = UnsafeRawPointer(found) - UnsafeRawPointer(buffer + start) + 1
            consume(count)
            bytesRead += Int64(count)
            line += 1
            skippingLine = false
            return 1
        }
        consume(available)
        bytesRead += Int64(available)
        if inputEnded {
            skippingLine = false
            if available > 0 { line += 1; return 1 }
        }
        return 0
    }

    // MARK: - The CSV header

    private func readHeader() throws(DecodeError) -> ColumnPlan {
        let available = end - start
        let bytes = UnsafeRawBufferPointer(start: buffer + start, count: available)
        var odd = false
        var length = -1
        for i in 0..<available {
            let byte = bytes[i]
            if byte == 0x22 { odd.toggle() } else if byte == 0x0A && !odd { length = i + 1; break }
        }
        if length < 0 {
            guard inputEnded else {
                throw .badHeader(source: source, reason: "it is longer than \(available) bytes (is a quote left open?)")
            }
            guard !odd else { throw .badHeader(source: source, reason: "a quoted name is never closed") }
            length = available
        }
        let record = UnsafeRawBufferPointer(rebasing: bytes[0..<length])
        if record.isBlank || record.allSatisfy({ $0 == 0x0A }) { throw .missingHeader(source: source) }
        let (names, problem) = ColumnPlan.headerNames(record)
        if let problem { throw .badHeader(source: source, reason: problem.reason) }
        let hasDefaultChannel = options.fallbackChannel(for: format) != nil
        let plan: ColumnPlan
        if let mapping = options.mapping {
            plan = try ColumnPlan.mapped(header: names, mapping: mapping, source: source, hasDefaultChannel: hasDefaultChannel)
        } else {
            plan = try ColumnPlan.canonical(header: names, source: source, hasDefaultChannel: hasDefaultChannel)
        }
        line += Int64(record.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        consume(length)
        return plan
    }
}

/// One region's pieces, decoded by `concurrentPerform`.
///
/// `@unchecked Sendable`: during `concurrentPerform` the region bytes, the bounds and the decoder
/// template are only read, and each iteration decodes with its own copy of the decoder (whose
/// parallel implementations hold no references to mutable state) into its own builder.
private struct PieceJob: @unchecked Sendable {
    let decoder: any PieceDecoder
    let region: UnsafeRawBufferPointer
    let bounds: [Int]
    let source: String
    let zone: ZoneRules
    let channel: String?
    let maxRecord: Int
    let bytesPerEvent: Double
    let quoteFree: Bool
    /// Column memory to reuse, one per piece (or `nil`).
    let spares: [EventColumns?]

    func builder(piece k: Int) -> BatchBuilder {
        BatchBuilder(
            source: source, zone: zone, defaultChannel: channel, maxRecord: maxRecord,
            expectedEvents: Int(Double(bounds[k + 1] - bounds[k]) / bytesPerEvent * 1.1), columns: spares[k])
    }

    func run(piece k: Int) -> BatchBuilder {
        var pieceDecoder = decoder
        var builder = builder(piece: k)
        pieceDecoder.decode(
            UnsafeRawBufferPointer(rebasing: region[bounds[k]..<bounds[k + 1]]), firstLine: 0, quoteFree: quoteFree,
            into: &builder)
        return builder
    }
}

/// Where the decoding threads leave their builders.
///
/// `@unchecked Sendable`: slot `k` is written by iteration `k` alone, and read only after
/// `concurrentPerform` has returned.
private struct PieceSlots: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<BatchBuilder?>

    func store(_ builder: BatchBuilder, at index: Int) { slots[index] = builder }
}

/// Decodes a file chunk by chunk, handing each chunk to `sink` in file order.
///
/// Throws a ``DecodeError`` for problems with the file as a whole, or whatever `sink` throws,
/// unchanged (decoding stops there). Bad records do not throw: they are in each chunk's rejects.
public func decodeFile(
    path: String, format: InputFormat, options: DecodeOptions = DecodeOptions(), sink: (DecodedChunk) throws -> Void
) throws {
    let decoder = try EventDecoder(path: path, format: format, options: options)
    while let chunk = try decoder.next() { try sink(chunk) }
}

/// Decodes bytes in memory chunk by chunk, like ``decodeFile(path:format:options:sink:)``;
/// `source` names the input in rejects.
public func decodeBytes(
    _ bytes: [UInt8], source: String, format: InputFormat, options: DecodeOptions = DecodeOptions(),
    sink: (DecodedChunk) throws -> Void
) throws {
    let decoder = try EventDecoder(bytes: bytes, source: source, format: format, options: options)
    while let chunk = try decoder.next() { try sink(chunk) }
}
