import GRDB
import Testing
@testable import KehuStore
import KehuTesting

@Suite("Bulk inserts into the catalogue")
struct BulkInsertTests {
    /// Keys 1...250 with values "v1"..."v250", except that row 150 repeats the value of row 3.
    /// With 100 rows per statement, the second statement (rows 101-200) fails at row 150 after
    /// inserting rows 101-149 (`INSERT OR FAIL` keeps them); the transaction around it must
    /// still leave nothing of the insert behind, not even the first statement's 100 rows.
    @Test("a duplicate key fails the insert, and the transaction leaves none of its rows")
    func duplicateRollsBack() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        #expect(throws: (any Error).self) {
            try insertKeys(into: ws) { row in row == 149 ? "v3" : "v\(row + 1)" }
        }
        #expect(try ws.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_key") } == 0)

        // Without the duplicate all 250 go in: 2 statements of 100 and 50 single rows.
        try insertKeys(into: ws) { row in "v\(row + 1)" }
        let stored = try ws.catalogue.read { db in try String.fetchAll(db, sql: "SELECT value FROM identity_key ORDER BY id") }
        #expect(stored == (1...250).map { "v\($0)" })
    }

    /// 250 member keys with ids 1...250, `value(row)` each, in one catalogue transaction.
    private func insertKeys(into ws: Workspace, value: (Int) -> String) throws {
        try ws.catalogue.write { db in
            try BulkInsert.bound(
                db, table: "identity_key", columns: ["id", "type", "value", "consumer_id", "first_seen"], count: 250
            ) { row, column in
                switch column {
                case 0: .integer(Int64(row + 1))
                case 1: .integer(0)
                case 2: .text(value(row))
                case 3: .integer(Int64(row + 1))
                default: .integer(0)
                }
            }
        }
    }
}
