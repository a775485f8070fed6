import GRDB
import Testing
@testable import KehuStore
import KehuTesting

@Suite("Bulk inserts into the catalogue")
struct BulkInsertTests {
    /// Rows (1, 1001)...(250, 1250) into `guarded_key` (key_id is its primary key), except that
    /// row 150 repeats the key of row 3. With 100 rows per statement, the second statement (rows
    /// 101-200) fails at row 150 after inserting rows 101-149 (`INSERT OR FAIL` keeps them); the
    /// transaction around it must still leave nothing of the insert behind, not even the first
    /// statement's 100 rows.
    @Test("a duplicate row fails the insert, and the transaction leaves none of its rows")
    func duplicateRollsBack() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        #expect(throws: (any Error).self) {
            try insertRows(into: ws) { row in row == 149 ? 3 : row + 1 }
        }
        #expect(try ws.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM guarded_key") } == 0)

        // Without the duplicate all 250 go in: 2 statements of 100 and 50 single rows.
        try insertRows(into: ws) { row in row + 1 }
        let stored = try ws.catalogue.read { db in try Int.fetchAll(db, sql: "SELECT consumers FROM guarded_key ORDER BY key_id") }
        #expect(stored == Array(1001...1250))
    }

    /// 250 rows (k, k + 1000) with k = `key(row)`, in one catalogue transaction.
    private func insertRows(into ws: Workspace, key: (Int) -> Int) throws {
        try ws.catalogue.write { db in
            try BulkInsert.bound(db, table: "guarded_key", columns: ["key_id", "consumers"], count: 250) { row, column in
                column == 0 ? .integer(Int64(key(row))) : .integer(Int64(key(row) + 1000))
            }
        }
    }
}
