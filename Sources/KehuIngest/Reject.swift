/// A record that could not be decoded, and why. Nothing is dropped silently: every bad record
/// becomes exactly one reject.
///
/// The reason says what is wrong, never the value: phone numbers, emails and other keys are
/// personal data and must not reach a report or a log line. Only names that cannot be personal
/// (an unknown event kind or field name made of letters) are quoted, shortened.
public struct Reject: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file path, or the request id for streaming ingest.
    public var source: String
    /// The 1-based line in the file where the record starts (its index for a request).
    public var line: Int64
    /// The field at fault (`ts`, `keys`, `amount` ...), or `record` for the record as a whole.
    public var field: String
    /// What is wrong and what is expected.
    public var reason: String

    /// A reject from its parts; `reason` must not contain personal values.
    public init(source: String, line: Int64, field: String, reason: String) {
        self.source = source
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `orders.csv:17: amount: the amount has more than 2 decimals ...`.
    public var description: String { "\(source):\(line): \(field): \(reason)" }
}

/// Deciding which source text may appear in a reject reason or an error message.
enum Redaction {
    /// `'text'` when `text` is a short name that cannot be personal data (ASCII letters, `_`, `-`,
    /// `.` and at most two digits, up to 32 bytes), otherwise `nil`.
    static func quotedName(_ bytes: some Collection<UInt8>) -> String? {
        guard !bytes.isEmpty, bytes.count <= 32 else { return nil }
        var digits = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: " "):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if digits > 2 { return nil }
            default:
                return nil
            }
        }
        return "'" + String(decoding: bytes, as: UTF8.self) + "'"
    }

    static func quotedName(_ text: String) -> String? { quotedName(Array(text.utf8)) }
}
