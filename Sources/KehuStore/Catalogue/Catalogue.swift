import GRDB
import KehuModel

/// A workspace's operational database (`kehu.sqlite`, WAL mode): the catalogue of segments, the
/// streaming inbox, identity keys and links, settings and ingest runs. Later features (tags,
/// audiences, campaigns, members) add their own migrations.
///
/// Migrations are named and append-only: never edit or reorder one that has shipped. They use
/// SQL only, never app types, so an old migration keeps meaning the same thing.
public final class Catalogue: Sendable {
    /// The database connection pool (WAL: readers never block the one writer).
    public let writer: DatabasePool
    public let path: String

    public init(path: String) throws(StoreError) {
        self.path = path
        try WriteBehind.install()
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A 64 MiB page cache keeps the pages a large commit touches at random (the identity
            // keys' consumer index, the consumer-id updates of merged consumers) in memory instead
            // of thrashing the default 2 MiB.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            // Multi-row inserts under a UNIQUE constraint (the identity key runs' primary key) keep a
            // statement journal; on disk it costs two writes per page touched (measured, with the
            // unique index identity keys had before: 190k pwrite calls for 95k new keys).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            IdentityKeyIndex.register(db)
        }
        do {
            writer = try DatabasePool(path: path, configuration: configuration)
            try Catalogue.migrator.migrate(writer)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 settings") { db in
            try db.execute(sql: """
                CREATE TABLE setting (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                """)
        }
        migrator.registerMigration("v1 segments") { db in
            try db.execute(sql: """
                CREATE TABLE segment (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    file TEXT NOT NULL UNIQUE,
                    row_count INTEGER NOT NULL,
                    min_ts INTEGER NOT NULL,
                    max_ts INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    level INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v1 identity") { db in
            try db.execute(sql: """
                CREATE TABLE identity_key (
                    id INTEGER PRIMARY KEY,
                    type INTEGER NOT NULL,
                    value TEXT NOT NULL,
                    consumer_id INTEGER NOT NULL,
                    first_seen INTEGER NOT NULL,
                    UNIQUE (type, value)
                );
                CREATE INDEX identity_key_consumer ON identity_key (consumer_id);
                CREATE TABLE identity_link (
                    a INTEGER NOT NULL,
                    b INTEGER NOT NULL,
                    PRIMARY KEY (a, b)
                ) WITHOUT ROWID;
                CREATE TABLE guarded_key (
                    key_id INTEGER PRIMARY KEY,
                    consumers INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v1 inbox") { db in
            try db.execute(sql: """
                CREATE TABLE inbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    item INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("v1 ingest runs") { db in
            try db.execute(sql: """
                CREATE TABLE ingest_run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL,
                    sources TEXT NOT NULL,
                    read INTEGER NOT NULL,
                    accepted INTEGER NOT NULL,
                    duplicates INTEGER NOT NULL,
                    rejected INTEGER NOT NULL,
                    reject_report TEXT
                );
                """)
        }
        migrator.registerMigration("v2 plans and campaigns") { db in
            try db.execute(sql: """
                CREATE TABLE plan (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    campaign_first TEXT NOT NULL,
                    campaign_last TEXT NOT NULL,
                    target_fen INTEGER NOT NULL,
                    report TEXT NOT NULL
                );
                CREATE INDEX plan_name ON plan (name, id);
                CREATE TABLE campaign (
                    name TEXT PRIMARY KEY,
                    harvest_first TEXT NOT NULL,
                    harvest_last TEXT NOT NULL,
                    seeding_days INTEGER NOT NULL,
                    growing_days INTEGER NOT NULL,
                    nurture_days INTEGER NOT NULL,
                    plan_name TEXT,
                    created_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2 api keys") { db in
            // Only the SHA-256 digest of a key is stored; `prefix` (the workspace and the first
            // characters of the secret) lets people tell keys apart in lists and revoke them.
            try db.execute(sql: """
                CREATE TABLE api_key (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    prefix TEXT NOT NULL UNIQUE,
                    digest TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('read', 'write')),
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                """)
        }
        migrator.registerMigration("v3 inbox identity links") { db in
            // identify and alias messages: identity keys that belong to one consumer, waiting
            // (like inbox events) for the flusher to link them in the same transaction that
            // deletes them. `record` is JSON: {"ts", "keys", "previousID"?}.
            try db.execute(sql: """
                CREATE TABLE inbox_link (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    item INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3 members") { db in
            // Members (会员) and their points ledger. `points_entry` is append-only: triggers
            // refuse UPDATE and DELETE, so a balance can always be re-derived from the entries;
            // `member.balance` is the running balance kept in the same transaction as each entry.
            try db.execute(sql: """
                CREATE TABLE member_programme (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    set_at INTEGER NOT NULL,
                    source TEXT NOT NULL,
                    definition TEXT NOT NULL
                );
                CREATE TABLE member (
                    key TEXT PRIMARY KEY NOT NULL,
                    key_type INTEGER NOT NULL,
                    key_value TEXT NOT NULL,
                    joined_at INTEGER NOT NULL,
                    left_at INTEGER,
                    channel TEXT,
                    referrer TEXT,
                    tier TEXT NOT NULL,
                    tier_since TEXT NOT NULL,
                    balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0)
                );
                CREATE INDEX member_identity ON member (key_type, key_value);
                CREATE INDEX member_tier ON member (tier);
                CREATE TABLE points_entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    operation_id TEXT NOT NULL UNIQUE,
                    member TEXT NOT NULL REFERENCES member (key),
                    kind TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'expire', 'adjust')),
                    points INTEGER NOT NULL CHECK (points <> 0),
                    at INTEGER NOT NULL,
                    order_id TEXT,
                    reason TEXT,
                    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
                    expires_on TEXT,
                    lot INTEGER,
                    rate_points INTEGER,
                    rate_fen INTEGER,
                    recorded_at INTEGER NOT NULL,
                    CHECK ((kind = 'earn' AND points > 0) OR (kind IN ('redeem', 'expire') AND points < 0) OR kind = 'adjust')
                );
                CREATE INDEX points_entry_member ON points_entry (member, id);
                CREATE INDEX points_entry_order ON points_entry (order_id) WHERE order_id IS NOT NULL;
                CREATE TRIGGER points_entry_append_only_update BEFORE UPDATE ON points_entry
                    BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only: entries are never updated'); END;
                CREATE TRIGGER points_entry_append_only_delete BEFORE DELETE ON points_entry
                    BEGIN SELECT RAISE(ABORT, 'the points ledger is append-only: entries are never deleted'); END;
                CREATE TABLE member_tier_change (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    member TEXT NOT NULL REFERENCES member (key),
                    from_tier TEXT,
                    to_tier TEXT NOT NULL,
                    day TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL
                );
                CREATE INDEX member_tier_change_member ON member_tier_change (member, id);
                CREATE TABLE member_sync (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    as_of TEXT NOT NULL,
                    ran_at INTEGER NOT NULL,
                    summary TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3 tags and audiences") { db in
            // Members of imported and written-back tags, and of audience snapshots, are identity
            // key ids: dense consumer indices change between snapshots and consumer ids change
            // when identities merge, but a key stays with whichever consumer absorbs it.
            try db.execute(sql: """
                CREATE TABLE tag (
                    name TEXT PRIMARY KEY NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('rule', 'imported', 'writeback')),
                    expression TEXT,
                    description TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE tag_member (
                    tag TEXT NOT NULL REFERENCES tag (name) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    PRIMARY KEY (tag, key_id)
                ) WITHOUT ROWID;
                CREATE TABLE audience (
                    name TEXT PRIMARY KEY NOT NULL,
                    expression TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE TABLE audience_snapshot (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    audience TEXT NOT NULL,
                    expression TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    taken_at INTEGER NOT NULL,
                    data_version INTEGER NOT NULL,
                    size INTEGER NOT NULL,
                    without_key INTEGER NOT NULL
                );
                CREATE INDEX audience_snapshot_name ON audience_snapshot (audience, id);
                CREATE TABLE audience_snapshot_member (
                    snapshot_id INTEGER NOT NULL REFERENCES audience_snapshot (id) ON DELETE CASCADE,
                    key_id INTEGER NOT NULL,
                    PRIMARY KEY (snapshot_id, key_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3 reach") { db in
            // Reach plans (KehuActivation): a definition per plan, and per plan one row per
            // eligible consumer (sent or held out), keyed by the stable consumer id. `seed` holds
            // the UInt64 seed's bit pattern; `suppress` a JSON array of "tag:NAME" /
            // "audience:NAME" / "keys:FILE".
            try db.execute(sql: """
                CREATE TABLE reach_plan (
                    name TEXT PRIMARY KEY NOT NULL,
                    audience TEXT NOT NULL,
                    content TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    window_first TEXT NOT NULL,
                    window_last TEXT NOT NULL,
                    hour_first INTEGER NOT NULL,
                    hour_last INTEGER NOT NULL,
                    cap_sends INTEGER NOT NULL,
                    cap_days INTEGER NOT NULL,
                    suppress TEXT NOT NULL,
                    holdout_share REAL NOT NULL,
                    seed INTEGER NOT NULL,
                    as_of TEXT,
                    key_prefix TEXT,
                    created_at INTEGER NOT NULL,
                    planned_at INTEGER,
                    as_of_used TEXT
                );
                CREATE TABLE reach_send (
                    plan TEXT NOT NULL,
                    consumer_id INTEGER NOT NULL,
                    holdout INTEGER NOT NULL,
                    channel_key TEXT NOT NULL,
                    send_at INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('scheduled', 'delivered', 'failed', 'holdout')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    delivered_at INTEGER,
                    delivered_via TEXT,
                    last_error TEXT,
                    PRIMARY KEY (plan, consumer_id)
                ) WITHOUT ROWID;
                CREATE INDEX reach_send_time ON reach_send (send_at);
                """)
        }
        migrator.registerMigration("v4 identity key runs") { db in
            // The unique index on identity_key (type, value) gives way to sorted runs of key
            // hashes (IdentityKeyIndex): a commit's new keys no longer rewrite the whole index.
            try IdentityKeyIndex.migrate(db)
        }
        migrator.registerMigration("v4 identity links appended") { db in
            // Links were a WITHOUT ROWID table keyed by (a, b): each commit's new links landed all
            // over that B-tree (a is often an old key). Nothing looks a link up: the ingest session
            // reads them all (and sorts them), and keeps them unique itself. Now they are appended
            // in rowid order.
            try db.execute(sql: """
                CREATE TABLE identity_link_new (a INTEGER NOT NULL, b INTEGER NOT NULL);
                INSERT INTO identity_link_new (a, b) SELECT a, b FROM identity_link ORDER BY a, b;
                DROP TABLE identity_link;
                ALTER TABLE identity_link_new RENAME TO identity_link;
                """)
        }
        return migrator
    }

    /// Runs `body` in one write transaction.
    public func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    /// Runs `body` on a consistent read snapshot of the database.
    public func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }
}

/// Settings stored in the `setting` table.
enum Setting {
    static let salt = "salt"
    static let timeZone = "time_zone"
    static let dataVersion = "data_version"
    static let nextConsumerID = "next_consumer_id"
    static let createdAt = "created_at"
    /// The last inbox entry id whose events are in a registered segment (see ``InboxDatabase``).
    static let inboxFlushedThrough = "inbox_flushed_through"

    static func get(_ db: Database, _ name: String) throws -> DatabaseValue? {
        try DatabaseValue.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [name])
    }

    static func set(_ db: Database, _ name: String, _ value: some DatabaseValueConvertible) throws {
        try db.execute(
            sql: "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            arguments: [name, value])
    }

    static func int(_ db: Database, _ name: String) throws -> Int64 {
        try get(db, name).flatMap { Int64.fromDatabaseValue($0) } ?? 0
    }

    /// Marks the data as changed: snapshots built before are stale.
    static func bumpDataVersion(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO setting (name, value) VALUES ('data_version', 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
                """)
    }
}
