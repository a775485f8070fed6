import GRDB
import Testing
@testable import KehuStore
import KehuTesting

@Suite("Bulk inserts into the catalogue")
struct BulkInsertTests {
    /// Links (1, 1001)...(250, 1250) into `identity_link` (primary key (a, b)), except that row 150
    /// repeats the link of row 3. With 100 rows per statement, the second statement (rows 101-200)
    /// fails at row 150 after inserting rows 101-149 (`INSERT OR FAIL` keeps them); the transaction
    /// around it must still leave nothing of the insert behind, not even the first statement's 100 rows.
    @Test("a duplicate row fails the insert, and the transaction leaves none of its rows")
    func duplicateRollsBack() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        #expect(throws: (any Error).self) {
            try insertLinks(into: ws) { row in row == 149 ? 3 : row + 1 }
        }
        #expect(try ws.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM identity_link") } == 0)

        // Without the duplicate all 250 go in: 2 statements of 100 and 50 single rows.
        try insertLinks(into: ws) { row in row + 1 }
        let stored = try ws.catalogue.read { db in try Int.fetchAll(db, sql: "SELECT a FROM identity_link ORDER BY a") }
        #expect(stored == Array(1...250))
    }

    /// 250 links (a, a + 1000) with a = `a(row)`, in one catalogue transaction.
    private func insertLinks(into ws: Workspace, a: (Int) -> Int) throws {
        try ws.catalogue.write { db in
            try BulkInsert.bound(db, table: "identity_link", columns: ["a", "b"], count: 250) { row, column in
                column == 0 ? .integer(Int64(a(row))) : .integer(Int64(a(row) + 1000))
            }
        }
    }
}
