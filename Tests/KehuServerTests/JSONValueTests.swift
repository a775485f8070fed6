import Foundation
import Testing
@testable import KehuServer

@Suite("JSONValue: the request body parser")
struct JSONValueTests {
    private func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue { try JSONValue.parse(bytes) }
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test("strings: ASCII, UTF-8, escapes and surrogate pairs read exactly")
    func strings() throws {
        #expect(try parse(#"{"a": "member-1001", "b": "双11 客户", "c": "tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00"}"#)
            == .object(["a": .string("member-1001"), "b": .string("双11 客户"), "c": .string("tab\there \"q\" \\ / é 😀")]))
        #expect(try parse(#"["", "x"]"#) == .array([.string(""), .string("x")]))
        // Numbers keep their text: money is read exactly later.
        #expect(try parse(#"[19.99, -0.5, 1e3, 0]"#) == .array([.number("19.99"), .number("-0.5"), .number("1e3"), .number("0")]))
        #expect(try parse(#"{"t": true, "f": false, "n": null}"#) == .object(["t": .bool(true), "f": .bool(false), "n": .null]))
        // A repeated member: the last one counts.
        #expect(try parse(#"{"a": 1, "a": 2}"#) == .object(["a": .number("2")]))
    }

    @Test("bad bodies are errors at the byte where they go wrong")
    func errors() {
        func offset(_ bytes: [UInt8]) -> (Int, String)? {
            do {
                _ = try parse(bytes)
                return nil
            } catch {
                return (error.offset, error.reason)
            }
        }
        // Invalid UTF-8 inside a string (a lone continuation byte, a truncated sequence) is
        // refused, never repaired: the string starts at byte 1.
        #expect(offset(Array(#"["ab"#.utf8) + [0x80] + Array(#"c"]"#.utf8))?.1 == "a string is not valid UTF-8")
        #expect(offset(Array(#"["客"#.utf8) + [0xE5, 0xAE] + Array(#""]"#.utf8))?.1 == "a string is not valid UTF-8")
        #expect(offset(Array(#"["a\n"#.utf8) + [0xFF] + Array(#""]"#.utf8))?.1 == "a string is not valid UTF-8")
        #expect(offset(Array("[\"a\u{01}\"]".utf8))?.1 == "a control character inside a string")
        #expect(offset(Array(#"{"a": 1,}"#.utf8))?.0 == 8)
        #expect(offset(Array(#"{"a": 01}"#.utf8))?.1 == "a number has a leading zero")
        #expect(offset(Array(#"["\ud83d"]"#.utf8))?.1 == "a lone UTF-16 surrogate in a string")
        #expect(offset(Array(#"[1] x"#.utf8))?.0 == 4)
        #expect(offset(Array(#"{"a": "b"#.utf8))?.1 == "a string is not closed")
    }

    @Test("the ingestion receipt is written as JSONEncoder.sorted writes it")
    func receipt() throws {
        let receipts = [
            IngestionReceipt(stored: 100, linked: 3, ignored: nil),
            IngestionReceipt(stored: 0, linked: 0, ignored: [
                .init(index: 4, reason: "event 'Coupon \"Applied\" / 优惠' has no kind; map it in segment-mapping.json"),
                .init(index: 7, reason: "group messages carry no behaviour and are not stored"),
            ]),
        ]
        for receipt in receipts {
            #expect(receipt.json.serialized() == [UInt8](try JSONEncoder.sorted.encode(receipt)))
        }
    }
}
