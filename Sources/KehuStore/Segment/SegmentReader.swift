import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and verifies segments. Nothing is returned unless its checksum matches.
enum SegmentReader {
    struct Metadata {
        var rowCount: Int
        var minTs: Int64
        var maxTs: Int64
        var blocks: [UInt32: SegmentDirectoryEntry]
    }

    /// Parses and verifies the header, directory and trailer of a complete file image.
    static func metadata(of bytes: UnsafeRawBufferPointer, file: String) throws(StoreError) -> Metadata {
        let h = SegmentFormat.headerSize
        guard bytes.count >= h + SegmentFormat.trailerSize else {
            throw .corruptSegment(file: file, reason: "the file is \(bytes.count) bytes, shorter than a header")
        }
        guard Array(bytes[0..<8]) == SegmentFormat.magic else {
            throw .corruptSegment(file: file, reason: "it does not start with the segment magic")
        }
        guard Array(bytes[(bytes.count - 8)...]) == SegmentFormat.endMagic else {
            throw .corruptSegment(file: file, reason: "the trailer is missing (the file is truncated)")
        }
        let version = bytes.loadLE(UInt32.self, at: 8)
        guard version == SegmentFormat.version else { throw .unsupportedSegmentVersion(file: file, version: version) }
        let blockCount = Int(bytes.loadLE(UInt32.self, at: 12))
        let directoryOffset = Int(bytes.loadLE(UInt64.self, at: 40))
        let directoryEnd = directoryOffset + blockCount * SegmentFormat.directoryEntrySize
        guard directoryOffset >= h, directoryEnd == bytes.count - SegmentFormat.trailerSize else {
            throw .corruptSegment(file: file, reason: "the block directory is out of place")
        }
        let stored = bytes.loadLE(UInt64.self, at: directoryEnd)
        let computed = SegmentWriter.metadataChecksum(header: bytes[0..<h], directory: bytes[directoryOffset..<directoryEnd])
        guard stored == computed else {
            throw .corruptSegment(file: file, reason: "the header or block directory checksum does not match")
        }
        var blocks: [UInt32: SegmentDirectoryEntry] = [:]
        for b in 0..<blockCount {
            let at = directoryOffset + b * SegmentFormat.directoryEntrySize
            let entry = SegmentDirectoryEntry(
                block: bytes.loadLE(UInt32.self, at: at), width: bytes.loadLE(UInt32.self, at: at + 4),
                offset: bytes.loadLE(UInt64.self, at: at + 8), length: bytes.loadLE(UInt64.self, at: at + 16),
                checksum: bytes.loadLE(UInt64.self, at: at + 24))
            guard entry.offset + entry.length <= UInt64(directoryOffset) else {
                throw .corruptSegment(file: file, reason: "block \(entry.block) lies outside the file")
            }
            blocks[entry.block] = entry
        }
        return Metadata(
            rowCount: Int(bytes.loadLE(UInt64.self, at: 16)), minTs: bytes.loadLE(Int64.self, at: 24),
            maxTs: bytes.loadLE(Int64.self, at: 32), blocks: blocks)
    }

    /// Reads a whole segment file, verifying every block.
    static func read(path: String) throws(StoreError) -> SegmentColumns {
        let bytes = try FileIO.readAll(path)
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in try decode(raw, file: path) }
        }.get()
    }

    /// Decodes a verified file image into columns.
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(StoreError) -> SegmentColumns {
        let meta = try metadata(of: bytes, file: file)
        var columns = SegmentColumns()
        let rows = meta.rowCount

        func block(_ id: UInt32) throws(StoreError) -> (UnsafeRawBufferPointer, Int) {
            guard let entry = meta.blocks[id] else {
                throw .corruptSegment(file: file, reason: "block \(id) is missing")
            }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[Int(entry.offset)..<Int(entry.offset + entry.length)])
            guard SegmentFormat.checksum(slice, block: id) == entry.checksum else {
                throw .corruptSegment(file: file, reason: "the checksum of block \(id) does not match")
            }
            return (slice, Int(entry.width))
        }
        func array<T: FixedWidthInteger>(_ id: UInt32, _: T.Type, count: Int) throws(StoreError) -> [T] {
            let (slice, width) = try block(id)
            guard width == MemoryLayout<T>.size, slice.count == count * width else {
                throw .corruptSegment(file: file, reason: "block \(id) has the wrong size")
            }
            return (0..<count).map { slice.loadLE(T.self, at: $0 * width) }
        }

        columns.fingerprintHigh = try array(SegmentFormat.Block.fingerprintHigh, UInt64.self, count: rows)
        columns.fingerprintLow = try array(SegmentFormat.Block.fingerprintLow, UInt64.self, count: rows)
        columns.ts = try array(SegmentFormat.Block.ts, Int64.self, count: rows)
        columns.key = try array(SegmentFormat.Block.key, UInt32.self, count: rows)
        columns.kind = try array(SegmentFormat.Block.kind, UInt8.self, count: rows)
        columns.amount = try array(SegmentFormat.Block.amount, Int64.self, count: rows)
        columns.listPrice = try array(SegmentFormat.Block.listPrice, Int64.self, count: rows)
        columns.quantity = try array(SegmentFormat.Block.quantity, Int32.self, count: rows)
        for k in columns.kind where k >= EventKind.allCases.count {
            throw .corruptSegment(file: file, reason: "an event kind code \(k) is unknown")
        }
        for f in 0..<columns.codes.count {
            let (dictionary, _) = try block(SegmentFormat.Block.dictionaryBytes(f))
            let rawOffsets = try arrayOfUnknownCount(block(SegmentFormat.Block.dictionaryOffsets(f)), file: file)
            let offsets = rawOffsets.map { Int($0) }
            guard offsets.count >= 2, offsets[0] == 0, offsets[1] == 0, offsets.last! == dictionary.count,
                zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
            else { throw .corruptSegment(file: file, reason: "the dictionary of field \(f) is malformed") }
            columns.tables[f] = StringTable(storage: Array(dictionary), offsets: offsets)
            let (codeBlock, width) = try block(SegmentFormat.Block.codes(f))
            guard codeBlock.count == rows * width, width == SegmentFormat.codeWidth(codeCount: offsets.count - 1) else {
                throw .corruptSegment(file: file, reason: "the codes of field \(f) have the wrong size")
            }
            let codeCount = UInt32(offsets.count - 1)
            var codes = [UInt32](repeating: 0, count: rows)
            for r in 0..<rows {
                let code: UInt32 = switch width {
                case 1: UInt32(codeBlock[r])
                case 2: UInt32(codeBlock.loadLE(UInt16.self, at: r * 2))
                default: codeBlock.loadLE(UInt32.self, at: r * 4)
                }
                guard code < codeCount else {
                    throw .corruptSegment(file: file, reason: "a code of field \(f) is outside its dictionary")
                }
                codes[r] = code
            }
            columns.codes[f] = codes
        }
        return columns
    }

    private static func arrayOfUnknownCount(
        _ block: (UnsafeRawBufferPointer, Int), file: String
    ) throws(StoreError) -> [UInt64] {
        let (slice, width) = block
        guard width == 8, slice.count % 8 == 0 else {
            throw .corruptSegment(file: file, reason: "a dictionary offset block has the wrong size")
        }
        return (0..<(slice.count / 8)).map { slice.loadLE(UInt64.self, at: $0 * 8) }
    }

    /// Reads a segment's anchor-key column and dictionaries only (the first pass of a snapshot
    /// build), verified.
    static func keysAndTables(path: String) throws(StoreError) -> (keys: [UInt32], tables: [StringTable]) {
        let bytes = try FileIO.readAll(path)
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                let meta = try metadata(of: raw, file: path)
                func block(_ id: UInt32) throws(StoreError) -> UnsafeRawBufferPointer {
                    guard let entry = meta.blocks[id] else {
                        throw StoreError.corruptSegment(file: path, reason: "block \(id) is missing")
                    }
                    let slice = UnsafeRawBufferPointer(rebasing: raw[Int(entry.offset)..<Int(entry.offset + entry.length)])
                    guard SegmentFormat.checksum(slice, block: id) == entry.checksum else {
                        throw StoreError.corruptSegment(file: path, reason: "the checksum of block \(id) does not match")
                    }
                    return slice
                }
                let keyBlock = try block(SegmentFormat.Block.key)
                guard keyBlock.count == meta.rowCount * 4 else {
                    throw StoreError.corruptSegment(file: path, reason: "block \(SegmentFormat.Block.key) has the wrong size")
                }
                let keys = (0..<meta.rowCount).map { keyBlock.loadLE(UInt32.self, at: $0 * 4) }
                var tables: [StringTable] = []
                for f in 0..<EventField.allCases.count {
                    let dictionary = try block(SegmentFormat.Block.dictionaryBytes(f))
                    let offsetBlock = try block(SegmentFormat.Block.dictionaryOffsets(f))
                    let offsets = (0..<(offsetBlock.count / 8)).map { Int(offsetBlock.loadLE(UInt64.self, at: $0 * 8)) }
                    guard offsets.count >= 2, offsets[0] == 0, offsets[1] == 0, offsets.last! == dictionary.count,
                        zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
                    else { throw StoreError.corruptSegment(file: path, reason: "the dictionary of field \(f) is malformed") }
                    tables.append(StringTable(storage: Array(dictionary), offsets: offsets))
                }
                return (keys, tables)
            }
        }.get()
    }

    /// Reads only the fingerprint columns of a segment (for duplicate detection), verified.
    static func fingerprints(path: String) throws(StoreError) -> (high: [UInt64], low: [UInt64]) {
        let bytes = try FileIO.readAll(path)
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(StoreError) in
                let meta = try metadata(of: raw, file: path)
                var out: [[UInt64]] = []
                for id in [SegmentFormat.Block.fingerprintHigh, SegmentFormat.Block.fingerprintLow] {
                    guard let entry = meta.blocks[id], entry.length == UInt64(meta.rowCount * 8) else {
                        throw StoreError.corruptSegment(file: path, reason: "block \(id) is missing or has the wrong size")
                    }
                    let slice = UnsafeRawBufferPointer(rebasing: raw[Int(entry.offset)..<Int(entry.offset + entry.length)])
                    guard SegmentFormat.checksum(slice, block: id) == entry.checksum else {
                        throw StoreError.corruptSegment(file: path, reason: "the checksum of block \(id) does not match")
                    }
                    out.append((0..<meta.rowCount).map { slice.loadLE(UInt64.self, at: $0 * 8) })
                }
                return (out[0], out[1])
            }
        }.get()
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
