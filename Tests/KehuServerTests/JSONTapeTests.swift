import Foundation
import KehuTesting
import Testing
@testable import KehuServer

@Suite("JSONTape: the ingestion body reader agrees with JSONValue")
struct JSONTapeTests {
    /// A Segment batch with every kind of value: escapes, non-ASCII text, surrogate pairs,
    /// numbers in every form, literals, empty containers and a repeated member.
    static let sample = #"""
        {"batch": [
          {"type": "track", "event": "Order Completed", "messageId": "m-1", "userId": 1001,
           "timestamp": "2026-06-18T20:00:00+08:00",
           "properties": {"order_id": "O-1", "total": 19.990, "price": -0.5e+2, "quantity": 2, "sku": "SKU\u002d1",
                          "category": "护肤 \ud83d\ude00", "note": "tab\there \"q\" \\ \/", "flags": [true, false, null, []], "x": {}},
           "context": {"traits": {"phone": "13800000000"}, "campaign": {"name": "双11", "medium": "live"}}},
          {"type": "page", "anonymousId": "a-1", "name": "home", "context": null, "a": 1, "a": 2}
        ], "context": {"channel": "tmall"}, "sentAt": "2026-06-30T12:00:00.000Z"}
        """#

    @Test("a valid body reads to the same value as JSONValue.parse")
    func sameValue() throws {
        let bytes = Array(Self.sample.utf8)
        let tape = try #require(JSONTape(bytes))
        #expect(tape.value(tape.root) == (try JSONValue.parse(bytes)))
    }

    @Test("members: lookup by name, the last of a repeated name, escaped names, raw text")
    func members() throws {
        let tape = try #require(JSONTape(Array(#"{"a": 1, "b": "x", "a": "2", "k\u0065y": "v\"w", "n": null, "o": {"a": 3}}"#.utf8)))
        let root = tape.root
        // "a" twice: the last value, as a dictionary would keep it.
        #expect(tape.member(root, "a").flatMap { tape.text($0) } == "2")
        #expect(tape.member(root, "b").flatMap { tape.text($0) } == "x")
        // A name written with an escape is the same name.
        let value = try #require(tape.member(root, "key"))
        #expect(tape.text(value) == "v\"w")
        // A string with escapes has no raw bytes; one without has them.
        #expect(tape.withRawText(value) { _ in true } == nil)
        #expect(tape.withRawText(try #require(tape.member(root, "b"))) { Array($0) } == [UInt8(ascii: "x")])
        #expect(tape.kind(try #require(tape.member(root, "n"))) == .null)
        #expect(tape.member(root, "missing") == nil)
        // A lookup does not look inside nested values, and a non-object has no members.
        let nested = try #require(tape.member(root, "o"))
        #expect(tape.member(nested, "a").flatMap { tape.text($0) } == "3")
        #expect(tape.member(try #require(tape.member(root, "b")), "a") == nil)
    }

    @Test("accepts and rejects exactly what JSONValue does, on 20,000 mutated bodies")
    func agreesOnMutations() {
        // Every mutation of the sample: bytes replaced, dropped, duplicated, the body cut short,
        // and bytes that matter to the grammar (quotes, escapes, brackets, digits, control and
        // non-ASCII bytes) put in random places. Most results are invalid; some stay valid.
        let base = Array(Self.sample.utf8)
        let interesting: [UInt8] = Array(#"{}[]:,"\\/u0123456789abcdefABCDEF.eE+-tfn "#.utf8) + [0x00, 0x1F, 0x80, 0xBF, 0xC3, 0xE5, 0xED, 0xF0, 0xFF, 0x0A]
        var random = SplitMix(seed: 20261124)
        var accepted = 0
        var disagreements: [String] = []
        for round in 0..<20_000 {
            var bytes = base
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 5 {
                case 0: bytes[at] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: at)
                case 3: bytes.insert(bytes[at], at: at)
                default: bytes.removeSubrange(at...)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            let tree = try? JSONValue.parse(bytes)
            let tape = JSONTape(bytes)
            if (tree == nil) != (tape == nil) || (tape.map { $0.value($0.root) } != tree) {
                disagreements.append("round \(round): tree \(tree == nil ? "rejects" : "accepts"), tape \(tape == nil ? "rejects" : "accepts")")
            }
            if tree != nil { accepted += 1 }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(5))")
        // Both kinds of outcome were exercised.
        #expect(accepted > 500)
        #expect(accepted < 19_500)
    }

    @Test("nesting: refused past the same depth as JSONValue")
    func depth() {
        // The root is at depth 0 and a value at depth 64 is refused: 64 nested arrays are read
        // (the innermost is empty), 65 are not.
        for levels in 62...67 {
            let bytes = Array((String(repeating: "[", count: levels) + String(repeating: "]", count: levels)).utf8)
            let tree = try? JSONValue.parse(bytes)
            #expect((JSONTape(bytes) == nil) == (tree == nil), "\(levels) levels")
            #expect((tree == nil) == (levels > 64), "\(levels) levels")
        }
    }
}
