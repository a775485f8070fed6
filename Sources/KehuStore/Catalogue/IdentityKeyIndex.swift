import GRDB
import KehuModel

/// How the catalogue finds an identity key's row from its type and value: sorted runs of
/// (hash, key id) pairs, appended once per commit and merged as they pile up, instead of a unique
/// B-tree index on `identity_key (type, value)`.
///
/// Why: key values are salted SHA-256 digests and random ids, so each commit's new keys land all
/// over such an index, and a commit that adds more keys than the index has pages rewrites every
/// page of it (and logs it in the WAL). Measured on a 2.4M-event inbox flush with 766,802 new keys:
/// the unique index cost 1.8 s of the flush's 10.1 s of CPU and 246 MB of its 669 MB of writes,
/// and both grow with the size of the table, not of the commit. A run is written in hash order at
/// the end of `identity_key_hash` (its primary key starts with the run number), so a commit writes
/// only its own keys' pages.
///
/// Runs are merged like a binary counter: after a commit adds a run, the two newest runs are merged
/// into one while the newer holds at least half as many keys as the older. There are at most about
/// log2(keys / smallest run) + 1 runs, so a lookup probes that many ranges, and a key is rewritten
/// about as many times over its life.
///
/// Lookups verify the type and value in `identity_key`, so two keys with the same 64-bit hash are
/// still told apart. Uniqueness of (type, value) is kept by the one writer (`IngestBase` holds every
/// stored key, under the workspace's writer lock), no longer by SQLite.
public enum IdentityKeyIndex {
    /// The name of the SQL function registered on every catalogue connection:
    /// `kehu_key_hash(type, value)` is ``hash(type:value:)``.
    public static let sqlFunction = "kehu_key_hash"

    /// The stored hash of a key: `StableHash` of the value's UTF-8 bytes, seeded with the type.
    /// Stored on disk, so fixed forever.
    public static func hash(type: UInt8, value: String) -> Int64 {
        Int64(bitPattern: StableHash.hash(value, seed: 0x6b65_6875_6b65_7900 | UInt64(type)))
    }

    public static func hash(_ key: IdentityKey) -> Int64 {
        hash(type: key.type.rawValue, value: key.value)
    }

    static func register(_ db: Database) {
        db.add(function: DatabaseFunction(sqlFunction, argumentCount: 2, pure: true) { values in
            guard let type = Int64.fromDatabaseValue(values[0]), let value = String.fromDatabaseValue(values[1]),
                let byte = UInt8(exactly: type)
            else { return nil }
            return hash(type: byte, value: value)
        })
    }

    /// A correlated SQL expression: the id of the key whose type is the SQL expression `type` and
    /// value the SQL expression `value`, or NULL. For joins such as
    /// `LEFT JOIN identity_key k ON k.id = \(keyIDSQL(type: "m.key_type", value: "m.key_value"))`.
    public static func keyIDSQL(type: String, value: String) -> String {
        """
        (SELECT x.id FROM identity_key_hash xh JOIN identity_key x ON x.id = xh.key_id \
        WHERE xh.run IN (SELECT run FROM identity_key_run) AND xh.hash = \(sqlFunction)(\(type), \(value)) \
        AND x.type = \(type) AND x.value = \(value))
        """
    }

    /// The id and consumer of the stored key `type:value`, or nil.
    public static func find(type: UInt8, value: String, _ db: Database) throws -> (id: Int64, consumer: Int64)? {
        let statement = try db.cachedStatement(sql: """
            SELECT x.id, x.consumer_id FROM identity_key_hash xh JOIN identity_key x ON x.id = xh.key_id
            WHERE xh.run IN (SELECT run FROM identity_key_run) AND xh.hash = ? AND x.type = ? AND x.value = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [hash(type: type, value: value), Int64(type), value]) else {
            return nil
        }
        return (row[0], row[1])
    }

    public static func find(_ key: IdentityKey, _ db: Database) throws -> (id: Int64, consumer: Int64)? {
        try find(type: key.type.rawValue, value: key.value, db)
    }

    /// One run's entries, in the order they are stored.
    struct Entries {
        fileprivate(set) var hashes: [Int64] = []
        fileprivate(set) var ids: [Int64] = []
        var count: Int { ids.count }

        /// The entries of `keys`, sorted by (hash, id).
        /// - Complexity: O(n log n).
        init(_ keys: some Collection<(id: Int64, hash: Int64)>) {
            var pairs = Array(keys)
            pairs.sort { ($0.hash, $0.id) < ($1.hash, $1.id) }
            hashes = pairs.map(\.hash)
            ids = pairs.map(\.id)
        }
    }

    /// Adds a run of new keys (each key once, none stored before), then merges runs as the policy
    /// says. Runs inside the caller's transaction.
    static func append(_ entries: Entries, _ db: Database) throws {
        guard entries.count > 0 else { return }
        let run = (try Int64.fetchOne(db, sql: "SELECT MAX(run) FROM identity_key_run") ?? 0) + 1
        try BulkInsert.bound(db, table: "identity_key_hash", columns: ["run", "hash", "key_id"], count: entries.count) { i, column in
            switch column {
            case 0: .integer(run)
            case 1: .integer(entries.hashes[i])
            default: .integer(entries.ids[i])
            }
        }
        try db.execute(sql: "INSERT INTO identity_key_run (run, keys) VALUES (?, ?)", arguments: [run, entries.count])
        try mergeRuns(db)
    }

    /// Merges the two newest runs into a new one while the newer holds at least half as many keys
    /// as the older.
    static func mergeRuns(_ db: Database) throws {
        while true {
            let newest = try Row.fetchAll(db, sql: "SELECT run, keys FROM identity_key_run ORDER BY run DESC LIMIT 2")
                .map { (run: $0[0] as Int64, keys: $0[1] as Int64) }
            guard newest.count == 2 else { return }
            let (newer, older) = (newest[0], newest[1])
            guard 2 * newer.keys >= older.keys else { return }
            let merged = newer.run + 1
            try db.execute(
                sql: """
                    INSERT INTO identity_key_hash (run, hash, key_id)
                    SELECT ?, hash, key_id FROM identity_key_hash WHERE run IN (?, ?) ORDER BY hash, key_id
                    """,
                arguments: [merged, older.run, newer.run])
            try db.execute(sql: "DELETE FROM identity_key_hash WHERE run IN (?, ?)", arguments: [older.run, newer.run])
            try db.execute(sql: "DELETE FROM identity_key_run WHERE run IN (?, ?)", arguments: [older.run, newer.run])
            try db.execute(sql: "INSERT INTO identity_key_run (run, keys) VALUES (?, ?)", arguments: [merged, older.keys + newer.keys])
        }
    }

    /// The runs, oldest first, with their key counts (for tests).
    public static func runs(_ db: Database) throws -> [(run: Int64, keys: Int)] {
        try Row.fetchAll(db, sql: "SELECT run, keys FROM identity_key_run ORDER BY run").map { ($0[0], $0[1]) }
    }

    /// The migration from the unique index: `identity_key` rebuilt without it (the same rows and
    /// ids), and every stored key indexed in one run.
    static func migrate(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE identity_key_new (
                id INTEGER PRIMARY KEY,
                type INTEGER NOT NULL,
                value TEXT NOT NULL,
                consumer_id INTEGER NOT NULL,
                first_seen INTEGER NOT NULL
            );
            INSERT INTO identity_key_new (id, type, value, consumer_id, first_seen)
                SELECT id, type, value, consumer_id, first_seen FROM identity_key ORDER BY id;
            DROP TABLE identity_key;
            ALTER TABLE identity_key_new RENAME TO identity_key;
            CREATE INDEX identity_key_consumer ON identity_key (consumer_id);
            CREATE TABLE identity_key_run (
                run INTEGER PRIMARY KEY,
                keys INTEGER NOT NULL
            );
            CREATE TABLE identity_key_hash (
                run INTEGER NOT NULL,
                hash INTEGER NOT NULL,
                key_id INTEGER NOT NULL,
                PRIMARY KEY (run, hash, key_id)
            ) WITHOUT ROWID;
            """)
        var keys: [(id: Int64, hash: Int64)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT id, type, value FROM identity_key")
        while let row = try rows.next() {
            let type: Int64 = row[1]
            keys.append((row[0], hash(type: UInt8(truncatingIfNeeded: type), value: row[2])))
        }
        try append(Entries(keys), db)
    }
}
