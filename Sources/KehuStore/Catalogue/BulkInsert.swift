import GRDB
import GRDBSQLite

/// Inserts many rows with multi-row `INSERT OR FAIL ... VALUES (...), (...)` statements: SQLite
/// runs one statement per 100 rows instead of one per row.
///
/// `OR FAIL` because a plain (`ABORT`) insert of several rows into a table with a unique index
/// must be able to undo its own earlier rows when a later one fails, so SQLite copies every page
/// the statement touches into a statement journal first: with a unique index on random values
/// (the identity keys and links had one each before ``IdentityKeyIndex`` and the appended links)
/// that is most of the index, 100 rows at a time. `FAIL` stops at the failing row and keeps the
/// earlier ones, which is all the same here: every caller inserts inside a transaction that is
/// rolled back when anything throws. (Measured on the first session of a 2.4M-event flush, about
/// 330,000 new keys into an empty table with the unique index: 3.5 s with `ABORT`, 2.3 s with
/// `FAIL`.)
enum BulkInsert {
    static let rowsPerStatement = 100
}

/// The value of one column of one row for ``BulkInsert/bound(_:table:columns:count:value:)``.
enum BoundValue {
    case integer(Int64)
    /// UTF-8 text, copied by SQLite when bound.
    case text(String)
}

extension BulkInsert {
    /// Inserts many rows, binding each value with the SQLite C API instead of building an
    /// argument array per row: no existential boxes or `DatabaseValue`s, which cost as much as
    /// SQLite's own insert work for hundreds of thousands of small rows (a first load's identity
    /// keys and links).
    /// - Parameter value: the value of column `column` of row `row`.
    static func bound(
        _ db: Database, table: String, columns: [String], count: Int, value: (_ row: Int, _ column: Int) -> BoundValue
    ) throws {
        guard count > 0 else { return }
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let head = "INSERT OR FAIL INTO \(table) (\(columns.joined(separator: ","))) VALUES "
        let full = try db.cachedStatement(sql: head + Array(repeating: placeholders, count: rowsPerStatement).joined(separator: ","))
        let single = try db.cachedStatement(sql: head + placeholders)
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        var start = 0
        while start < count {
            let n = count - start >= rowsPerStatement ? rowsPerStatement : 1
            let statement = (n == rowsPerStatement ? full : single).sqliteStatement
            for r in 0..<n {
                for c in 0..<columns.count {
                    let index = Int32(r * columns.count + c + 1)
                    let code: Int32
                    switch value(start + r, c) {
                    case .integer(let v):
                        code = sqlite3_bind_int64(statement, index, v)
                    case .text(var text):
                        code = text.withUTF8 { utf8 in
                            sqlite3_bind_text(statement, index, utf8.baseAddress, Int32(utf8.count), transient)
                        }
                    }
                    guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage) }
                }
            }
            let stepped = sqlite3_step(statement)
            let reset = sqlite3_reset(statement)
            guard stepped == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: stepped), message: db.lastErrorMessage, sql: head)
            }
            guard reset == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: reset), message: db.lastErrorMessage) }
            start += n
        }
    }
}
