import GRDB
import KehuModel

/// A consumer as OneID sees them: their stable id and every key linked to them.
public struct ConsumerIdentity: Sendable, Equatable, Codable {
    public var consumerID: UInt32
    public var keys: [LinkedKey]

    public struct LinkedKey: Sendable, Equatable, Codable {
        public var key: IdentityKey
        /// First time the key was seen (UTC ms).
        public var firstSeen: Int64
        /// Set when the shared-key guard keeps this key out of linking: the consumers it touches.
        public var guardedConsumers: Int?
    }

    /// Finds the consumer that holds `key` (already normalised and, for phones and emails, hashed).
    public static func lookup(_ key: IdentityKey, in workspace: Workspace) throws(StoreError) -> ConsumerIdentity? {
        try workspace.catalogue.read { db in
            guard let found = try IdentityKeyIndex.find(key, db) else { return nil }
            return try keys(of: found.consumer, db)
        }
    }

    /// The keys of the consumer with catalogue id `consumerID`, or nil when no key belongs to it.
    public static func lookup(consumerID: UInt32, in workspace: Workspace) throws(StoreError) -> ConsumerIdentity? {
        try workspace.catalogue.read { db in
            let identity = try keys(of: Int64(consumerID), db)
            return identity.keys.isEmpty ? nil : identity
        }
    }

    private static func keys(of consumer: Int64, _ db: Database) throws -> ConsumerIdentity {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT k.type, k.value, k.first_seen, g.consumers FROM identity_key k
                LEFT JOIN guarded_key g ON g.key_id = k.id
                WHERE k.consumer_id = ? ORDER BY k.type, k.value
                """,
            arguments: [consumer])
        let keys = rows.compactMap { row -> LinkedKey? in
            guard let type = IdentityKeyType(rawValue: UInt8(row[0] as Int64)) else { return nil }
            return LinkedKey(key: IdentityKey(type: type, value: row[1]), firstSeen: row[2], guardedConsumers: row[3])
        }
        return ConsumerIdentity(consumerID: UInt32(consumer), keys: keys)
    }
}
