/// A problem with a whole input (not one record): the file cannot be read, its header or the
/// column mapping is wrong. Records with problems become ``Reject``s instead.
///
/// Messages name the input and the column, and say how to fix it. Header cells that look like
/// data rather than names (a missing header line) are described by position, never quoted.
public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileNotFound(path: String)
    /// The file exists but could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The extension implies no format.
    case cannotInferFormat(path: String)
    /// A CSV input has no header line.
    case missingHeader(source: String)
    /// The header line cannot be read (a quote left open, or longer than a record may be).
    case badHeader(source: String, reason: String)
    /// A canonical CSV header has a column Kehu does not know. `name` is `nil` when the cell
    /// looks like data (then `position` is what identifies it).
    case unknownColumn(source: String, name: String?, position: Int)
    /// A canonical CSV header lacks a required column.
    case missingColumn(source: String, column: String)
    /// A header names a column twice.
    case duplicateColumn(source: String, name: String?, position: Int)
    /// A column mapping spec cannot be read.
    case badMapping(String)
    /// A column mapping names a column the header does not have.
    case mappedColumnMissing(source: String, field: String, column: String)
    /// The events would have no channel: no channel column or mapping, and no default channel.
    case noChannel(source: String)

    /// The message for the user: which input, which column, and how to fix it.
    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "\(path): no such file"
        case .unreadable(let path, let reason):
            "\(path): cannot read the file: \(reason)"
        case .cannotInferFormat(let path):
            "\(path): cannot tell the format from the file name; name it with --format (csv, jsonl, taobao, cdnow)"
        case .missingHeader(let source):
            "\(source): the file is empty; a CSV file starts with a header line naming its columns"
        case .badHeader(let source, let reason):
            "\(source): line 1: the header cannot be read: \(reason)"
        case .unknownColumn(let source, let name, let position):
            if name == "" {
                "\(source): line 1: column \(position) of the header has no name (a comma too many?); the canonical columns are \(CanonicalColumn.allNames)"
            } else if let name {
                "\(source): line 1: unknown column '\(name)' (column \(position)); the canonical columns are \(CanonicalColumn.allNames). To read another layout, give a column mapping"
            } else {
                "\(source): line 1: column \(position) of the header is not a column name (is the header line missing?); the canonical columns are \(CanonicalColumn.allNames)"
            }
        case .missingColumn(let source, let column):
            "\(source): line 1: the header has no '\(column)' column, which is required"
        case .duplicateColumn(let source, let name, let position):
            if let name {
                "\(source): line 1: column '\(name)' appears twice (again at column \(position))"
            } else {
                "\(source): line 1: column \(position) repeats an earlier column's name"
            }
        case .badMapping(let message):
            "bad column mapping: \(message)"
        case .mappedColumnMissing(let source, let field, let column):
            "\(source): line 1: the mapping reads \(field) from column '\(column)', which the header does not have"
        case .noChannel(let source):
            "\(source): the events have no channel: add a channel column, map one (channel=COLUMN or channel=const:NAME), or give a default channel"
        }
    }
}
