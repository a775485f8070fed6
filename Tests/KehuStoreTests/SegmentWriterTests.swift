import Foundation
import KehuModel
import Testing
@testable import KehuStore
import KehuTesting

/// The segment writer streams each block from its column to the file. The reference here builds
/// the whole file in one array, block after block, straight from the layout in ``SegmentFormat``'s
/// documentation; the two must agree byte for byte.
@Suite("Segment writer: streamed blocks, the documented layout")
struct SegmentWriterTests {
    /// The file as the format documentation describes it, built in memory.
    private func referenceBytes(_ c: SegmentColumns) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SegmentFormat.headerSize)
        var directory: [UInt8] = []
        var blocks = 0
        func block(_ id: UInt32, width: Int, _ bytes: [UInt8]) {
            while out.count % 8 != 0 { out.append(0) }
            directory.appendLittleEndian(id)
            directory.appendLittleEndian(UInt32(width))
            directory.appendLittleEndian(UInt64(out.count))
            directory.appendLittleEndian(UInt64(bytes.count))
            directory.appendLittleEndian(bytes.withUnsafeBytes { SegmentFormat.checksum($0, block: id) })
            out += bytes
            blocks += 1
        }
        func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
            var bytes: [UInt8] = []
            for v in values { bytes.appendLittleEndian(v) }
            return bytes
        }
        block(1, width: 8, le(c.fingerprintHigh))
        block(2, width: 8, le(c.fingerprintLow))
        block(3, width: 8, le(c.ts))
        block(4, width: 4, le(c.key))
        block(5, width: 1, c.kind)
        block(6, width: 8, le(c.amount))
        block(7, width: 8, le(c.listPrice))
        block(8, width: 4, le(c.quantity))
        for f in 0..<c.codes.count {
            let codeCount = c.tables[f].codeCount
            let width = codeCount <= 256 ? 1 : codeCount <= 65_536 ? 2 : 4
            switch width {
            case 1: block(100 + UInt32(f), width: 1, c.codes[f].map { UInt8($0) })
            case 2: block(100 + UInt32(f), width: 2, le(c.codes[f].map { UInt16($0) }))
            default: block(100 + UInt32(f), width: 4, le(c.codes[f]))
            }
            block(200 + UInt32(f), width: 1, c.tables[f].storage)
            block(300 + UInt32(f), width: 8, le(c.tables[f].offsets.map { UInt64($0) }))
        }
        while out.count % 8 != 0 { out.append(0) }
        let directoryOffset = out.count
        var header: [UInt8] = Array("KEHUSEG\0".utf8)
        header.appendLittleEndian(UInt32(1))
        header.appendLittleEndian(UInt32(blocks))
        header.appendLittleEndian(UInt64(c.rowCount))
        header.appendLittleEndian(c.ts.min() ?? 0)
        header.appendLittleEndian(c.ts.max() ?? 0)
        header.appendLittleEndian(UInt64(directoryOffset))
        header += [UInt8](repeating: 0, count: 64 - header.count)
        out.replaceSubrange(0..<64, with: header)
        out += directory
        out.appendLittleEndian((header + directory).withUnsafeBytes { SegmentFormat.checksum($0, block: 0) })
        out += Array("KEHUEND\0".utf8)
        return out
    }

    /// Columns of `rows` rows from a seed; channel has 5 distinct values (1-byte codes), sku 300
    /// (2 bytes), order_id up to 70,000 (4 bytes once more than 65,535 distinct), kind bytes make
    /// some block lengths odd so padding is needed.
    private func columns(rows: Int, orders: Int, seed: UInt64) -> SegmentColumns {
        var rng = SplitMix(seed: seed)
        var c = SegmentColumns()
        for i in 0..<rows {
            c.fingerprintHigh.append(rng.next())
            c.fingerprintLow.append(rng.next())
            c.ts.append(1_700_000_000_000 + Int64(rng.next() % 10_000_000))
            c.key.append(UInt32(rng.next() % 1000) + 1)
            c.kind.append(UInt8(rng.next() % 12))
            c.amount.append(rng.next() % 3 == 0 ? Int64(rng.next() % 100_000) : Money.unknownFen)
            c.listPrice.append(Money.unknownFen)
            c.quantity.append(Int32(rng.next() % 4))
            for f in 0..<c.codes.count {
                let text: String
                switch EventField(rawValue: f)! {
                case .channel: text = "ch\(rng.next() % 5)"
                case .sku: text = "sku-\(rng.next() % 300)"
                case .orderID: text = orders > 0 ? "o\(i % orders)" : ""
                default: text = rng.next() % 2 == 0 ? "" : "v\(rng.next() % 20)"
                }
                c.codes[f].append(c.tables[f].intern(text))
            }
        }
        return c
    }

    @Test("streamed segments equal the documented layout byte for byte, at every code width", arguments: [
        (0, 0), (1, 1), (7, 3), (1000, 500), (70_001, 70_000),
    ])
    func matchesReference(rows: Int, orders: Int) throws {
        let c = columns(rows: rows, orders: orders, seed: UInt64(rows) &+ 11)
        let reference = referenceBytes(c)
        // Through a file, as ingest writes it; and it reads back as the same columns.
        let dir = TemporaryDirectory()
        var file = try AtomicFile(directory: dir.path, name: "s.kseg")
        var scratch: [UInt8] = []
        let size = try SegmentWriter.write(c, to: &file, scratch: &scratch)
        try file.commit()
        #expect(size == reference.count)
        #expect(try FileIO.readAll("\(dir.path)/s.kseg") == reference)
        if rows > 0 {
            let back = try SegmentReader.read(path: "\(dir.path)/s.kseg")
            #expect(back.ts == c.ts && back.codes == c.codes && back.tables == c.tables && back.amount == c.amount)
        }
    }

    @Test("a file dropped before its commit leaves nothing behind")
    func dropped() throws {
        let dir = TemporaryDirectory()
        do {
            let file = try AtomicFile(directory: dir.path, name: "s.kseg")
            try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try file.append($0) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Two segments of 3 rows through the background writer: the first one's columns come back
    /// empty with their capacity, and both files read back as written.
    @Test("the background writer hands a written segment's memory back, empty")
    func spareColumns() throws {
        let dir = TemporaryDirectory()
        let writer = BackgroundSegmentWriter(directory: dir.path)
        let first = columns(rows: 3, orders: 2, seed: 1)
        let second = columns(rows: 3, orders: 2, seed: 2)
        #expect(writer.takeSpare() == nil)
        try writer.submit(first)
        try writer.submit(second)  // waits for the first write
        let spare = try #require(writer.takeSpare())
        #expect(spare.rowCount == 0 && spare.codes.allSatisfy(\.isEmpty) && spare.tables.allSatisfy { $0.count == 0 })
        #expect(spare.ts.capacity >= 3 && spare.fingerprintHigh.capacity >= 3)
        let written = try writer.finish()
        #expect(written.map(\.rows) == [3, 3])
        let back = try written.map { try SegmentReader.read(path: "\(dir.path)/\($0.file)") }
        #expect(back[0].ts == first.ts && back[1].ts == second.ts)
        #expect(back[0].fingerprintLow == first.fingerprintLow && back[1].codes == second.codes)
    }
}
