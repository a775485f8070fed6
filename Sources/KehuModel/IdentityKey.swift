/// The kinds of identity key Kehu links into one consumer (OneID, 三通一平).
///
/// Raw values are stored on disk: append only.
public enum IdentityKeyType: UInt8, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    /// Brand membership number (会员号).
    case member = 0
    /// Mobile phone number; hashed at ingest, never stored in clear.
    case phone = 1
    /// Email address; hashed at ingest, never stored in clear.
    case email = 2
    /// WeChat unionid (across the brand's WeChat apps).
    case unionid = 3
    /// WeChat openid (one app).
    case openid = 4
    /// Platform buyer id, e.g. Taobao/Tmall ouid, JD pin.
    case buyer = 5
    /// Device id (IDFA/OAID/cookie); often shared, so guarded in linking.
    case device = 6
    /// Anonymous id from a web or app SDK.
    case anon = 7

    public var name: String {
        switch self {
        case .member: "member"
        case .phone: "phone"
        case .email: "email"
        case .unionid: "unionid"
        case .openid: "openid"
        case .buyer: "buyer"
        case .device: "device"
        case .anon: "anon"
        }
    }

    public var description: String { name }

    /// Personal data that is stored only as a salted SHA-256 digest.
    public var isHashedAtIngest: Bool { self == .phone || self == .email }

    /// Which key an event is filed under when it carries several: the most personal and stable
    /// one first (lower is stronger).
    public var anchorRank: Int {
        switch self {
        case .member: 0
        case .phone: 1
        case .unionid: 2
        case .buyer: 3
        case .email: 4
        case .openid: 5
        case .anon: 6
        case .device: 7
        }
    }

    /// The type called `name`, ignoring ASCII case (`member`, `Phone`, `UNIONID`).
    public init?(name: some StringProtocol) {
        self.init(nameUTF8: name.utf8)
    }

    /// ``init(name:)`` without the generic call: byte comparisons, no allocation (keys are
    /// parsed once per event at ingest, and twice per event on the server's path).
    public init?(name: Substring) {
        self.init(nameUTF8: name.utf8)
    }

    public init?(name: String) {
        self.init(nameUTF8: name.utf8)
    }

    @inline(__always)
    init?(nameUTF8 name: some Collection<UInt8>) {
        for type in IdentityKeyType.allCases {
            let expected = type.name.utf8
            guard name.count == expected.count else { continue }
            // ASCII letters only in the names: OR-ing 0x20 lower-cases a letter.
            if zip(name, expected).allSatisfy({ ($0 | 0x20) == $1 }) {
                self = type
                return
            }
        }
        return nil
    }

    public static var allNames: String { allCases.map(\.name).joined(separator: ", ") }
}

/// One identity key, `type:value`. For phone and email, `value` is the hex digest once ingested.
public struct IdentityKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var type: IdentityKeyType
    public var value: String

    public init(type: IdentityKeyType, value: String) {
        self.type = type
        self.value = value
    }

    /// `member:1001`.
    public var description: String { "\(type.name):\(value)" }

    public static func < (lhs: IdentityKey, rhs: IdentityKey) -> Bool {
        (lhs.type.rawValue, lhs.value) < (rhs.type.rawValue, rhs.value)
    }

    /// Parses `type:value` (the value may itself contain colons).
    public static func parse(_ text: some StringProtocol) throws(IdentityKeyError) -> IdentityKey {
        try parse(String(text))
    }

    /// ``parse(_:)`` for a `String`, on its UTF-8 view (no generic calls, one allocation at most:
    /// the value, when it is too long to be stored inline).
    public static func parse(_ text: String) throws(IdentityKeyError) -> IdentityKey {
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else { throw .missingType }
        let typeName = text[..<colon]
        let value = text[text.index(after: colon)...]
        guard let type = IdentityKeyType(name: typeName) else { throw .unknownType(String(typeName)) }
        guard !value.isEmpty else { throw .emptyValue(type) }
        guard value.utf8.count <= 256 else { throw .tooLong(type) }
        return IdentityKey(type: type, value: String(value))
    }

    /// Checks a canonical `type:value` text as ``parse(_:)`` does, without making the value
    /// string; returns the type and where the value starts.
    public static func check(_ text: String) throws(IdentityKeyError) -> (type: IdentityKeyType, value: Substring) {
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else { throw .missingType }
        guard let type = IdentityKeyType(name: text[..<colon]) else { throw .unknownType(String(text[..<colon])) }
        let value = text[text.index(after: colon)...]
        guard !value.isEmpty else { throw .emptyValue(type) }
        guard value.utf8.count <= 256 else { throw .tooLong(type) }
        return (type, value)
    }

    /// The normal form of a raw value before hashing: phones lose spaces, dashes, brackets and
    /// a +86 / 0086 / 86 country prefix on 11-digit mainland numbers; emails are trimmed and
    /// lower-cased. Other types are trimmed only.
    public static func normalize(type: IdentityKeyType, value: some StringProtocol) throws(IdentityKeyError) -> String {
        let trimmed = value.trimmingASCIIWhitespace()
        switch type {
        case .phone:
            var digits = ""
            for (offset, ch) in trimmed.enumerated() {
                if ch.isASCII, ch.isNumber { digits.append(ch); continue }
                if ch == "+" && offset == 0 { continue }
                if ch == " " || ch == "-" || ch == "(" || ch == ")" { continue }
                throw .badPhone
            }
            if digits.hasPrefix("0086"), digits.count == 15 { digits.removeFirst(4) }
            else if digits.hasPrefix("86"), digits.count == 13 { digits.removeFirst(2) }
            guard digits.count >= 5, digits.count <= 15 else { throw .badPhone }
            return digits
        case .email:
            let lower = trimmed.lowercased()
            let parts = lower.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") else { throw .badEmail }
            return lower
        default:
            guard !trimmed.isEmpty else { throw .emptyValue(type) }
            return String(trimmed)
        }
    }
}

/// Why an identity key could not be read. Messages never repeat the value (it may be personal).
public enum IdentityKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingType
    case unknownType(String)
    case emptyValue(IdentityKeyType)
    case tooLong(IdentityKeyType)
    case badPhone
    case badEmail
    case noKeys

    public var description: String {
        switch self {
        case .missingType: "an identity key must be type:value (e.g. member:1001)"
        case .unknownType(let name):
            // The name is quoted only when it reads as a name: a malformed record may put a
            // phone number or an email where the type belongs.
            name.count <= 20 && name.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "_" || $0 == "-") })
                ? "unknown identity key type '\(name)' (expected one of \(IdentityKeyType.allNames))"
                : "unknown identity key type (expected one of \(IdentityKeyType.allNames))"
        case .emptyValue(let type): "the \(type.name) key has an empty value"
        case .tooLong(let type): "the \(type.name) key is longer than 256 bytes"
        case .badPhone: "the phone number is not 5-15 digits (spaces, dashes and a +86 prefix are allowed)"
        case .badEmail: "the email address is not of the form name@domain.tld"
        case .noKeys: "the event has no identity key"
        }
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return s
    }
}
