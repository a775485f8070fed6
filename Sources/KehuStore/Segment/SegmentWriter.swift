import KehuModel

/// Where a segment's bytes go, in file order: an ``AtomicFile`` when ingesting or compacting.
protocol SegmentSink {
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError)
}

/// Serialises ``SegmentColumns`` into the segment format (see ``SegmentFormat``).
///
/// The layout (every block's offset and length) follows from the column sizes alone, so the
/// header goes first and each block is handed to the sink straight from its column's memory:
/// no copy of the whole file is ever built. Only code columns narrower than 4 bytes, and the
/// dictionaries' offsets, pass through `scratch`, which the caller keeps from one segment to the
/// next.
enum SegmentWriter {
    /// Writes a segment to `sink`; returns its size in bytes.
    /// - Complexity: O(rows + dictionary bytes); memory beyond the columns: `scratch`, at most
    ///   two bytes per row or eight per dictionary code.
    @discardableResult
    static func write(_ columns: SegmentColumns, to sink: inout some SegmentSink, scratch: inout [UInt8]) throws(StoreError) -> Int {
        let rows = columns.rowCount
        let codeWidths = columns.tables.map { SegmentFormat.codeWidth(codeCount: $0.codeCount) }

        // The blocks in file order, with their element width and length.
        var plan: [(id: UInt32, width: Int, length: Int)] = [
            (SegmentFormat.Block.fingerprintHigh, 8, rows * 8),
            (SegmentFormat.Block.fingerprintLow, 8, rows * 8),
            (SegmentFormat.Block.ts, 8, rows * 8),
            (SegmentFormat.Block.key, 4, rows * 4),
            (SegmentFormat.Block.kind, 1, rows),
            (SegmentFormat.Block.amount, 8, rows * 8),
            (SegmentFormat.Block.listPrice, 8, rows * 8),
            (SegmentFormat.Block.quantity, 4, rows * 4),
        ]
        for f in 0..<columns.codes.count {
            plan.append((SegmentFormat.Block.codes(f), codeWidths[f], rows * codeWidths[f]))
            plan.append((SegmentFormat.Block.dictionaryBytes(f), 1, columns.tables[f].storage.count))
            plan.append((SegmentFormat.Block.dictionaryOffsets(f), 8, columns.tables[f].offsets.count * 8))
        }
        var offsets: [Int] = []
        var end = SegmentFormat.headerSize
        for block in plan {
            let offset = Self.aligned(end)
            offsets.append(offset)
            end = offset + block.length
        }
        let directoryOffset = Self.aligned(end)

        var header: [UInt8] = SegmentFormat.magic
        header.appendLittleEndian(SegmentFormat.version)
        header.appendLittleEndian(UInt32(plan.count))
        header.appendLittleEndian(UInt64(rows))
        let range = columns.timeRange ?? (0, 0)
        header.appendLittleEndian(range.min)
        header.appendLittleEndian(range.max)
        header.appendLittleEndian(UInt64(directoryOffset))
        header.append(contentsOf: [UInt8](repeating: 0, count: SegmentFormat.headerSize - header.count))
        try header.withBytes { bytes throws(StoreError) in try sink.append(bytes) }

        var position = SegmentFormat.headerSize
        var directory: [UInt8] = []
        directory.reserveCapacity(plan.count * SegmentFormat.directoryEntrySize)
        let zeros = [UInt8](repeating: 0, count: 8)
        var index = 0
        func block(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
            let (id, width, length) = plan[index]
            precondition(bytes.count == length, "block \(id) is \(bytes.count) bytes, planned \(length)")
            let padding = offsets[index] - position
            if padding > 0 {
                try zeros.withBytes { zeros throws(StoreError) in try sink.append(UnsafeRawBufferPointer(rebasing: zeros.prefix(padding))) }
            }
            try sink.append(bytes)
            position = offsets[index] + length
            directory.appendLittleEndian(id)
            directory.appendLittleEndian(UInt32(width))
            directory.appendLittleEndian(UInt64(offsets[index]))
            directory.appendLittleEndian(UInt64(length))
            directory.appendLittleEndian(SegmentFormat.checksum(bytes, block: id))
            index += 1
        }
        func array<T: FixedWidthInteger>(_ values: [T]) throws(StoreError) {
            #if _endian(little)
            try values.withBytes { bytes throws(StoreError) in try block(bytes) }
            #else
            try narrowed(values, as: T.self)
            #endif
        }
        /// `values` as little-endian `U`s (truncated), through `scratch`.
        func narrowed<T: FixedWidthInteger, U: FixedWidthInteger>(_ values: [T], as: U.Type) throws(StoreError) {
            let length = values.count * MemoryLayout<U>.size
            if scratch.count < length { scratch = [UInt8](repeating: 0, count: max(length, scratch.count * 2)) }
            scratch.withUnsafeMutableBytes { raw in
                let out = raw.bindMemory(to: U.self)
                for i in 0..<values.count { out[i] = U(truncatingIfNeeded: values[i]).littleEndian }
            }
            try scratch.withBytes { bytes throws(StoreError) in try block(UnsafeRawBufferPointer(rebasing: bytes.prefix(length))) }
        }

        try array(columns.fingerprintHigh)
        try array(columns.fingerprintLow)
        try array(columns.ts)
        try array(columns.key)
        try array(columns.kind)
        try array(columns.amount)
        try array(columns.listPrice)
        try array(columns.quantity)
        for f in 0..<columns.codes.count {
            switch codeWidths[f] {
            case 1: try narrowed(columns.codes[f], as: UInt8.self)
            case 2: try narrowed(columns.codes[f], as: UInt16.self)
            default: try array(columns.codes[f])
            }
            try columns.tables[f].storage.withBytes { bytes throws(StoreError) in try block(bytes) }
            try narrowed(columns.tables[f].offsets, as: UInt64.self)
        }
        precondition(index == plan.count, "every planned block is written")

        let padding = directoryOffset - position
        if padding > 0 {
            try zeros.withBytes { zeros throws(StoreError) in try sink.append(UnsafeRawBufferPointer(rebasing: zeros.prefix(padding))) }
        }
        // Trailer: checksum of header + directory.
        var tail = directory
        tail.appendLittleEndian(metadataChecksum(header: header, directory: directory))
        tail.append(contentsOf: SegmentFormat.endMagic)
        try tail.withBytes { bytes throws(StoreError) in try sink.append(bytes) }
        return directoryOffset + tail.count
    }

    @inline(__always)
    private static func aligned(_ offset: Int) -> Int { (offset + 7) & ~7 }

    static func metadataChecksum(header: some Collection<UInt8>, directory: some Collection<UInt8>) -> UInt64 {
        let bytes = Array(header) + Array(directory)
        return bytes.withUnsafeBytes { SegmentFormat.checksum($0, block: 0) }
    }
}

extension Array {
    /// `withUnsafeBytes` for a body that throws ``StoreError``.
    func withBytes(_ body: (UnsafeRawBufferPointer) throws(StoreError) -> Void) throws(StoreError) {
        try withUnsafeBytes { raw in Result { () throws(StoreError) in try body(raw) } }.get()
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
