/// A JSON document read into one flat array of nodes: the server's one JSON reader. Ingestion
/// reads requests straight from it (no tree of dictionaries, no `String` made for a member name
/// or for a value nobody reads); ``JSONValue/parse(_:)`` builds its tree from it.
///
/// RFC 8259: nesting up to 64 levels, strings valid UTF-8 with no control characters, no leading
/// zeros, nothing after the value. A document that is not JSON is a ``JSONParseError`` naming the
/// byte where it goes wrong.
///
/// Nodes are in document order. An object's node is followed by its members, each a string node
/// (the name) followed by the value's nodes; an array's by its elements. Every node knows where
/// its value ends (`next`), so a lookup skips whole values. Like `JSONValue`, a repeated member
/// name means its last value.
struct JSONTape {
    enum Kind: UInt8 {
        case object, array, string, number, `true`, `false`, null
    }

    struct Node {
        var kind: Kind
        /// A string with escapes: `start` is its place in `decoded`, not a byte offset.
        var escaped = false
        /// Strings: the bytes between the quotes; numbers: the number's text.
        var start: Int32 = 0
        var end: Int32 = 0
        /// The index of the first node after this value (after all of an object's members).
        var next: Int32 = 0
    }

    /// A node's place in `nodes`.
    typealias Index = Int

    let bytes: [UInt8]
    private(set) var nodes: [Node] = []
    /// The strings that had escapes, decoded.
    private(set) var decoded: [String] = []

    static let maxDepth = 64

    /// Reads one JSON document.
    /// - Throws: ``JSONParseError`` with the byte offset and what was expected there.
    /// - Complexity: O(n) in the length of the text.
    init(parsing bytes: [UInt8]) throws(JSONParseError) {
        self.bytes = bytes
        nodes.reserveCapacity(bytes.count / 8)
        // Read through a buffer pointer: every index is checked against the count by hand, and
        // strings are validated from contiguous memory (the fast path of String(validating:)).
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var reader = Reader(bytes: buffer)
            reader.skipWhitespace()
            try reader.value(depth: 0, into: &self)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw reader.error("unexpected content after the JSON value") }
        }
    }

    /// The root value.
    var root: Index { 0 }

    func kind(_ node: Index) -> Kind { nodes[node].kind }

    /// The JSON type's name, for error messages (as `JSONValue.typeName`).
    func typeName(_ node: Index) -> String {
        switch nodes[node].kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }

    /// The value of an object's member `name`; nil when `object` is not an object or has no such member.
    func member(_ object: Index, _ name: StaticString) -> Index? {
        guard nodes[object].kind == .object else { return nil }
        let end = Int(nodes[object].next)
        var key = object + 1
        var found: Index?
        while key < end {
            let value = key + 1
            if isKey(key, name) { found = value }
            key = Int(nodes[value].next)
        }
        return found
    }

    /// Calls `body` with each member's name node and value node, in document order.
    func forEachMember(_ object: Index, _ body: (_ key: Index, _ value: Index) throws -> Void) rethrows {
        guard nodes[object].kind == .object else { return }
        let end = Int(nodes[object].next)
        var key = object + 1
        while key < end {
            let value = key + 1
            try body(key, value)
            key = Int(nodes[value].next)
        }
    }

    /// An array's elements.
    func elements(_ array: Index) -> [Index] {
        guard nodes[array].kind == .array else { return [] }
        let end = Int(nodes[array].next)
        var result: [Index] = []
        var element = array + 1
        while element < end {
            result.append(element)
            element = Int(nodes[element].next)
        }
        return result
    }

    /// Whether the string node `key` is `name`.
    func isKey(_ key: Index, _ name: StaticString) -> Bool {
        let node = nodes[key]
        if node.escaped { return decoded[Int(node.start)] == name.description }
        let count = Int(node.end - node.start)
        guard count == name.utf8CodeUnitCount else { return false }
        let start = Int(node.start)
        let text = name.utf8Start
        for i in 0..<count where bytes[start + i] != text[i] { return false }
        return true
    }

    /// A string's text, or a number's text as written; nil for other values (as `JSONValue.text`).
    func text(_ node: Index) -> String? {
        let n = nodes[node]
        switch n.kind {
        case .string:
            if n.escaped { return decoded[Int(n.start)] }
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(n.start)..<Int(n.end)]), as: UTF8.self) }
        case .number:
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[Int(n.start)..<Int(n.end)]), as: UTF8.self) }
        default:
            return nil
        }
    }

    /// The raw bytes of a string without escapes or of a number, without making a `String`;
    /// nil for other values and for strings with escapes.
    func withRawText<R>(_ node: Index, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        let n = nodes[node]
        guard (n.kind == .string && !n.escaped) || n.kind == .number else { return nil }
        return try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Int(n.start)..<Int(n.end)])) }
    }

    /// The value as a `JSONValue` (for the rare paths that want the whole value).
    func value(_ node: Index) -> JSONValue {
        let n = nodes[node]
        switch n.kind {
        case .object:
            var members: [String: JSONValue] = [:]
            forEachMember(node) { key, value in members[text(key)!] = self.value(value) }
            return .object(members)
        case .array: return .array(elements(node).map { value($0) })
        case .string: return .string(text(node)!)
        case .number: return .number(text(node)!)
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }

    fileprivate mutating func append(_ node: Node) -> Index {
        nodes.append(node)
        return nodes.count - 1
    }

    fileprivate mutating func close(_ node: Index) {
        nodes[node].next = Int32(nodes.count)
    }

    fileprivate mutating func appendDecoded(_ text: String) {
        decoded.append(text)
        let index = Int32(decoded.count - 1)
        nodes.append(Node(kind: .string, escaped: true, start: index, end: index, next: Int32(nodes.count + 1)))
    }
}

/// The reader behind `JSONTape`, writing nodes as it goes.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    static let maxDepth = JSONTape.maxDepth

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d || bytes[index] == 0x09 {
            index += 1
        }
    }

    mutating func value(depth: Int, into tape: inout JSONTape) throws(JSONParseError) {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of the body") }
        switch bytes[index] {
        case UInt8(ascii: "{"): try container(.object, depth: depth, into: &tape)
        case UInt8(ascii: "["): try container(.array, depth: depth, into: &tape)
        case UInt8(ascii: "\""): try string(into: &tape)
        case UInt8(ascii: "t"): try literal("true", .true, into: &tape)
        case UInt8(ascii: "f"): try literal("false", .false, into: &tape)
        case UInt8(ascii: "n"): try literal("null", .null, into: &tape)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number(into: &tape)
        default: throw error("expected a value")
        }
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind, into tape: inout JSONTape) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("expected \(word)") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw error("expected \(word)") }
        index += count
        tape.close(tape.append(.init(kind: kind)))
    }

    /// An object or an array (the reader is at its opening bracket): values up to the closing
    /// one, each after its name and a colon in an object.
    mutating func container(
        _ kind: JSONTape.Kind, depth: Int, into tape: inout JSONTape
    ) throws(JSONParseError) {
        let isObject = kind == .object
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        let what = isObject ? "an object" : "an array"
        index += 1
        let node = tape.append(.init(kind: kind))
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            tape.close(node)
            return
        }
        while true {
            skipWhitespace()
            if isObject {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                try string(into: &tape)
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                index += 1
                skipWhitespace()
            }
            try value(depth: depth + 1, into: &tape)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of the body inside \(what)") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == close {
                index += 1
                tape.close(node)
                return
            }
            throw error("expected ',' or '\(isObject ? "}" : "]")' in \(what)")
        }
    }

    mutating func number(into tape: inout JSONTape) throws(JSONParseError) {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ r: inout Reader) -> Int {
            let s = r.index
            while r.index < r.bytes.count, (48...57).contains(r.bytes[r.index]) { r.index += 1 }
            return r.index - s
        }
        let integer = digits(&self)
        guard integer > 0 else { throw error("expected digits in a number") }
        if integer > 1, bytes[index - integer] == UInt8(ascii: "0") { throw error("a number has a leading zero") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("expected digits after the decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("expected digits in an exponent") }
        }
        tape.close(tape.append(.init(kind: .number, start: Int32(start), end: Int32(index))))
    }

    mutating func string(into tape: inout JSONTape) throws(JSONParseError) {
        index += 1
        let start = index
        // Fast path: no escapes.
        var bits: UInt8 = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw error("a control character inside a string") }
            bits |= bytes[index]
            index += 1
        }
        guard index < bytes.count else { throw error("a string is not closed") }
        if bytes[index] == UInt8(ascii: "\"") {
            // ASCII (most ids and names) is valid UTF-8: no validation pass; other text is
            // checked once, here (an error points at the closing quote).
            if bits >= 0x80, String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) == nil {
                throw error("a string is not valid UTF-8")
            }
            tape.close(tape.append(.init(kind: .string, start: Int32(start), end: Int32(index))))
            index += 1
            return
        }
        // Escapes (rare in ingestion): decoded once, here.
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw error("a string is not closed") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else { throw error("a string is not valid UTF-8") }
                tape.appendDecoded(text)
                return
            }
            guard byte >= 0x20 else { throw error("a control character inside a string") }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw error("a string is not closed") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5c)
            case UInt8(ascii: "/"): out.append(0x2f)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("a lone UTF-16 surrogate in a string")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("a lone UTF-16 surrogate in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("a lone UTF-16 surrogate in a string")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default: throw error("an invalid escape in a string")
            }
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("an incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case 48...57: digit = UInt32(b - 48)
            case 97...102: digit = UInt32(b - 87)
            case 65...70: digit = UInt32(b - 55)
            default: throw error("an invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
