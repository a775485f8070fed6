/// A parsed JSON value that keeps numbers as their text, so money is read exactly
/// (`19.99` stays `19.99`, never a `Double`).
public indirect enum JSONValue: Sendable, Hashable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// The number exactly as written, e.g. `-12.50` or `1e3`.
    case number(String)
    case bool(Bool)
    case null

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// A string, or a number's text (ids such as `userId: 1001` are often sent as numbers).
    var text: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        default: nil
        }
    }

    /// The JSON type's name, for error messages.
    var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// Parses one JSON document (RFC 8259), rejecting trailing content: the document read into
    /// a ``JSONTape`` (the one JSON reader of the server), then built into a tree.
    /// - Complexity: O(n) in the length of the text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let tape = try JSONTape(parsing: Array(bytes))
        return tape.value(tape.root)
    }
}

/// Why a body is not JSON: the byte offset and what was expected there.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "the body is not valid JSON at byte \(offset): \(reason)" }
}
