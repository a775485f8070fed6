import GRDB

/// Inserts many rows with multi-row `INSERT ... VALUES (...), (...)` statements: SQLite runs one
/// statement per 100 rows instead of one per row.
enum BulkInsert {
    static let rowsPerStatement = 100

    /// - Parameter row: the values of row `i`, in `columns` order.
    static func rows(
        _ db: Database, table: String, columns: [String], count: Int, row: (Int) -> [(any DatabaseValueConvertible)?]
    ) throws {
        guard count > 0 else { return }
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
        let full = try db.cachedStatement(
            sql: head + Array(repeating: placeholders, count: rowsPerStatement).joined(separator: ","))
        var start = 0
        while start < count {
            let n = min(rowsPerStatement, count - start)
            let statement = n == rowsPerStatement
                ? full : try db.makeStatement(sql: head + Array(repeating: placeholders, count: n).joined(separator: ","))
            var values: [(any DatabaseValueConvertible)?] = []
            values.reserveCapacity(n * columns.count)
            for i in start..<(start + n) { values.append(contentsOf: row(i)) }
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
            start += n
        }
    }
}
