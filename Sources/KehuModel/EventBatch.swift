/// The dictionary-encoded string fields of an event (DESIGN section 2).
/// Raw values index ``EventBatch/codes`` and are stored on disk: append only.
public enum EventField: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case channel = 0
    case touchpoint = 1
    case campaign = 2
    case content = 3
    case sku = 4
    case category = 5
    case orderID = 6

    /// The field's name in files and the API.
    public var name: String {
        switch self {
        case .channel: "channel"
        case .touchpoint: "touchpoint"
        case .campaign: "campaign"
        case .content: "content"
        case .sku: "sku"
        case .category: "category"
        case .orderID: "order_id"
        }
    }

    public var description: String { name }

    public init?(name: some StringProtocol) {
        guard let field = EventField.allCases.first(where: { $0.name == name }) else { return nil }
        self = field
    }
}

/// One event before identity resolution, in columnar form. Decoders and the generator produce
/// batches; the ingest pipeline resolves their keys, drops duplicates and writes segments.
///
/// Identity keys are held as interned `type:value` text *before* phone and email hashing, so
/// each distinct key is hashed once per batch, not once per event. A batch lives only in memory.
public struct EventBatch: Sendable {
    public private(set) var fingerprint: [EventFingerprint] = []
    /// UTC milliseconds.
    public private(set) var ts: [Int64] = []
    public private(set) var kind: [EventKind] = []
    /// `keyOffsets[i] ..< keyOffsets[i + 1]` index ``keyCodes`` for event `i`.
    public private(set) var keyOffsets: [UInt32] = [0]
    /// Codes into ``keys``.
    public private(set) var keyCodes: [UInt32] = []
    /// Interned `type:value` key text, as read from the source (not yet hashed).
    public var keys = StringTable()
    /// Per ``EventField``, a code per event into ``tables`` (0 = absent).
    public private(set) var codes: [[UInt32]] = Array(repeating: [], count: EventField.allCases.count)
    /// Per ``EventField``, the dictionary of its values.
    public var tables: [StringTable] = Array(repeating: StringTable(), count: EventField.allCases.count)
    /// Paid or refunded amount in fen; ``Money/unknownFen`` when absent or unknown.
    public private(set) var amount: [Int64] = []
    /// List price in fen; ``Money/unknownFen`` when absent.
    public private(set) var listPrice: [Int64] = []
    /// Units; 0 when absent.
    public private(set) var quantity: [Int32] = []
    /// Where each event came from: the 1-based line in its file, or its index in a request batch.
    public private(set) var source: [Int64] = []

    public init() {}

    /// A batch from whole columns, as decoders build them (no per-event copying).
    ///
    /// `keyOffsets` has one more element than there are events and starts at 0; `codes` and
    /// `tables` have one element per ``EventField``; every code must exist in its table.
    /// The column lengths are checked; the codes are checked in debug builds only.
    /// - Complexity: O(1) in release builds.
    public init(
        fingerprint: [EventFingerprint], ts: [Int64], kind: [EventKind], keyOffsets: [UInt32], keyCodes: [UInt32],
        keys: StringTable, codes: [[UInt32]], tables: [StringTable], amount: [Int64], listPrice: [Int64],
        quantity: [Int32], source: [Int64]
    ) {
        let n = ts.count
        precondition(
            fingerprint.count == n && kind.count == n && keyOffsets.count == n + 1 && amount.count == n
                && listPrice.count == n && quantity.count == n && source.count == n,
            "every column of an event batch has one value per event")
        precondition(keyOffsets.first == 0 && Int(keyOffsets.last!) == keyCodes.count, "key offsets span the key codes")
        precondition(
            codes.count == EventField.allCases.count && tables.count == EventField.allCases.count
                && codes.allSatisfy { $0.count == n },
            "one code column and one table per event field")
        assert(keyCodes.allSatisfy { $0 > 0 && Int($0) < keys.codeCount }, "key codes exist in the key table")
        assert(zip(codes, tables).allSatisfy { column, table in column.allSatisfy { Int($0) < table.codeCount } })
        self.fingerprint = fingerprint
        self.ts = ts
        self.kind = kind
        self.keyOffsets = keyOffsets
        self.keyCodes = keyCodes
        self.keys = keys
        self.codes = codes
        self.tables = tables
        self.amount = amount
        self.listPrice = listPrice
        self.quantity = quantity
        self.source = source
    }

    /// Number of events.
    public var count: Int { ts.count }
    public var isEmpty: Bool { ts.isEmpty }

    /// Reserves room for `n` more events.
    public mutating func reserve(_ n: Int) {
        fingerprint.reserveCapacity(count + n)
        ts.reserveCapacity(count + n)
        kind.reserveCapacity(count + n)
        keyOffsets.reserveCapacity(count + n + 1)
        keyCodes.reserveCapacity(keyCodes.count + 2 * n)
        for f in 0..<codes.count { codes[f].reserveCapacity(count + n) }
        amount.reserveCapacity(count + n)
        listPrice.reserveCapacity(count + n)
        quantity.reserveCapacity(count + n)
        source.reserveCapacity(count + n)
    }

    /// Appends one event whose strings are already interned in this batch's tables.
    /// `fieldCodes[f]` is the code for ``EventField`` raw value `f` (lane 7 is unused).
    public mutating func append(
        fingerprint: EventFingerprint, ts: Int64, kind: EventKind,
        keyCodes: some Sequence<UInt32>, fieldCodes: SIMD8<UInt32>,
        amount: Int64, listPrice: Int64, quantity: Int32, source: Int64
    ) {
        self.fingerprint.append(fingerprint)
        self.ts.append(ts)
        self.kind.append(kind)
        self.keyCodes.append(contentsOf: keyCodes)
        keyOffsets.append(UInt32(self.keyCodes.count))
        for f in 0..<EventField.allCases.count { codes[f].append(fieldCodes[f]) }
        self.amount.append(amount)
        self.listPrice.append(listPrice)
        self.quantity.append(quantity)
        self.source.append(source)
    }

    /// Appends one event given as strings (interning them).
    public mutating func append(_ record: EventRecord, source: Int64) {
        var fieldCodes = SIMD8<UInt32>(repeating: 0)
        for field in EventField.allCases {
            if let value = record[field] { fieldCodes[field.rawValue] = tables[field.rawValue].intern(value) }
        }
        // An empty key text would be code 0 ("absent"): it is not a key, so it is left out.
        let keyCodes = record.keys.filter { !$0.isEmpty }.map { keys.intern($0) }
        append(
            fingerprint: record.fingerprint, ts: record.ts, kind: record.kind, keyCodes: keyCodes,
            fieldCodes: fieldCodes, amount: record.amount ?? Money.unknownFen,
            listPrice: record.listPrice ?? Money.unknownFen, quantity: record.quantity ?? 0, source: source)
    }

    /// The key codes of event `i`.
    public func keyCodes(of i: Int) -> ArraySlice<UInt32> {
        keyCodes[Int(keyOffsets[i])..<Int(keyOffsets[i + 1])]
    }

    /// The code of a field for event `i` (0 = absent).
    public func code(_ field: EventField, _ i: Int) -> UInt32 { codes[field.rawValue][i] }

    /// The string value of a field for event `i`.
    public func value(_ field: EventField, _ i: Int) -> String? {
        tables[field.rawValue].string(codes[field.rawValue][i])
    }

    /// Event `i` as a record of strings (for tests, the inbox and error reports).
    public func record(at i: Int) -> EventRecord {
        var record = EventRecord(
            fingerprint: fingerprint[i], ts: ts[i], kind: kind[i],
            keys: keyCodes(of: i).map { keys.string($0)! })
        for field in EventField.allCases { record[field] = value(field, i) }
        record.amount = amount[i] == Money.unknownFen ? nil : amount[i]
        record.listPrice = listPrice[i] == Money.unknownFen ? nil : listPrice[i]
        record.quantity = quantity[i] == 0 ? nil : quantity[i]
        return record
    }

    /// Appends every event of `other`, re-coding its strings into this batch's tables.
    /// - Complexity: O(events + distinct strings of `other`).
    public mutating func append(contentsOf other: EventBatch) {
        reserve(other.count)
        let keyMap = Self.recode(other.keys, into: &keys)
        var fieldMaps: [[UInt32]] = []
        for f in 0..<tables.count { fieldMaps.append(Self.recode(other.tables[f], into: &tables[f])) }
        for i in 0..<other.count {
            var fieldCodes = SIMD8<UInt32>(repeating: 0)
            for f in 0..<fieldMaps.count { fieldCodes[f] = fieldMaps[f][Int(other.codes[f][i])] }
            append(
                fingerprint: other.fingerprint[i], ts: other.ts[i], kind: other.kind[i],
                keyCodes: other.keyCodes(of: i).lazy.map { keyMap[Int($0)] }, fieldCodes: fieldCodes,
                amount: other.amount[i], listPrice: other.listPrice[i], quantity: other.quantity[i],
                source: other.source[i])
        }
    }

    /// Keeps only the events at `indices` (ascending), with the same tables.
    public func selecting(_ indices: some Sequence<Int>) -> EventBatch {
        var out = EventBatch()
        out.keys = keys
        out.tables = tables
        for i in indices {
            var fieldCodes = SIMD8<UInt32>(repeating: 0)
            for f in 0..<codes.count { fieldCodes[f] = codes[f][i] }
            out.append(
                fingerprint: fingerprint[i], ts: ts[i], kind: kind[i], keyCodes: keyCodes(of: i),
                fieldCodes: fieldCodes, amount: amount[i], listPrice: listPrice[i], quantity: quantity[i],
                source: source[i])
        }
        return out
    }

    /// A map from `table`'s codes to codes in `target` (code 0 maps to 0).
    public static func recode(_ table: StringTable, into target: inout StringTable) -> [UInt32] {
        var map = [UInt32](repeating: 0, count: table.codeCount)
        for code in 1..<max(1, table.codeCount) {
            map[code] = table.withBytes(UInt32(code)) { target.intern($0) }
        }
        return map
    }
}

/// One event with its string fields spelled out. Used where convenience beats speed: tests,
/// the streaming inbox, error reports. Amounts are fen; `nil` means absent.
public struct EventRecord: Sendable, Hashable, Codable {
    public var fingerprint: EventFingerprint
    public var ts: Int64
    public var kind: EventKind
    /// `type:value` keys as given by the source (phones and emails not yet hashed).
    public var keys: [String]
    public var channel: String?
    public var touchpoint: String?
    public var campaign: String?
    public var content: String?
    public var sku: String?
    public var category: String?
    public var orderID: String?
    public var amount: Int64?
    public var listPrice: Int64?
    public var quantity: Int32?

    public init(
        fingerprint: EventFingerprint, ts: Int64, kind: EventKind, keys: [String],
        channel: String? = nil, touchpoint: String? = nil, campaign: String? = nil, content: String? = nil,
        sku: String? = nil, category: String? = nil, orderID: String? = nil,
        amount: Int64? = nil, listPrice: Int64? = nil, quantity: Int32? = nil
    ) {
        self.fingerprint = fingerprint
        self.ts = ts
        self.kind = kind
        self.keys = keys
        self.channel = channel
        self.touchpoint = touchpoint
        self.campaign = campaign
        self.content = content
        self.sku = sku
        self.category = category
        self.orderID = orderID
        self.amount = amount
        self.listPrice = listPrice
        self.quantity = quantity
    }

    /// A record identified by an `event_id`.
    public init(
        eventID: String, ts: Int64, kind: EventKind, keys: [String], channel: String? = nil,
        touchpoint: String? = nil, campaign: String? = nil, content: String? = nil, sku: String? = nil,
        category: String? = nil, orderID: String? = nil, amount: Int64? = nil, listPrice: Int64? = nil,
        quantity: Int32? = nil
    ) {
        self.init(
            fingerprint: EventFingerprint(eventID: eventID), ts: ts, kind: kind, keys: keys, channel: channel,
            touchpoint: touchpoint, campaign: campaign, content: content, sku: sku, category: category,
            orderID: orderID, amount: amount, listPrice: listPrice, quantity: quantity)
    }

    /// A field by ``EventField``.
    public subscript(field: EventField) -> String? {
        get {
            switch field {
            case .channel: channel
            case .touchpoint: touchpoint
            case .campaign: campaign
            case .content: content
            case .sku: sku
            case .category: category
            case .orderID: orderID
            }
        }
        set {
            switch field {
            case .channel: channel = newValue
            case .touchpoint: touchpoint = newValue
            case .campaign: campaign = newValue
            case .content: content = newValue
            case .sku: sku = newValue
            case .category: category = newValue
            case .orderID: orderID = newValue
            }
        }
    }
}
