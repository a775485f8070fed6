import Crypto
import KehuModel

/// Turns raw identity keys into the keys Kehu stores: normalised, and for phone numbers and
/// emails replaced by the lowercase hex SHA-256 of the workspace salt followed by the normalised
/// value, so they are never stored in clear (DESIGN section 2).
///
/// The salt is per workspace and secret: the same phone hashes equally within a workspace and
/// differently across workspaces.
public struct KeyHasher: Sendable {
    /// The workspace salt.
    public let salt: [UInt8]

    /// A hasher for the workspace with this salt (see ``newSalt()``).
    public init(salt: [UInt8]) {
        self.salt = salt
    }

    /// 32 random bytes for a new workspace.
    public static func newSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The stored key for raw `type:value` text.
    public func identityKey(raw text: some StringProtocol) throws(IdentityKeyError) -> IdentityKey {
        let parsed = try IdentityKey.parse(text)
        return try identityKey(type: parsed.type, value: parsed.value)
    }

    /// ``identityKey(type:value:)`` for a `String`: a value of a type that is only trimmed (not a
    /// phone or email) and has nothing to trim, the usual case, is taken as it is, without the
    /// generic normalisation (a tenth of the ingestion server's CPU went to it).
    public func identityKey(type: IdentityKeyType, value: String) throws(IdentityKeyError) -> IdentityKey {
        if !type.isHashedAtIngest, let first = value.utf8.first, let last = value.utf8.last,
            first != 0x20, first != 0x09, last != 0x20, last != 0x09, last != 0x0D
        {
            return IdentityKey(type: type, value: value)
        }
        return try identityKey(type: type, value: Substring(value))
    }

    /// The stored key for a type and raw value.
    public func identityKey(type: IdentityKeyType, value: some StringProtocol) throws(IdentityKeyError) -> IdentityKey {
        let normalized = try IdentityKey.normalize(type: type, value: value)
        guard type.isHashedAtIngest else { return IdentityKey(type: type, value: normalized) }
        return IdentityKey(type: type, value: digestHex(normalized))
    }

    /// The stored key of every code of a batch's key table: `result[code]` is the key of `code`,
    /// so `result[Int(batch.keyCodes(of: i)[j])]` is event i's j-th key. Slot 0 (the empty code,
    /// never an event's key) holds an empty `anon` key. Each distinct key is hashed once.
    /// - Throws: ``KeyTableError`` naming the first code whose text is not a valid key (decoders
    ///   only intern valid keys).
    /// - Complexity: O(total length of the table's strings).
    public func identityKeys(of table: StringTable) throws(KeyTableError) -> [IdentityKey] {
        var keys = [IdentityKey(type: .anon, value: "")]
        keys.reserveCapacity(table.codeCount)
        for code in 1..<max(1, table.codeCount) {
            let text = table.string(UInt32(code))!
            do {
                keys.append(try identityKey(raw: text))
            } catch {
                throw KeyTableError(code: UInt32(code), error: error)
            }
        }
        return keys
    }

    /// Lowercase hex SHA-256 of salt || value.
    func digestHex(_ value: String) -> String {
        var hasher = SHA256()
        hasher.update(data: salt)
        hasher.update(data: Array(value.utf8))
        let digest = hasher.finalize()
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// A key table holds text that is not a valid identity key.
public struct KeyTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The code in the table.
    public var code: UInt32
    /// Why its text is not a key.
    public var error: IdentityKeyError

    /// The error for a code.
    public init(code: UInt32, error: IdentityKeyError) {
        self.code = code
        self.error = error
    }

    /// The code and the reason, without the key's text.
    public var description: String { "key code \(code): \(RawKey.reason(error))" }
}
