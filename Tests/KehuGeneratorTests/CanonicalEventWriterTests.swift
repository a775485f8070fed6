import Foundation
import KehuModel
import Testing

@testable import KehuGenerator

/// The writer's exact output for hand-built batches.
@Suite struct CanonicalEventWriterTests {
    static func ts(_ text: String) -> Int64 { try! Timestamp.parse(text, zone: .utc) }

    /// Three events: a full pay; a content view whose key and content need quoting; a refund
    /// with a line break and a control character, and no list price or quantity.
    static func handBuiltBatch() -> EventBatch {
        var batch = EventBatch()
        batch.append(
            EventRecord(
                eventID: "x1", ts: ts("2026-06-18T12:00:00Z"), kind: .pay, keys: ["member:M1", "phone:13800000000"],
                channel: "tmall", touchpoint: "live", campaign: "618-2026", sku: "SKU0012", category: "skincare",
                orderID: "O1", amount: 12_850, listPrice: 19_900, quantity: 1),
            source: 2)
        batch.append(
            EventRecord(
                eventID: "x2", ts: ts("2025-12-31T16:00:00.005Z"), kind: .contentView, keys: ["openid:o,1"],
                channel: "wechat_mp", content: "say \"hi\", 你好"),
            source: 3)
        batch.append(
            EventRecord(
                eventID: "x3", ts: ts("2026-11-10T16:00:00Z"), kind: .refund, keys: ["buyer:jd_1", "device:d"],
                channel: "jd", content: "a\nb\u{1}", orderID: "O1", amount: 5),
            source: 4)
        return batch
    }

    @Test func csvGoldenText() throws {
        let writer = CanonicalEventWriter(format: .csv, zone: .shanghai, eventIDs: .generated(seed: 9))
        let expected = """
            event_id,ts,keys,kind,channel,touchpoint,campaign,content,sku,category,order_id,amount,list_price,quantity
            g9-1,2026-06-18T20:00:00.000+08:00,member:M1|phone:13800000000,pay,tmall,live,618-2026,,SKU0012,skincare,O1,128.50,199.00,1
            g9-2,2026-01-01T00:00:00.005+08:00,"openid:o,1",content_view,wechat_mp,,,"say ""hi"", 你好",,,,,,
            g9-3,2026-11-11T00:00:00.000+08:00,buyer:jd_1|device:d,refund,jd,,,"a
            b\u{1}",,,O1,0.05,,

            """
        #expect(try writer.text(Self.handBuiltBatch()) == expected)
    }

    @Test func jsonlGoldenText() throws {
        let writer = CanonicalEventWriter(format: .jsonl, zone: .shanghai, eventIDs: .generated(seed: 9))
        let expected = #"""
            {"event_id":"g9-1","ts":"2026-06-18T20:00:00.000+08:00","keys":["member:M1","phone:13800000000"],"kind":"pay","channel":"tmall","touchpoint":"live","campaign":"618-2026","sku":"SKU0012","category":"skincare","order_id":"O1","amount":"128.50","list_price":"199.00","quantity":1}
            {"event_id":"g9-2","ts":"2026-01-01T00:00:00.005+08:00","keys":["openid:o,1"],"kind":"content_view","channel":"wechat_mp","content":"say \"hi\", 你好"}
            {"event_id":"g9-3","ts":"2026-11-11T00:00:00.000+08:00","keys":["buyer:jd_1","device:d"],"kind":"refund","channel":"jd","content":"a\nb\u0001","order_id":"O1","amount":"0.05"}

            """#
        #expect(try writer.text(Self.handBuiltBatch()) == expected)
    }

    @Test func omittedIDsAndOtherZones() throws {
        var batch = EventBatch()
        batch.append(
            EventRecord(eventID: "x", ts: Self.ts("2026-01-15T03:04:05.678Z"), kind: .view, keys: ["anon:a"], channel: "jd"),
            source: 2)
        batch.append(
            EventRecord(eventID: "y", ts: Self.ts("2026-07-15T03:04:05Z"), kind: .view, keys: ["anon:a"], channel: "jd"),
            source: 3)
        let utc = CanonicalEventWriter(format: .csv, zone: .utc)
        #expect(String(decoding: try utc.encode(batch), as: UTF8.self) == """
            ,2026-01-15T03:04:05.678+00:00,anon:a,view,jd,,,,,,,,,
            ,2026-07-15T03:04:05.000+00:00,anon:a,view,jd,,,,,,,,,

            """)
        let newYork = CanonicalEventWriter(format: .jsonl, zone: try ZoneRules(identifier: "America/New_York"))
        #expect(String(decoding: try newYork.encode(batch), as: UTF8.self) == """
            {"ts":"2026-01-14T22:04:05.678-05:00","keys":["anon:a"],"kind":"view","channel":"jd"}
            {"ts":"2026-07-14T23:04:05.000-04:00","keys":["anon:a"],"kind":"view","channel":"jd"}

            """)
    }

    @Test func aKeyWithTheSeparatorIsRejected() {
        var batch = EventBatch()
        batch.append(EventRecord(eventID: "x", ts: 0, kind: .view, keys: ["anon:a|b"], channel: "jd"), source: 17)
        #expect(throws: GeneratorError.keyContainsSeparator(source: 17)) {
            try CanonicalEventWriter(format: .csv).encode(batch)
        }
        // JSONL has no separator to protect.
        #expect(throws: Never.self) { try CanonicalEventWriter(format: .jsonl).encode(batch) }
    }

    @Test func emptyBatchWritesNothing() throws {
        #expect(try CanonicalEventWriter().encode(EventBatch()).isEmpty)
        #expect(String(decoding: CanonicalEventWriter().header, as: UTF8.self) == CanonicalEventWriter.columns.joined(separator: ",") + "\n")
        #expect(CanonicalEventWriter(format: .jsonl).header.isEmpty)
    }

    /// The hand-written timestamp formatter agrees with KehuModel's Timestamp.format, including
    /// across daylight-saving changes and before 1991 in Shanghai (which had DST until then).
    @Test func timestampsAgreeWithTimestampFormat() throws {
        let zones = [ZoneRules.shanghai, .utc, try ZoneRules(identifier: "America/New_York"), try ZoneRules(identifier: "Asia/Kolkata")]
        var rng = Xoshiro256StarStar(seed: 5)
        for zone in zones {
            var formatter = TimestampFormatter(zone: zone)
            var buffer = [UInt8](repeating: 0, count: 32)
            for _ in 0..<3_000 {
                let ms = Int64(rng.below(4_102_444_800_000))
                let length = buffer.withUnsafeMutableBufferPointer { formatter.write(ms, to: $0.baseAddress!, at: 0) }
                #expect(length == 29)
                #expect(String(decoding: buffer[0..<length], as: UTF8.self) == Timestamp.format(ms, zone: zone))
            }
        }
    }

    @Test func yuanAgreeWithMoneyPlainYuan() {
        var buffer = [UInt8](repeating: 0, count: 32)
        for fen: Int64 in [0, 1, 9, 10, 99, 100, 101, 12_850, 19_900, 100_000_000_007, -5, -12_850, Int64.max] {
            let length = buffer.withUnsafeMutableBufferPointer { ByteFormatting.writeYuan(fen, to: $0.baseAddress!, at: 0) }
            #expect(String(decoding: buffer[0..<length], as: UTF8.self) == Money.plainYuan(fen: fen))
        }
    }
}
