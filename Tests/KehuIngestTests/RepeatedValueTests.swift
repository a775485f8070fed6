import Foundation
import KehuIngest
import KehuModel
import KehuTesting
import Testing

/// The decoder takes a record's key list, and a content, order_id or long field value, as they
/// were when the text is byte for byte the last one it parsed. These rows repeat on purpose; the
/// second computation decodes every row on its own, in a decoder that has seen nothing before.
@Suite("Rows repeating the last row's keys and values")
struct RepeatedValueTests {
    /// Each row alone, through a fresh decoder: its record (fingerprint, keys, fields).
    private func aloneRecords(_ rows: [String]) throws -> [EventRecord] {
        try rows.map { row in
            let chunk = try decodeAll(canonicalHeader + "\n" + row + "\n")
            #expect(chunk.rejects.isEmpty, "\(row): \(chunk.rejectSummary)")
            return chunk.batch.record(at: 0)
        }
    }

    @Test("repeated key lists and field values decode exactly as the same rows decoded one by one")
    func sameAsAlone() throws {
        let longSKU = "sku-with-a-name-longer-than-sixteen-bytes"
        let longList = (1...8).map { "device:d\($0)-0123456789abcdef" }.joined(separator: "|")
        // No event_id, so every fingerprint is the content digest, which covers the key texts.
        let rows = [
            ",2025-06-01T10:00:00+08:00,member:m1|device:d1,view,tmall,,,live-1,\(longSKU),,,,,",
            ",2025-06-01T10:01:00+08:00,member:m1|device:d1,view,tmall,,,live-1,\(longSKU),,,,,",
            // Spaces around a key, and a key given twice: kept once, trimmed.
            ",2025-06-01T10:02:00+08:00, member:m1 |member:m1,cart,tmall,,,live-1,,,,,,",
            ",2025-06-01T10:03:00+08:00, member:m1 |member:m1,order,tmall,,,,,,o-1,,,",
            ",2025-06-01T10:04:00+08:00, member:m1 |member:m1,pay,tmall,,,,,,o-1,12.50,,",
            // The same keys, written differently: parsed again, the same key codes.
            ",2025-06-01T10:05:00+08:00,device:d1|member:m1,view,jd,,,live-2,\(longSKU),,,,,",
            ",2025-06-01T10:06:00+08:00,\(longList),view,jd,,,live-2,,,,,,",
            ",2025-06-01T10:07:00+08:00,\(longList),view,jd,,,live-2,,,,,,",
            ",2025-06-01T10:08:00+08:00,member:m2,view,jd,,,live-1,,,,,,",
            ",2025-06-01T10:09:00+08:00,member:m2,pay,jd,,,,,,o-1,3.00,,",
        ]
        let together = try decodeAll(canonicalHeader + "\n" + rows.joined(separator: "\n") + "\n")
        #expect(together.rejects.isEmpty)
        try #require(together.batch.count == rows.count)
        let alone = try aloneRecords(rows)
        for i in rows.indices {
            #expect(together.batch.record(at: i) == alone[i], "row \(i + 1)")
        }
        // By hand: rows 3-5 have the one key member:m1, row 7 and 8 eight device keys.
        #expect(together.batch.record(at: 2).keys == ["member:m1"])
        #expect(together.batch.record(at: 7).keys.count == 8)
        #expect(together.batch.record(at: 1).sku == longSKU)
        // Rows 1-3 share a content value: one code. Rows 4, 5 and 10 share an order id: one code.
        #expect(Set([0, 1, 2].map { together.batch.code(.content, $0) }).count == 1)
        #expect(Set([3, 4, 9].map { together.batch.code(.orderID, $0) }).count == 1)
    }

    /// Lines 2, 3, 4 and 6 repeat one bad key list (an unknown key type): each is rejected, with
    /// its own line; lines 5 and 7 are good.
    @Test("a bad key list is rejected on every row that repeats it")
    func badListEveryTime() throws {
        let text = """
            \(canonicalHeader)
            e1,2025-06-01T10:00:00+08:00,member:m1|nosuchtype:1,view,tmall,,,,,,,,,
            e2,2025-06-01T10:01:00+08:00,member:m1|nosuchtype:1,view,tmall,,,,,,,,,
            e3,2025-06-01T10:02:00+08:00,member:m1|nosuchtype:1,view,tmall,,,,,,,,,
            e4,2025-06-01T10:03:00+08:00,member:m1,view,tmall,,,,,,,,,
            e5,2025-06-01T10:04:00+08:00,member:m1|nosuchtype:1,view,tmall,,,,,,,,,
            e6,2025-06-01T10:05:00+08:00,member:m1,view,tmall,,,,,,,,,

            """
        let chunk = try decodeAll(text)
        #expect(chunk.rejectSummary == ["2: keys", "3: keys", "4: keys", "6: keys"])
        #expect(chunk.batch.count == 2)
        #expect(chunk.batch.record(at: 0).keys == ["member:m1"])
        #expect(chunk.batch.record(at: 1).keys == ["member:m1"])
        #expect(chunk.batch.record(at: 1).fingerprint == EventFingerprint(eventID: "e6"))
    }

    /// A good row, then a row with the same keys but a bad kind (rejected after its keys were
    /// parsed), then the same keys again: the third row decodes with the first row's keys.
    @Test("a row rejected after its keys does not spoil the next row with the same keys")
    func rejectAfterKeys() throws {
        let text = """
            \(canonicalHeader)
            e1,2025-06-01T10:00:00+08:00,member:m1|device:d1,view,tmall,,,,,,,,,
            e2,2025-06-01T10:01:00+08:00,member:m1|device:d1,nosuchkind,tmall,,,,,,,,,
            e3,2025-06-01T10:02:00+08:00,member:m1|device:d1,view,tmall,,,,,,,,,

            """
        let chunk = try decodeAll(text)
        #expect(chunk.rejectSummary == ["3: kind"])
        #expect(chunk.batch.count == 2)
        #expect(chunk.batch.record(at: 1).keys == ["member:m1", "device:d1"])
        #expect(chunk.batch.keyCodes(of: 0) == chunk.batch.keyCodes(of: 1))
    }
}

/// Unquoted CSV is split 64 bytes at a time, then 8, then byte by byte near the input's end.
/// Generated rows of every length (short rows with 13 commas in one 64-byte block, long ones
/// spanning several), some with CRLF, some with a column too many or too few, the last without a
/// line end; the second computation is the values the generator wrote.
@Suite("Unquoted CSV rows of every length")
struct UnquotedSplitTests {
    @Test("each cell is exactly the text between its commas; wrong column counts are rejected on their line", arguments: [1, 2])
    func generated(threads: Int) throws {
        var rng = SplitMix(seed: 64)
        func text(_ maxLength: UInt64) -> String {
            let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_.")
            return String((0..<Int(rng.next() % (maxLength + 1))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        var csv = canonicalHeader + "\n"
        var expected: [(line: Int64, fields: [String])] = []
        var badLines: [Int64] = []
        let rows = 3000
        for i in 0..<rows {
            let line = Int64(i + 2)
            // touchpoint, campaign, content, sku, category: 0 to 90 characters each.
            let fields = (0..<5).map { _ in text(rng.next() % 4 == 0 ? 90 : 6) }
            var row = "e\(i),2025-06-01T10:00:00+08:00,member:m\(rng.next() % 50),view,tmall," + fields.joined(separator: ",") + ",,,,"
            switch rng.next() % 25 {
            case 0:
                row += ",extra"
                badLines.append(line)
            case 1:
                row = String(row.dropLast())  // 13 cells
                badLines.append(line)
            default:
                expected.append((line, fields))
            }
            csv += row + (i == rows - 1 ? "" : rng.next() % 5 == 0 ? "\r\n" : "\n")
        }
        let chunk = try decodeAll(csv, options: DecodeOptions(threads: threads, bytesPerThreadMinimum: 1))
        #expect(chunk.rejects.map(\.line) == badLines)
        #expect(chunk.rejects.allSatisfy { $0.field == "record" })
        try #require(chunk.batch.count == expected.count)
        for (i, row) in expected.enumerated() {
            let record = chunk.batch.record(at: i)
            let got = [record.touchpoint, record.campaign, record.content, record.sku, record.category].map { $0 ?? "" }
            #expect(got == row.fields, "line \(row.line)")
            #expect(chunk.batch.source[i] == row.line)
            #expect(record.channel == "tmall")
        }
    }
}
