/// The file formats Kehu decodes into events (docs/formats.md).
public enum InputFormat: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Canonical event CSV, or any CSV read through a ``ColumnMapping``.
    case csv
    /// Canonical event JSON Lines: one flat object per line.
    case jsonl
    /// Tianchi Taobao UserBehavior CSV (`user_id,item_id,category_id,behavior_type,timestamp`, no header).
    case taobao
    /// CDNOW transactions as shipped with the Python `lifetimes` package.
    case cdnow

    /// The name used by `--format`.
    public var description: String { rawValue }

    /// The format a file's extension implies: `.csv` is CSV, `.jsonl` and `.ndjson` are JSON Lines.
    ///
    /// Taobao and CDNOW files must be named explicitly: their extensions (`.csv`, `.txt`) say nothing
    /// about their layout. Returns `nil` when the extension implies no format.
    public init?(inferringFromPath path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "csv": self = .csv
        case "jsonl", "ndjson": self = .jsonl
        default: return nil
        }
    }

    /// The format a file's extension implies, or an error that tells the user to name one.
    public static func inferred(fromPath path: String) throws(DecodeError) -> InputFormat {
        guard let format = InputFormat(inferringFromPath: path) else { throw .cannotInferFormat(path: path) }
        return format
    }

    /// The channel events of this format get when the source names none and the options give none.
    public var builtInChannel: String? {
        switch self {
        case .taobao: "taobao"
        case .cdnow: "cdnow"
        case .csv, .jsonl: nil
        }
    }
}
