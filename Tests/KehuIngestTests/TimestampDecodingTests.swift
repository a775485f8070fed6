import KehuIngest
import KehuModel
import KehuTesting
import Testing

@Suite struct TimestampDecodingTests {
    /// Times in many layouts, valid and not; the decoder's fast path must agree with
    /// `Timestamp.parse` on every one, value or error.
    static func samples() -> [String] {
        var generator = SplitMix(seed: 11)
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt64(values.count))] }
        var texts = [
            "2026-06-18T20:00:00Z", "2026-06-18T20:00:00.123+08:00", "2026-06-18 20:00:00+0800", "2026-06-18T20:00:00-05",
            "2026-06-18T20:00:00.1Z", "2026-06-18T20:00:00.12z", "2026-06-18T20:00:00,5+08:00", "2024-02-29T12:00:00Z",
            "2026-02-29T12:00:00Z", "2026-06-31T12:00:00Z", "2026-06-18T24:00:00Z", "2026-06-18T20:60:00Z",
            "2026-06-18T20:00:60Z", "2026-06-18T20:00:00+19:00", "2026-06-18T20:00:00+08:60", "2026-06-18T20:00:00.1234Z",
            "2026-06-18T20:00:00.Z", "2026-06-18T20:00:00+8:00", "2026-06-18T20:00:00+08:0", "2026-06-18T20:00:00+08:00:00",
            "2026-06-18X20:00:00Z", "2026-06-18T20-00-00Z", "1970-01-01T00:00:00Z", "1970-01-01T07:59:59+08:00",
            "1969-12-31T23:00:00-05:00", "2099-12-31T23:59:59.999Z", "2100-01-01T00:00:00+01:00", "0000-01-01T00:00:00Z",
            "2026-06-18 20:00:00", "2026-06-18T20:00", "2026-06-18", "20260618", "1781784000", "1781784000123",
            "2026-06-18T20:00:00Zjunk", "2026-06-18T2a:00:00Z", "2026/06/18 20:00:00+08:00", "２０２６-06-18T20:00:00Z",
        ]
        for _ in 0..<1500 {
            let year = pick([1969, 1970, 1999, 2000, 2024, 2026, 2099, 2100])
            let month = Int(generator.next() % 14)
            let day = Int(generator.next() % 33)
            let hour = Int(generator.next() % 26)
            let fraction = pick(["", ".5", ".25", ".125", ".1250", ","])
            let offset = pick(["Z", "+08:00", "-03:30", "+0545", "+08", "-12:00", "+18:00", "+18:01", ""])
            texts.append(String(format: "%04d-%02d-%02d%@%02d:%02d:%02d", year, month, day, pick(["T", " "]), hour, 7, 59) + fraction + offset)
        }
        return texts
    }

    @Test func decodedTimesAgreeWithTimestampParse() throws {
        let texts = Self.samples()
        var csv = "ts,keys,kind,channel\n"
        // Quoted, since a few texts hold a comma (a decimal comma before the milliseconds).
        for text in texts { csv += "\"\(text)\",member:M1,view,tmall\n" }
        let chunk = try decodeAll(csv)
        var events = 0
        var rejects = 0
        for (i, text) in texts.enumerated() {
            let line = Int64(i + 2)
            do {
                let expected = try Timestamp.parse(text, zone: .shanghai)
                #expect(chunk.batch.ts[events] == expected, "\(text)")
                #expect(chunk.batch.source[events] == line)
                events += 1
            } catch {
                #expect(chunk.rejects[rejects] == Reject(source: "test", line: line, field: "ts", reason: error.description), "\(text)")
                rejects += 1
            }
        }
        #expect(events == chunk.batch.count)
        #expect(rejects == chunk.rejects.count)
        #expect(events > 300 && rejects > 300)
    }
}
