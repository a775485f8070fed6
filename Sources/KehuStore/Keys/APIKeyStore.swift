import Foundation
import GRDB

/// What an API key may do in its workspace.
public enum APIKeyRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Query endpoints and the dashboard.
    case read
    /// Ingestion, and everything a read key may do.
    case write

    public static func < (lhs: APIKeyRole, rhs: APIKeyRole) -> Bool { lhs == .read && rhs == .write }

    /// Whether a key of this role may do what `needed` allows.
    public func allows(_ needed: APIKeyRole) -> Bool { needed <= self }
}

/// A key as listed: never the key itself, which is shown once when it is created.
public struct APIKeyInfo: Sendable, Hashable, Codable {
    /// The workspace and the first characters of the secret, e.g. `kh_brand_3f9a1c2e`.
    public var prefix: String
    public var role: APIKeyRole
    /// UTC milliseconds.
    public var createdAt: Int64
    /// UTC milliseconds; nil while the key is valid.
    public var revokedAt: Int64?
}

/// The workspace's API keys, stored as digests (the caller hashes; the store never sees a key).
///
/// A key is found by its digest in the workspace it names, so a key can only ever open the
/// workspace whose catalogue holds its digest.
public enum APIKeyStore {
    /// Registers a key by its digest and prefix.
    /// - Throws: ``StoreError/invalidArgument(_:)`` when the prefix or digest is already taken.
    public static func add(
        prefix: String, digest: String, role: APIKeyRole, in workspace: Workspace
    ) throws(StoreError) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let taken = try workspace.catalogue.read { db in
            try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM api_key WHERE prefix = ? OR digest = ?", arguments: [prefix, digest]) ?? false
        }
        if taken { throw .invalidArgument("an API key with prefix \(prefix) already exists; create another") }
        try workspace.catalogue.write { db in
            try db.execute(
                sql: "INSERT INTO api_key (prefix, digest, role, created_at) VALUES (?, ?, ?, ?)",
                arguments: [prefix, digest, role.rawValue, now])
        }
    }

    /// The role of the valid (not revoked) key with this digest, or nil.
    /// - Complexity: one indexed lookup.
    public static func role(ofDigest digest: String, in workspace: Workspace) throws(StoreError) -> APIKeyRole? {
        try workspace.catalogue.read { db in
            try String.fetchOne(
                db, sql: "SELECT role FROM api_key WHERE digest = ? AND revoked_at IS NULL", arguments: [digest])
        }.flatMap(APIKeyRole.init(rawValue:))
    }

    /// Every key of the workspace, oldest first, revoked ones included.
    public static func list(in workspace: Workspace) throws(StoreError) -> [APIKeyInfo] {
        try workspace.catalogue.read { db in
            try Row.fetchAll(db, sql: "SELECT prefix, role, created_at, revoked_at FROM api_key ORDER BY id").map { row in
                APIKeyInfo(
                    prefix: row["prefix"], role: APIKeyRole(rawValue: row["role"]) ?? .read,
                    createdAt: row["created_at"], revokedAt: row["revoked_at"])
            }
        }
    }

    /// Revokes the key whose prefix is `prefix`; returns false when no valid key has it.
    @discardableResult
    public static func revoke(prefix: String, in workspace: Workspace) throws(StoreError) -> Bool {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try workspace.catalogue.write { db in
            try db.execute(
                sql: "UPDATE api_key SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL", arguments: [now, prefix])
            return db.changesCount > 0
        }
    }
}
