import Foundation
import KehuIngest
import KehuModel
import KehuTesting
import Testing

@Suite struct ParallelDecodingTests {
    /// A file mixing plain rows, quoted cells with commas, doubled quotes and line breaks, rows
    /// without event_id (derived fingerprints, some repeated), and bad rows.
    static func mixedCSV(rows: Int, quotes: Bool) -> String {
        var generator = SplitMix(seed: 42)
        var text = canonicalHeader + "\n"
        for i in 0..<rows {
            let roll = generator.next() % 20
            let member = "member:M\(generator.next() % 300)"
            let id = roll < 3 ? "" : "e\(i)"
            let content: String
            switch (quotes, roll) {
            case (true, 4): content = "\"note, with comma\""
            case (true, 5): content = "\"two\nlines\""
            case (true, 6): content = "\"said \"\"hi\"\"\""
            default: content = roll == 7 ? "C\(i % 5)" : ""
            }
            switch roll {
            case 8: text += "\(id),2026-02-30T10:00:00Z,\(member),view,tmall,,,\(content),SKU1,,,,,\n"   // bad ts
            case 9: text += "\(id),2026-06-18T10:00:00Z,\(member),view,tmall\n"                           // columns
            case 10: text += "\(id),2026-06-18T10:00:00Z,\(member)|phone:1\(generator.next() % 90 + 10)00000000,pay,jd,live,618,\(content),SKU\(i % 7),makeup,O\(i),\(i % 500).5\(i % 10),,2\n"
            case 0, 1: text += ",2026-06-18T10:00:00Z,member:M1,view,tmall,,,,SKU1,,,,,\n"                // repeated content
            default: text += "\(id),2026-06-18T10:\(String(format: "%02d", i % 60)):00Z,\(member),view,douyin,,,\(content),SKU\(i % 11),skincare,,,,\n"
            }
        }
        return text
    }

    static func compare(_ text: String, chunkSize: Int) throws {
        let one = try decodeChunks(text, options: DecodeOptions(chunkSize: chunkSize, threads: 1, bytesPerThreadMinimum: 1))
        let two = try decodeChunks(text, options: DecodeOptions(chunkSize: chunkSize, threads: 2, bytesPerThreadMinimum: 1))
        #expect(one.count == two.count)
        for (a, b) in zip(one, two) {
            expectIdentical(a.batch, b.batch)
            #expect(a.rejects == b.rejects)
            #expect(a.linesRead == b.linesRead)
            #expect(a.bytesRead == b.bytesRead)
        }
        // And chunking changes nothing but where chunks end.
        let whole = try decodeAll(text, options: DecodeOptions(threads: 1))
        let joined = one.reduce(into: DecodedChunk()) { $0.append($1) }
        #expect(joined.batch.count == whole.batch.count)
        #expect((0..<whole.batch.count).allSatisfy { joined.batch.record(at: $0) == whole.batch.record(at: $0) })
        #expect(joined.batch.source == whole.batch.source)
        #expect(joined.rejects == whole.rejects)
        #expect(joined.linesRead == whole.linesRead)
    }

    @Test func twoThreadsGiveExactlyTheSameBatchesAsOneWithQuotedCells() throws {
        let text = Self.mixedCSV(rows: 3000, quotes: true)
        #expect(text.contains("\"two\nlines\""))
        try Self.compare(text, chunkSize: 700)
    }

    @Test func twoThreadsGiveExactlyTheSameBatchesWithoutQuotes() throws {
        try Self.compare(Self.mixedCSV(rows: 3000, quotes: false), chunkSize: 500)
    }

    @Test func jsonlDecodesTheSameOnTwoThreads() throws {
        var text = ""
        for i in 0..<2000 {
            text += i % 13 == 0
                ? "{\"ts\":\"bad\",\"keys\":[\"member:M\(i)\"],\"kind\":\"view\",\"channel\":\"tmall\"}\n"
                : "{\"event_id\":\"e\(i)\",\"ts\":\(1_781_784_000 + i),\"keys\":[\"member:M\(i % 97)\"],\"kind\":\"view\",\"channel\":\"tmall\",\"content\":\"\\u00e9\(i % 3)\"}\n"
        }
        let one = try decodeChunks(text, format: .jsonl, options: DecodeOptions(chunkSize: 400, threads: 1, bytesPerThreadMinimum: 1))
        let two = try decodeChunks(text, format: .jsonl, options: DecodeOptions(chunkSize: 400, threads: 2, bytesPerThreadMinimum: 1))
        #expect(one.count == two.count && one.count > 1)
        for (a, b) in zip(one, two) {
            expectIdentical(a.batch, b.batch)
            #expect(a.rejects == b.rejects)
        }
        #expect(one.reduce(0) { $0 + $1.rejects.count } == 154)    // i = 0, 13, ..., 1989: 154 lines
    }

    @Test func rejectsNeverCarryPersonalValues() throws {
        // Phone numbers and emails placed where they do not belong, in every field that can fail.
        let phone = "13912345678"
        let lines = [
            "e1,\(phone),member:M1,view,tmall,,,,,,,,,",
            "e2,2026-06-18T10:00:00Z,\(phone),view,tmall,,,,,,,,,",
            "e3,2026-06-18T10:00:00Z,\(phone):x,view,tmall,,,,,,,,,",
            "e4,2026-06-18T10:00:00Z,phone:\(phone)x,view,tmall,,,,,,,,,",
            "e5,2026-06-18T10:00:00Z,member:M1,\(phone),tmall,,,,,,,,,",
            "e6,2026-06-18T10:00:00Z,member:M1,pay,tmall,,,,,,O1,\(phone)x,,",
            "e7,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,\(phone)",
            "e8,2026-06-18T10:00:00Z,email:li\(phone)@example,view,tmall,,,,,,,,,",
            "e9,2026-06-18T10:00:00Z,member:M1,\(phone)@qq.com,tmall,,,,,,,,,",
            "e10,2026-06-18T10:00:00Z,member:M1,view,tmall,\"\(phone)\"x,,,,,,,,",
        ]
        let chunk = try decodeAll(canonicalHeader + "\n" + lines.joined(separator: "\n") + "\n")
        #expect(chunk.rejects.count == lines.count)
        for reject in chunk.rejects {
            #expect(!reject.reason.contains(phone), "\(reject)")
            #expect(!reject.reason.contains("12345678"), "\(reject)")
            #expect(!reject.description.contains(phone))
        }
        // The Taobao and JSONL paths too.
        let taobao = try decodeAll("1,2,3,\(phone),1511544070\n", format: .taobao)
        let jsonl = try decodeAll("{\"\(phone)\":1}\n{\"kind\":\"\(phone)\",\"ts\":1781784000,\"keys\":[\"member:M1\"],\"channel\":\"x\"}\n", format: .jsonl)
        for reject in taobao.rejects + jsonl.rejects {
            #expect(!reject.reason.contains(phone) && !reject.field.contains(phone), "\(reject)")
        }
        #expect(taobao.rejects.count == 1 && jsonl.rejects.count == 2)
    }

    @Test func progressReachesTheWholeFile() throws {
        let path = Fixture.path("canonical-five-bad.csv")
        let seen = ProgressLog()
        let options = DecodeOptions(chunkSize: 2, progress: { done, total in
            seen.record(done)
            #expect(total == 884)
        })
        var chunks = 0
        try decodeFile(path: path, format: .csv, options: options) { _ in chunks += 1 }
        let done = seen.values
        #expect(chunks > 1)
        #expect(done.count == chunks)
        #expect(done == done.sorted())
        #expect(done.last == 884)
    }

    @Test func sinkErrorsStopDecodingUnchanged() {
        struct Full: Error, Equatable {}
        var calls = 0
        #expect(throws: Full()) {
            try decodeFile(path: Fixture.path("canonical-five-bad.csv"), format: .csv, options: DecodeOptions(chunkSize: 1)) { _ in
                calls += 1
                throw Full()
            }
        }
        #expect(calls == 1)
    }
}

/// Progress reports collected from the callback.
///
/// `@unchecked Sendable`: every access to `reports` holds `lock`.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [Int64] = []

    func record(_ done: Int64) {
        lock.lock()
        reports.append(done)
        lock.unlock()
    }

    var values: [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return reports
    }
}
