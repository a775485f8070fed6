import KehuModel

/// Reads any CSV as events by naming, for each event field, the column it comes from or a
/// constant: `ts=order_time,amount=paid,keys.member=buyer_id,keys.phone=mobile,kind=const:pay`.
///
/// Unmapped source columns are ignored. Each `keys.TYPE=column` adds one identity key per row
/// (an empty cell adds none, but every event needs at least one key); `keys=column` reads a
/// canonical `type:value|type:value` list. `ts`, `kind` and at least one key are required.
public struct ColumnMapping: Sendable, Hashable, CustomStringConvertible {
    /// Where a field's value comes from.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// The cell of the named header column.
        case column(String)
        /// The same value for every row.
        case constant(String)

        /// `column`, or `const:value`, as in a spec.
        public var description: String {
            switch self {
            case .column(let name): name
            case .constant(let value): "const:" + value
            }
        }
    }

    /// One identity key read from a column holding bare values (`keys.phone=mobile`).
    public struct KeyColumn: Sendable, Hashable {
        /// The type the column's values are keys of.
        public var type: IdentityKeyType
        /// The header name of the column.
        public var column: String

        /// A column of bare `type` values.
        public init(type: IdentityKeyType, column: String) {
            self.type = type
            self.column = column
        }
    }

    /// The source of each mapped canonical field (`keys` here is a column of `type:value` lists).
    public private(set) var fields: [CanonicalColumn: Source]
    /// Columns of bare key values, in the order given.
    public private(set) var keyColumns: [KeyColumn]

    /// A mapping from parts; throws when it could not produce events.
    public init(fields: [CanonicalColumn: Source], keyColumns: [KeyColumn] = []) throws(DecodeError) {
        self.fields = fields
        self.keyColumns = keyColumns
        try validate()
    }

    /// Parses a spec of comma-separated `field=column` or `field=const:value` items.
    public init(spec: String) throws(DecodeError) {
        var fields: [CanonicalColumn: Source] = [:]
        var keyColumns: [KeyColumn] = []
        for rawItem in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let item = rawItem.trimmingSpaces()
            if item.isEmpty { continue }
            guard let equals = item.firstIndex(of: "=") else {
                throw .badMapping("'\(item.prefix(40))' is not field=column or field=const:value")
            }
            let target = item[..<equals].trimmingSpaces()
            let value = item[item.index(after: equals)...].trimmingSpaces()
            guard !value.isEmpty else { throw .badMapping("\(target) is mapped to nothing") }
            let source: Source = value.hasPrefix("const:") ? .constant(String(value.dropFirst(6))) : .column(value)
            if target.hasPrefix("keys.") {
                let typeName = target.dropFirst(5)
                guard let type = IdentityKeyType(name: typeName) else {
                    throw .badMapping("unknown identity key type in '\(target.prefix(40))' (expected keys.TYPE with TYPE one of \(IdentityKeyType.allNames))")
                }
                guard case .column(let column) = source else {
                    throw .badMapping("\(target) must name a column: a constant key would make every row the same consumer")
                }
                let key = KeyColumn(type: type, column: column)
                guard !keyColumns.contains(key) else { throw .badMapping("\(target)=\(column) is given twice") }
                keyColumns.append(key)
                continue
            }
            guard let field = CanonicalColumn(rawValue: target) else {
                throw .badMapping("unknown field '\(target.prefix(40))' (expected one of \(CanonicalColumn.allNames), or keys.TYPE)")
            }
            guard fields[field] == nil else { throw .badMapping("\(field) is mapped twice") }
            fields[field] = source
        }
        try self.init(fields: fields, keyColumns: keyColumns)
    }

    private func validate() throws(DecodeError) {
        guard fields[.ts] != nil else { throw .badMapping("ts is not mapped (add ts=COLUMN)") }
        guard fields[.kind] != nil else { throw .badMapping("kind is not mapped (add kind=COLUMN or kind=const:pay)") }
        guard fields[.keys] != nil || !keyColumns.isEmpty else {
            throw .badMapping("no identity key is mapped (add keys.member=COLUMN, keys.phone=COLUMN ...)")
        }
        if case .constant = fields[.keys] {
            throw .badMapping("keys must name a column: a constant key would make every row the same consumer")
        }
        if case .constant = fields[.eventID] {
            throw .badMapping("event_id must name a column: a constant id would make every row a duplicate")
        }
        if case .constant(let kind) = fields[.kind], EventKind(name: kind) == nil {
            throw .badMapping("kind=const:\(kind.prefix(30)) is not an event kind (expected one of \(EventKind.allNames))")
        }
        for (field, source) in fields {
            if case .column(let name) = source, name.isEmpty { throw .badMapping("\(field) names an empty column") }
        }
    }

    /// The spec this mapping parses from, fields in canonical order then keys.
    public var description: String {
        var items: [String] = []
        for column in CanonicalColumn.allCases {
            if let source = fields[column] { items.append("\(column)=\(source)") }
        }
        for key in keyColumns { items.append("keys.\(key.type)=\(key.column)") }
        return items.joined(separator: ",")
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return String(s)
    }
}
