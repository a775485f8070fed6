import Foundation
import KehuTesting
import Testing
@testable import KehuServer

@Suite("JSONTape: the server's JSON reader")
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

    @Test("a Segment body: every kind of value read as written")
    func sample() throws {
        let tape = try JSONTape(parsing: Array(Self.sample.utf8))
        let batch = try #require(tape.member(tape.root, "batch"))
        let messages = tape.elements(batch)
        #expect(messages.count == 2)
        let properties = try #require(tape.member(messages[0], "properties"))
        func text(_ object: JSONTape.Index, _ name: StaticString) -> String? { tape.member(object, name).flatMap { tape.text($0) } }
        // Numbers keep their text (money is read exactly later); a number id reads as its text.
        #expect(text(properties, "total") == "19.990")
        #expect(text(properties, "price") == "-0.5e+2")
        #expect(text(messages[0], "userId") == "1001")
        #expect(tape.kind(try #require(tape.member(messages[0], "userId"))) == .number)
        // Escapes decoded: \u002d is '-', a surrogate pair is one scalar, \/ is '/'.
        #expect(text(properties, "sku") == "SKU-1")
        #expect(text(properties, "category") == "护肤 😀")
        #expect(text(properties, "note") == "tab\there \"q\" \\ /")
        // Literals, empty containers, null, and a repeated name (its last value).
        let flags = tape.elements(try #require(tape.member(properties, "flags")))
        #expect(flags.map { tape.kind($0) } == [.true, .false, .null, .array])
        #expect(tape.elements(flags[3]).isEmpty)
        #expect(tape.kind(try #require(tape.member(properties, "x"))) == .object)
        #expect(tape.kind(try #require(tape.member(messages[1], "context"))) == .null)
        #expect(text(messages[1], "a") == "2")
        // Lookups do not reach into nested values: the batch-level context is the root's.
        #expect(tape.member(tape.member(tape.root, "context")!, "channel").flatMap { tape.text($0) } == "tmall")
        #expect(tape.member(messages[0], "channel") == nil)
    }

    @Test("members: lookup by name, the last of a repeated name, escaped names, raw text")
    func members() throws {
        let tape = try JSONTape(parsing: Array(#"{"a": 1, "b": "x", "a": "2", "k\u0065y": "v\"w", "n": null, "o": {"a": 3}}"#.utf8))
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

    @Test("20,000 mutated bodies: an error at a byte of the body, or a value that survives a round trip")
    func mutations() {
        // Every mutation of the sample: bytes replaced, dropped, duplicated, the body cut short,
        // and bytes that matter to the grammar (quotes, escapes, brackets, digits, control and
        // non-ASCII bytes) put in random places. A refused body names a byte inside it (or its
        // end); an accepted one, written back out and read again, is the same value.
        let base = Array(Self.sample.utf8)
        let interesting: [UInt8] = Array(#"{}[]:,"\\/u0123456789abcdefABCDEF.eE+-tfn "#.utf8) + [0x00, 0x1F, 0x80, 0xBF, 0xC3, 0xE5, 0xED, 0xF0, 0xFF, 0x0A]
        var random = SplitMix(seed: 20261124)
        var accepted = 0
        var failures: [String] = []
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
            do {
                let value = try JSONValue.parse(bytes)
                accepted += 1
                if (try? JSONValue.parse(value.serialized())) != value { failures.append("round \(round): no round trip") }
            } catch {
                if !(0...bytes.count).contains(error.offset) { failures.append("round \(round): offset \(error.offset) of \(bytes.count)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // Both kinds of outcome were exercised.
        #expect(accepted > 500)
        #expect(accepted < 19_500)
    }

    @Test("nesting: 64 levels are read, 65 refused at the 65th bracket")
    func depth() throws {
        // The root is at depth 0 and a value at depth 64 is refused: 64 nested arrays are read
        // (the innermost is empty), 65 are not, at byte 64 (the 65th '[').
        func nested(_ levels: Int) -> [UInt8] { Array((String(repeating: "[", count: levels) + String(repeating: "]", count: levels)).utf8) }
        _ = try JSONTape(parsing: nested(64))
        #expect(throws: JSONParseError(offset: 64, reason: "nested deeper than 64 levels")) { try JSONTape(parsing: nested(65)) }
    }
}
