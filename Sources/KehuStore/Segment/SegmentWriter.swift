import KehuModel

/// Serialises ``SegmentColumns`` into the segment format (see ``SegmentFormat``).
enum SegmentWriter {
    /// The complete file contents of a segment.
    /// - Complexity: O(rows + dictionary bytes).
    static func encode(_ columns: SegmentColumns) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SegmentFormat.headerSize)
        out.reserveCapacity(SegmentFormat.headerSize + columns.rowCount * 64 + 4096)
        var directory: [SegmentDirectoryEntry] = []

        func align() {
            while out.count % 8 != 0 { out.append(0) }
        }
        func appendBlock(_ id: UInt32, width: Int, _ bytes: UnsafeRawBufferPointer) {
            align()
            let offset = out.count
            out.append(contentsOf: bytes)
            directory.append(SegmentDirectoryEntry(
                block: id, width: UInt32(width), offset: UInt64(offset), length: UInt64(bytes.count),
                checksum: SegmentFormat.checksum(bytes, block: id)))
        }
        func appendArray<T: FixedWidthInteger>(_ id: UInt32, _ values: [T]) {
            #if _endian(little)
            values.withUnsafeBytes { appendBlock(id, width: MemoryLayout<T>.size, $0) }
            #else
            let littleEndian = values.map { $0.littleEndian }
            littleEndian.withUnsafeBytes { appendBlock(id, width: MemoryLayout<T>.size, $0) }
            #endif
        }

        appendArray(SegmentFormat.Block.fingerprintHigh, columns.fingerprintHigh)
        appendArray(SegmentFormat.Block.fingerprintLow, columns.fingerprintLow)
        appendArray(SegmentFormat.Block.ts, columns.ts)
        appendArray(SegmentFormat.Block.key, columns.key)
        appendArray(SegmentFormat.Block.kind, columns.kind)
        appendArray(SegmentFormat.Block.amount, columns.amount)
        appendArray(SegmentFormat.Block.listPrice, columns.listPrice)
        appendArray(SegmentFormat.Block.quantity, columns.quantity)
        for f in 0..<columns.codes.count {
            let table = columns.tables[f]
            switch SegmentFormat.codeWidth(codeCount: table.codeCount) {
            case 1: appendArray(SegmentFormat.Block.codes(f), columns.codes[f].map { UInt8(truncatingIfNeeded: $0) })
            case 2: appendArray(SegmentFormat.Block.codes(f), columns.codes[f].map { UInt16(truncatingIfNeeded: $0) })
            default: appendArray(SegmentFormat.Block.codes(f), columns.codes[f])
            }
            table.storage.withUnsafeBytes { appendBlock(SegmentFormat.Block.dictionaryBytes(f), width: 1, $0) }
            appendArray(SegmentFormat.Block.dictionaryOffsets(f), table.offsets.map { UInt64($0) })
        }

        align()
        let directoryOffset = out.count
        for entry in directory {
            out.appendLittleEndian(entry.block)
            out.appendLittleEndian(entry.width)
            out.appendLittleEndian(entry.offset)
            out.appendLittleEndian(entry.length)
            out.appendLittleEndian(entry.checksum)
        }

        // Header.
        var header: [UInt8] = SegmentFormat.magic
        header.appendLittleEndian(SegmentFormat.version)
        header.appendLittleEndian(UInt32(directory.count))
        header.appendLittleEndian(UInt64(columns.rowCount))
        let range = columns.timeRange ?? (0, 0)
        header.appendLittleEndian(range.min)
        header.appendLittleEndian(range.max)
        header.appendLittleEndian(UInt64(directoryOffset))
        header.append(contentsOf: [UInt8](repeating: 0, count: SegmentFormat.headerSize - header.count))
        out.replaceSubrange(0..<SegmentFormat.headerSize, with: header)

        // Trailer: checksum of header + directory.
        let metaChecksum = metadataChecksum(header: header, directory: out[directoryOffset...])
        out.appendLittleEndian(metaChecksum)
        out.append(contentsOf: SegmentFormat.endMagic)
        return out
    }

    static func metadataChecksum(header: some Collection<UInt8>, directory: some Collection<UInt8>) -> UInt64 {
        let bytes = Array(header) + Array(directory)
        return bytes.withUnsafeBytes { SegmentFormat.checksum($0, block: 0) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
