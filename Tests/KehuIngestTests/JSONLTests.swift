import KehuIngest
import KehuModel
import Testing

@Suite struct JSONLTests {
    @Test func decodesFlatObjectsExactly() throws {
        let path = Fixture.path("events.jsonl")
        let chunk = try decodeAll(path: path, format: .jsonl)
        #expect(chunk.batch.count == 3)
        // Line 1: 0.1 is read as the decimal 0.1 yuan = 10 fen, never through a Double.
        #expect(chunk.batch.record(at: 0) == EventRecord(
            eventID: "j1", ts: 1_781_784_000_000, kind: .pay, keys: ["member:M1", "phone:+86 138 0000 0000"],
            channel: "tmall", orderID: "O1", amount: 10, listPrice: 1990, quantity: 2))
        // Line 2: numeric ts in seconds, keys as one pipe-separated string, a number as sku,
        // \u escapes and \" \n unescaped, null as absent.
        #expect(chunk.batch.record(at: 1) == EventRecord(
            eventID: "j2", ts: 1_781_784_000_000, kind: .view, keys: ["member:M2", "anon:x"], channel: "wechat_mp",
            content: "小红书 \"note\"\n", sku: "12345"))
        // Line 6: a surrogate pair is one emoji (U+1F600).
        #expect(chunk.batch.record(at: 2).content == "😀")
        #expect(chunk.batch.source == [1, 2, 6])
        #expect(chunk.rejects == [
            Reject(source: path, line: 3, field: "amount", reason: MoneyParseError.tooManyDecimals.description),
            Reject(source: path, line: 4, field: "colour", reason: "unknown field 'colour' (the fields are \(CanonicalColumn.allNames))"),
            Reject(source: path, line: 7, field: "record", reason: "the line is not a JSON object (each line must be one {...} object)"),
            Reject(source: path, line: 8, field: "amount", reason: MoneyParseError.notANumber.description),
            Reject(source: path, line: 9, field: "quantity", reason: "the value must be a whole number, not true or false"),
        ])
        #expect(chunk.linesRead == 9)
    }

    @Test(arguments: [
        ("0.1", Int64(10)), ("19.99", 1999), ("100", 10000), ("0", 0), ("\"7.5\"", 750), ("12345678.90", 1_234_567_890),
    ])
    func amountsAreExactDecimals(json: String, fen: Int64) throws {
        let line = #"{"event_id":"x","ts":1781784000,"keys":["member:M1"],"kind":"pay","channel":"tmall","order_id":"O","amount":"# + json + "}"
        let chunk = try decodeAll(line, format: .jsonl)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.amount == [fen])
    }

    @Test(arguments: [
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"tmall","ts":1}"#, "ts", "appears twice"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":7,"channel":"tmall"}"#, "kind", "must be a string, not a number"),
        (#"{"ts":1781784000,"keys":[1],"kind":"view","channel":"tmall"}"#, "keys", "array of"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":{"a":1}}"#, "channel", "not an object"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"tm\qall"}"#, "channel", "unknown escape"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"\ud83d"}"#, "channel", "surrogate"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"tmall""#, "record", "not closed"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"tmall"} x"#, "record", "text after"),
        (#"{"ts":01,"keys":["member:M1"],"kind":"view","channel":"tmall"}"#, "ts", "not a valid JSON number"),
        (#"{"ts":1781784000,"keys":["member:M1"],"kind":"view","channel":"tmall","amount":-1}"#, "amount", "negative"),
    ])
    func malformedLinesAreRejectedWithTheirField(line: String, field: String, fragment: String) throws {
        let chunk = try decodeAll(line, format: .jsonl)
        #expect(chunk.batch.count == 0)
        #expect(chunk.rejects.count == 1)
        #expect(chunk.rejects.first?.field == field)
        #expect(chunk.rejects.first?.reason.contains(fragment) == true, "\(chunk.rejects.first?.reason ?? "")")
    }

    @Test func jsonlEventsMatchTheSameEventsInCSV() throws {
        let csv = try decodeAll(canonicalHeader + "\n,2026-06-18T20:00:00+08:00,member:M1,pay,tmall,,,,SKU1,,O1,12.30,,3\n")
        let jsonl = try decodeAll(
            #"{"ts":"2026-06-18T20:00:00+08:00","keys":["member:M1"],"kind":"pay","channel":"tmall","sku":"SKU1","order_id":"O1","amount":12.30,"quantity":3}"#,
            format: .jsonl)
        // Same content, no event_id: the derived fingerprints agree across formats.
        #expect(csv.batch.record(at: 0) == jsonl.batch.record(at: 0))
    }
}
