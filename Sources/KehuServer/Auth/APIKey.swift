import Crypto
import KehuStore

/// An API key: `kh_<workspace>_<secret>`, where the secret is 32 lowercase hex digits (128 random
/// bits). The key names its workspace, and only that workspace's catalogue holds its digest, so a
/// key of workspace A can never open workspace B: changing the workspace part changes the digest.
public struct APIKey: Sendable, Hashable, CustomStringConvertible {
    public let workspace: String
    let secret: String

    /// Characters of the secret kept in the listed prefix (32 bits: enough to tell keys apart).
    static let prefixSecretLength = 8

    /// A new random key for a workspace.
    public static func generate(workspace: String) -> APIKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return APIKey(workspace: workspace, secret: hex(bytes))
    }

    init(workspace: String, secret: String) {
        self.workspace = workspace
        self.secret = secret
    }

    /// Reads a key; nil when it is not of the form `kh_<workspace>_<32 hex digits>`.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard text.hasPrefix("kh_"), utf8.count > 3 + 1 + 1 + 32, let split = text.lastIndex(of: "_") else { return nil }
        let workspace = String(text[text.index(text.startIndex, offsetBy: 3)..<split])
        let secret = String(text[text.index(after: split)...])
        guard Workspace.isValidName(workspace), secret.utf8.count == 32,
            secret.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        self.init(workspace: workspace, secret: secret)
    }

    /// The whole key, as given to the user once.
    public var text: String { "kh_\(workspace)_\(secret)" }

    /// What lists show: the workspace and the first 8 characters of the secret.
    public var prefix: String { "kh_\(workspace)_\(secret.prefix(Self.prefixSecretLength))" }

    /// The SHA-256 digest of the whole key as hex: what the catalogue stores.
    public var digest: String { Self.hex(Array(SHA256.hash(data: Array(text.utf8)))) }

    /// Never the secret: keys must not reach logs through string interpolation.
    public var description: String { prefix + "…" }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension APIKey {
    /// Creates and registers a key; the returned key is the only time its secret is known.
    public static func create(role: APIKeyRole, in workspace: Workspace) throws(StoreError) -> APIKey {
        let key = generate(workspace: workspace.name)
        try APIKeyStore.add(prefix: key.prefix, digest: key.digest, role: role, in: workspace)
        return key
    }
}
