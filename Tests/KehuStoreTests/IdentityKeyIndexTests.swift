import Foundation
import GRDB
import KehuModel
import Testing
@testable import KehuStore
import KehuTesting

@Suite("Identity key lookup runs")
struct IdentityKeyIndexTests {
    /// Appends runs of `sizes` keys (ids in order, values "k<id>", member keys, consumer = id) the
    /// way a commit does: the rows, then one run of their hashes.
    private func appendRuns(_ sizes: [Int], to ws: Workspace, check: (Int, [(run: Int64, keys: Int)]) throws -> Void = { _, _ in }) throws {
        var next: Int64 = 1
        for (step, size) in sizes.enumerated() {
            let ids = Array(next..<next + Int64(size))
            next += Int64(size)
            let runs = try ws.catalogue.write { db in
                for id in ids {
                    try db.execute(
                        sql: "INSERT INTO identity_key (id, type, value, consumer_id, first_seen) VALUES (?, 0, ?, ?, 0)",
                        arguments: [id, "k\(id)", id])
                }
                try IdentityKeyIndex.append(.init(ids.map { (id: $0, hash: IdentityKeyIndex.hash(type: 0, value: "k\($0)")) }), db)
                return try IdentityKeyIndex.runs(db)
            }
            try check(step, runs)
        }
    }

    /// Runs after each append, worked out by hand with the rule "merge the two newest while the
    /// newer holds at least half as many keys as the older":
    ///   +100 -> [100]
    ///   +100 -> [100, 100] -> [200]
    ///   +50  -> [200, 50]                  (2 x 50 < 200)
    ///   +60  -> [200, 50, 60] -> [200, 110] -> [310]   (120 >= 50, then 220 >= 200)
    ///   +10  -> [310, 10]
    ///   +10  -> [310, 10, 10] -> [310, 20]
    ///   +30  -> [310, 20, 30] -> [310, 50]  (2 x 50 < 310)
    ///   +200 -> [310, 50, 200] -> [310, 250] -> [560]
    @Test("runs merge like a binary counter, and every key is found after each commit")
    func mergePolicy() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let expected: [[Int]] = [[100], [200], [200, 50], [310], [310, 10], [310, 20], [310, 50], [560]]
        let sizes = [100, 100, 50, 60, 10, 10, 30, 200]
        try appendRuns(sizes, to: ws) { step, runs in
            #expect(runs.map(\.keys) == expected[step], "after append \(step + 1)")
            let total = sizes.prefix(step + 1).reduce(0, +)
            try ws.catalogue.read { db in
                // The entries are exactly the keys, once each, in their runs.
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_key_hash") == total)
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT key_id) FROM identity_key_hash") == total)
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_key_hash WHERE run NOT IN (SELECT run FROM identity_key_run)") == 0)
                for id in 1...total {
                    let found = try IdentityKeyIndex.find(type: 0, value: "k\(id)", db)
                    #expect(found?.id == Int64(id) && found?.consumer == Int64(id), "k\(id)")
                }
                #expect(try IdentityKeyIndex.find(type: 0, value: "k\(total + 1)", db) == nil)
                // Same value, other type: not the same key.
                #expect(try IdentityKeyIndex.find(type: 7, value: "k1", db) == nil)
            }
        }
    }

    /// 300 commits of 1 to 40 keys (a generated sequence): the rule keeps each run less than half
    /// the size of the one before it, so there are at most log2(keys) + 1 runs.
    @Test("many small commits keep few runs")
    func manySmallCommits() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        var random = SplitMix(seed: 11)
        let sizes = (0..<300).map { _ in Int(random.next() % 40) + 1 }
        var total = 0
        try appendRuns(sizes, to: ws) { step, runs in
            total += sizes[step]
            #expect(runs.map(\.keys).reduce(0, +) == total)
            for (older, newer) in zip(runs, runs.dropFirst()) { #expect(2 * newer.keys < older.keys) }
            #expect(Double(runs.count) <= log2(Double(total)) + 1)
        }
        try ws.catalogue.read { (db: Database) throws in
            for id in stride(from: 1, through: total, by: 7) {
                #expect(try IdentityKeyIndex.find(type: 0, value: "k\(id)", db)?.id == Int64(id))
            }
        }
    }

    /// Two keys whose hashes collide: the lookup checks type and value in identity_key, so an
    /// entry that points at another key with the same hash is never taken for it.
    @Test("a hash collision is told apart by the stored type and value")
    func collision() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        try ws.catalogue.write { db in
            try db.execute(sql: "INSERT INTO identity_key (id, type, value, consumer_id, first_seen) VALUES (1, 0, 'a', 10, 0), (2, 0, 'b', 20, 0)")
            // Key 2 filed under the hash of "a", as if hash(b) == hash(a).
            let a = IdentityKeyIndex.hash(type: 0, value: "a")
            let entries: [(id: Int64, hash: Int64)] = [(1, a), (2, a)]
            try IdentityKeyIndex.append(.init(entries), db)
        }
        try ws.catalogue.read { db in
            #expect(try IdentityKeyIndex.find(type: 0, value: "a", db)?.consumer == 10)
            // "b" is looked up under its own hash, where nothing is filed.
            #expect(try IdentityKeyIndex.find(type: 0, value: "b", db) == nil)
            // In SQL, the correlated lookup gives key 1 for "a" and nothing for "c".
            let sql = "SELECT \(IdentityKeyIndex.keyIDSQL(type: "0", value: "'a'")), \(IdentityKeyIndex.keyIDSQL(type: "0", value: "'c'"))"
            let row = try Row.fetchOne(db, sql: sql)
            #expect(row?[0] as Int64? == 1)
            #expect(row?[1] as Int64? == nil)
        }
    }

    /// The hash is stored, so it must never change: these values were computed when the runs were
    /// introduced.
    @Test("the stored hash is fixed")
    func fixedHash() {
        #expect(IdentityKeyIndex.hash(type: 0, value: "m1") == IdentityKeyIndex.hash(IdentityKey(type: .member, value: "m1")))
        #expect(IdentityKeyIndex.hash(type: 0, value: "m1") != IdentityKeyIndex.hash(type: 7, value: "m1"))
        #expect(IdentityKeyIndex.hash(type: 0, value: "m1") == 6_688_743_271_422_060_322)
        #expect(IdentityKeyIndex.hash(type: 1, value: String(repeating: "ab", count: 32)) == -1_148_413_297_653_816_767)
    }

    /// A catalogue of the version before the runs (unique index on identity_key (type, value),
    /// links keyed by (a, b)) with 1,000 keys and 333 links: opening it migrates the rows
    /// unchanged, without the unique index, files every key in one run, and keeps the links in a
    /// table without an index.
    @Test("a catalogue from before the runs is migrated: same keys and links, one run, no unique index")
    func migration() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/kehu.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try Catalogue.migrator.migrate(queue, upTo: "v3 reach")
            try queue.write { db in
                #expect(try Row.fetchAll(db, sql: "PRAGMA index_list(identity_key)").contains { ($0["unique"] as Int64) == 1 })
                for id in 1...1000 {
                    try db.execute(
                        sql: "INSERT INTO identity_key (id, type, value, consumer_id, first_seen) VALUES (?, ?, ?, ?, ?)",
                        arguments: [id, id % 8, "v\(id)", id / 3 + 1, id * 10])
                }
                // Links (k, k + 1) for k = 3, 6, ..., 999, inserted from the largest down.
                for a in stride(from: 999, through: 3, by: -3) {
                    try db.execute(sql: "INSERT INTO identity_link (a, b) VALUES (?, ?)", arguments: [a, a + 1])
                }
            }
        }
        let catalogue = try Catalogue(path: path)
        try catalogue.read { db in
            #expect(try IdentityKeyIndex.runs(db).map(\.keys) == [1000])
            #expect(try Row.fetchAll(db, sql: "PRAGMA index_list(identity_key)").allSatisfy { ($0["unique"] as Int64) == 0 })
            #expect(try Row.fetchAll(db, sql: "PRAGMA index_list(identity_key)").map { $0["name"] as String } == ["identity_key_consumer"])
            // The links are the same 333, appended in (a, b) order, and unindexed.
            #expect(try Row.fetchAll(db, sql: "SELECT a, b FROM identity_link ORDER BY rowid").map { [$0[0] as Int, $0[1] as Int] }
                == stride(from: 3, through: 999, by: 3).map { [$0, $0 + 1] })
            #expect(try Row.fetchAll(db, sql: "PRAGMA index_list(identity_link)").isEmpty)
            let rows = try Row.fetchAll(db, sql: "SELECT id, type, value, consumer_id, first_seen FROM identity_key ORDER BY id")
            #expect(rows.count == 1000)
            for (i, row) in rows.enumerated() {
                let id = i + 1
                #expect(row[0] as Int == id && row[1] as Int == id % 8 && row[2] as String == "v\(id)")
                #expect(row[3] as Int == id / 3 + 1 && row[4] as Int == id * 10)
                #expect(try IdentityKeyIndex.find(type: UInt8(id % 8), value: "v\(id)", db)?.id == Int64(id))
            }
        }
    }
}
