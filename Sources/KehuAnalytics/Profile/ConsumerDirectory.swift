import KehuModel
import KehuStore

/// Finds consumers by identity key for the `consumer` parameter of `profile`. Keys live in the
/// workspace's identity catalogue, not in the snapshot, and phones and emails must be hashed with
/// the workspace salt first, so whoever opened the workspace supplies the directory
/// (`kehu profile` does; without one, only `#id` works).
public protocol ConsumerDirectory: Sendable {
    /// The consumer holding the key `type:value` as typed (phones and emails are hashed exactly as
    /// at ingest before the lookup), or nil when no consumer holds it.
    /// - Throws: ``AnalysisError/invalidParameter(parameter:value:reason:)`` for text that is not a key.
    func identity(forKey text: String) throws(AnalysisError) -> ConsumerIdentity?
    /// The keys of the consumer with this catalogue id, or nil when it has none.
    func identity(ofConsumer id: UInt32) throws(AnalysisError) -> ConsumerIdentity?
}

extension IdentityKey {
    /// The key as shown in reports: phones and emails as the start of their salted hash, never clear.
    public var shownInReports: String {
        type.isHashedAtIngest ? "\(type.name):\(value.prefix(12))… (salted SHA-256)" : description
    }
}

/// The `consumer` parameter: `#123` (catalogue consumer id) or an identity key `type:value`.
enum ConsumerReference {
    case id(UInt32)
    case key(String)

    static func parse(_ text: String) throws(AnalysisError) -> ConsumerReference {
        if text.hasPrefix("#") {
            guard let id = UInt32(text.dropFirst()) else {
                throw .invalidParameter(parameter: "consumer", value: text, reason: "expected a consumer id such as #123")
            }
            return .id(id)
        }
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            throw .invalidParameter(
                parameter: "consumer", value: Self.masked(text),
                reason: "expected an identity key type:value (e.g. member:1001, phone:13800000000) or a consumer id such as #123")
        }
        return .key(text)
    }

    /// The text safe to show: the value of a phone or email key replaced.
    static func masked(_ text: String) -> String {
        guard let colon = text.firstIndex(of: ":") else { return text.count > 6 ? String(text.prefix(3)) + "…" : text }
        let type = text[..<colon].lowercased()
        if let keyType = IdentityKeyType(name: type), keyType.isHashedAtIngest { return "\(type):(hashed)" }
        return text
    }
}
