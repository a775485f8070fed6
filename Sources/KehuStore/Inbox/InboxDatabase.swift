import GRDB

/// The streaming inbox's own database, `inbox.sqlite` beside the catalogue (WAL mode,
/// `synchronous = FULL`): one row per acknowledged request (its events and identity links in one
/// blob, ``InboxEntryCoding``).
///
/// It is a separate file so that appending (what every ingestion request waits for) never waits
/// for a catalogue write: a flush registers its segment, new identity keys and links in one
/// catalogue transaction that can take a second under load, and while it was open in the same
/// database every acknowledgement waited for it. The two files stay consistent through one
/// number: the catalogue's `inbox_flushed_through` setting, the last entry id whose events are in
/// a registered segment, set in the same catalogue transaction that registers it. Entries up to
/// it are deleted from this file afterwards (or at the next flush, after a crash); until then
/// every reader skips them.
public final class InboxDatabase: Sendable {
    let pool: DatabasePool
    public let path: String

    init(path: String) throws(StoreError) {
        self.path = path
        try WriteBehind.install()
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Debian builds SQLite with SECURE_DELETE on: every page a deletion frees is zeroed
            // and logged. A flushed entry (25 KB for a batch of 100, mostly overflow pages) is in
            // a segment file by then, so zeroing its pages protects nothing, and it made deleting
            // a flush's entries log about as many pages as appending them had. FAST still clears
            // deleted cells inside pages that are written anyway.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try InboxDatabase.migrator.migrate(pool)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    /// Named, append-only migrations (SQL only), like the catalogue's.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 entries") { db in
            // AUTOINCREMENT: an id is never reused, even after every row is deleted, so the
            // catalogue's flushed-through id never covers a newer entry.
            try db.execute(sql: """
                CREATE TABLE entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at INTEGER NOT NULL,
                    request_id TEXT NOT NULL,
                    events INTEGER NOT NULL,
                    links INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                CREATE TABLE setting (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                """)
        }
        return migrator
    }

    /// Runs `body` in one write transaction.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("inbox: \(error)")
        }
    }

    /// Runs `body` in one write transaction whose commit is not fsynced (`synchronous = NORMAL`
    /// for this transaction only, then `FULL` again before the writer is handed on): for deleting
    /// flushed entries, which a power cut can only undo (readers skip them by the catalogue's
    /// flushed-through id, and the next flush deletes them again). The log is written in order,
    /// so the next acknowledgement's fsync makes the deletion durable too. Under load a flush's
    /// 20 deleting transactions were 20 fsyncs on the disk every acknowledgement waits for.
    func writeUnsynced(_ body: (Database) throws -> Void) throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                var failure: (any Error)?
                do { try db.inTransaction { try body(db); return .commit } } catch { failure = error }
                // Always back to FULL before any append can run on this connection.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                if let failure { throw failure }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("inbox: \(error)")
        }
    }

    /// The writer connection's `synchronous` setting (2 = FULL), for tests.
    func writerSynchronous() throws(StoreError) -> Int {
        try write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs `body` on a consistent read snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database("inbox: \(error)")
        }
    }

    /// The largest entry id ever given (0 for none); never decreases.
    func lastEntryID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'entry'") ?? 0
    }
}
