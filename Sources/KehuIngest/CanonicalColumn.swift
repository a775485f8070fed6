import KehuModel

/// The columns of the canonical event CSV, which are also the fields of canonical JSONL and the
/// targets of a ``ColumnMapping`` (docs/formats.md).
public enum CanonicalColumn: String, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    case eventID = "event_id"
    case ts
    case keys
    case kind
    case channel
    case touchpoint
    case campaign
    case content
    case sku
    case category
    case orderID = "order_id"
    case amount
    case listPrice = "list_price"
    case quantity

    /// The name in headers, JSON and mapping specs.
    public var name: String { rawValue }
    /// The name, as in ``name``.
    public var description: String { rawValue }

    /// The dictionary-encoded batch field this column fills, if it is one.
    public var eventField: EventField? {
        switch self {
        case .channel: .channel
        case .touchpoint: .touchpoint
        case .campaign: .campaign
        case .content: .content
        case .sku: .sku
        case .category: .category
        case .orderID: .orderID
        case .eventID, .ts, .keys, .kind, .amount, .listPrice, .quantity: nil
        }
    }

    /// Columns a canonical CSV header must have.
    public static let required: [CanonicalColumn] = [.ts, .keys, .kind]

    /// Every column name, for messages.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Matches a header cell or JSON field name: exact, or ASCII case-insensitive.
    init?(name bytes: UnsafeRawBufferPointer) {
        for column in CanonicalColumn.allCases {
            let utf8 = column.rawValue.utf8
            guard utf8.count == bytes.count else { continue }
            if zip(utf8, bytes).allSatisfy({ $0 == ($1 >= 65 && $1 <= 90 ? $1 + 32 : $1) }) {
                self = column
                return
            }
        }
        return nil
    }

    /// Position in `allCases`, for arrays indexed by column.
    var index: Int {
        switch self {
        case .eventID: 0
        case .ts: 1
        case .keys: 2
        case .kind: 3
        case .channel: 4
        case .touchpoint: 5
        case .campaign: 6
        case .content: 7
        case .sku: 8
        case .category: 9
        case .orderID: 10
        case .amount: 11
        case .listPrice: 12
        case .quantity: 13
        }
    }
}
