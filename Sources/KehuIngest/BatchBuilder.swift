import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the events of one piece of input: validates a record's fields, interns its strings,
/// appends it to columns, or records one ``Reject`` naming the first field at fault.
///
/// Each decoding thread owns one builder; ``BatchBuilder/merge(_:occurrences:)`` joins the
/// pieces of a chunk in file order into one `EventBatch`. The columns live in manually managed
/// memory (see ``RawColumn``), released by ``merge(_:occurrences:)``.
struct BatchBuilder {
    let source: String
    let zone: ZoneRules
    /// The longest record accepted, in bytes without its line end.
    let maxRecord: Int
    /// Lines of the piece read, set by the piece decoder (line numbers in the builder count
    /// from the piece's start until ``merge(_:firstLines:occurrences:)`` makes them absolute).
    var linesConsumed: Int64 = 0
    var rejects: [Reject] = []
    /// Rewritten text of the current record (unescaped strings, composed keys, derived ids).
    let arena = ByteArena()
    /// Identity keys composed from bare values (mapped CSV columns).
    let keyArena = ByteArena()

    /// The columns of the events so far (EventBatch's layout).
    var columns: EventColumns
    var keys = StringTable()
    var tables = (StringTable(), StringTable(), StringTable(), StringTable(), StringTable(), StringTable(), StringTable())
    /// Events whose fingerprint is still the digest of their content: the occurrence number of
    /// identical content is only known once earlier pieces are merged (see ``DerivedFingerprint``).
    var pendingFingerprints: [Int] = []

    /// The texts of the current record's draft.
    private let draftStorage = UnsafeMutablePointer<UnsafeRawBufferPointer>.allocate(capacity: EventDraft.columnCount)

    /// Extra raw keys of the current record, besides ``EventDraft/keyList``.
    var keySpans: RawColumn<UnsafeRawBufferPointer>

    /// Per code of `keys`: 0 while unchecked, 1 valid, 2 invalid (see `keyErrors`).
    /// Each distinct key is validated once.
    private var keyStatus: [UInt8] = [1]
    private var keyErrors: [UInt32: IdentityKeyError] = [:]
    private var recordKeys: RawColumn<UInt32>
    private var recordKeyTexts: RawColumn<UnsafeRawBufferPointer>
    private var content: [UInt8] = []
    /// The last key list parsed in full (its bytes, up to ``repeatCapacity``), with its keys'
    /// codes and their places in the list: a record whose list is byte for byte the same takes
    /// them as they are (a file sorted by consumer repeats the list from row to row).
    private let lastKeyList = UnsafeMutableRawPointer.allocate(byteCount: BatchBuilder.repeatCapacity, alignment: 8)
    private var lastKeyListCount = -1
    private var lastKeys: RawColumn<UInt32>
    private var lastKeySpans: RawColumn<Range<Int>>
    /// Per field without a ``ShortTextCache`` (content, order_id, texts over 16 bytes): the last
    /// text interned (up to ``repeatCapacity`` bytes, at `f * repeatCapacity`) and its code.
    private let lastFieldTexts = UnsafeMutableRawPointer.allocate(byteCount: 7 * BatchBuilder.repeatCapacity, alignment: 8)
    /// Lengths (-1: none) and codes of those texts, in tuples so they live in the builder itself
    /// like `tables` (the benchmarked form; accessors below).
    private var lastFieldCounts = (-1, -1, -1, -1, -1, -1, -1)
    private var lastFieldCodes: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0)
    /// The longest text the repeat checks remember.
    static let repeatCapacity = 128
    /// Caches in front of the kind lookup and the low-cardinality field tables.
    private let kindCache = ShortTextCache(bits: 8)
    private let dateCache = DateCache()
    private let fieldCaches: [ShortTextCache]
    /// The default channel's bytes, pinned for the builder's life.
    private let constants = ByteArena(capacity: 64)
    private let defaultChannel: UnsafeRawBufferPointer
    private var freed = false

    /// Whether a rejected record left keys in `keys` that no event uses (see ``merge(_:occurrences:)``).
    private(set) var keysDirty = false
    /// `keys.count` when the current record started.
    private var keysBeforeRecord = 0

    init(
        source: String, zone: ZoneRules, defaultChannel: String?, maxRecord: Int, expectedEvents: Int = 0,
        columns: EventColumns? = nil
    ) {
        self.source = source
        self.zone = zone
        self.maxRecord = maxRecord
        let n = max(64, expectedEvents)
        if var recycled = columns {
            recycled.reset()
            self.columns = recycled
        } else {
            self.columns = EventColumns(capacity: n)
        }
        keySpans = RawColumn(capacity: 16)
        recordKeys = RawColumn(capacity: 16)
        recordKeyTexts = RawColumn(capacity: 16)
        lastKeys = RawColumn(capacity: 16)
        lastKeySpans = RawColumn(capacity: 16)
        keys.reserveCapacity(strings: n, bytes: n * 16)
        fieldCaches = (0..<7).map { _ in ShortTextCache(bits: 11) }
        if let channel = defaultChannel, !channel.isEmpty {
            let pinned = constants
            let bytes = Array(channel.utf8)
            let offset = bytes.withUnsafeBytes { pinned.append($0) }
            self.defaultChannel = pinned.bytes(offset, bytes.count)
        } else {
            self.defaultChannel = .empty
        }
    }

    /// An empty draft for the next record (reusing the builder's storage).
    @inline(__always)
    func makeDraft() -> EventDraft { EventDraft(storage: draftStorage) }

    /// Number of events so far.
    var count: Int { columns.ts.count }

    /// Records a record longer than ``maxRecord``.
    mutating func rejectTooLong(line: Int64) {
        reject(line: line, field: "record", reason: Self.tooLongReason(maxRecord))
    }

    static func tooLongReason(_ maxRecord: Int) -> String {
        "the record is longer than \(maxRecord) bytes (is a quote left open?); this line was skipped and reading went on with the next"
    }

    /// Records a bad record.
    mutating func reject(line: Int64, field: String, reason: String) {
        rejects.append(Reject(source: source, line: line, field: field, reason: reason))
        if keys.count > keysBeforeRecord {
            keysDirty = true
            keysBeforeRecord = keys.count
        }
    }

    /// Validates and appends one event, or rejects it. Clears ``keySpans`` either way.
    /// - Complexity: O(length of the record); each distinct key is validated once per builder.
    mutating func commit(_ draft: EventDraft, line: Int64) {
        defer { keySpans.removeAll() }

        // ts
        // Values that are parsed lose surrounding spaces (`, 12.50`); names and ids keep them.
        let tsText = draft.ts.trimmingSpaces()
        if tsText.isEmpty { return reject(line: line, field: "ts", reason: "the time is empty; every event needs one") }
        let ts: Int64
        do { ts = try TimestampFastPath.parse(tsText, zone: zone, cache: dateCache) } catch {
            return reject(line: line, field: "ts", reason: error.description)
        }

        // keys
        recordKeys.removeAll()
        recordKeyTexts.removeAll()
        let list = draft.keyList
        if let listBase = list.baseAddress, list.count > 0 {
            if list.count == lastKeyListCount && memcmp(listBase, lastKeyList, list.count) == 0 {
                // The same list as the last one parsed: its keys, valid and distinct, as they were.
                for k in 0..<lastKeys.count {
                    recordKeys.append(lastKeys[k])
                    recordKeyTexts.append(UnsafeRawBufferPointer(rebasing: list[lastKeySpans[k]]))
                }
            } else {
                var start = 0
                while true {
                    let bar = Self.firstBar(listBase, from: start, end: list.count)
                    if let error = addKey(UnsafeRawBufferPointer(start: listBase + start, count: bar - start)) {
                        return reject(line: line, field: "keys", reason: RawKey.reason(error))
                    }
                    if bar == list.count { break }
                    start = bar + 1
                }
                rememberKeyList(list)
            }
        }
        for k in 0..<keySpans.count {
            if let error = addKey(keySpans[k]) { return reject(line: line, field: "keys", reason: RawKey.reason(error)) }
        }
        if recordKeys.count == 0 { return reject(line: line, field: "keys", reason: IdentityKeyError.noKeys.description) }

        // kind
        let kind: EventKind
        if let resolved = draft.resolvedKind {
            kind = resolved
        } else {
            let kindText = draft.kind.trimmingSpaces()
            guard let named = Self.lookUpKind(kindText, cache: kindCache) else {
                if kindText.isEmpty {
                    return reject(line: line, field: "kind", reason: "the kind is empty (expected one of \(EventKind.allNames))")
                }
                let name = Redaction.quotedName(UnsafeRawBufferPointer(rebasing: kindText.prefix(32)))
                return reject(line: line, field: "kind", reason: "unknown event kind\(name.map { " " + $0 } ?? "") (expected one of \(EventKind.allNames))")
            }
            kind = named
        }

        // channel and order
        var channel = draft.channel
        if channel.isEmpty { channel = defaultChannel }
        if channel.isEmpty {
            return reject(line: line, field: "channel", reason: "the channel is empty; every event needs one (e.g. tmall, jd, wechat_mp, pos)")
        }
        let needsOrder = kind == .order || kind == .pay || kind == .refund
        if needsOrder && draft.orderID.isEmpty {
            return reject(line: line, field: "order_id", reason: "\(kind.name) events need an order_id")
        }

        // money and quantity
        var amount = Money.unknownFen
        let amountText = draft.amount.trimmingSpaces()
        if !amountText.isEmpty {
            switch Self.money(amountText) {
            case .fen(let fen): amount = fen
            case .bad(let reason): return reject(line: line, field: "amount", reason: reason)
            }
        } else if (kind == .pay || kind == .refund) && !draft.amountNeverGiven {
            return reject(line: line, field: "amount", reason: "\(kind.name) events need an amount")
        }
        var listPrice = Money.unknownFen
        let listPriceText = draft.listPrice.trimmingSpaces()
        if !listPriceText.isEmpty {
            switch Self.money(listPriceText) {
            case .fen(let fen): listPrice = fen
            case .bad(let reason): return reject(line: line, field: "list_price", reason: reason.replacingAmount())
            }
        }
        var quantity: Int32 = 0
        let quantityText = draft.quantity.trimmingSpaces()
        if !quantityText.isEmpty {
            guard let units = Self.positiveInt32(quantityText) else {
                return reject(line: line, field: "quantity", reason: "the quantity is not a positive whole number")
            }
            quantity = units
        }

        // fingerprint: of the event_id, or of the content (finished after the merge)
        if draft.eventID.isEmpty {
            pendingFingerprints.append(columns.ts.count)
            columns.fingerprint.append(contentDigest(
                draft, channel: channel, ts: ts, kind: kind, amount: amount, listPrice: listPrice, quantity: quantity))
        } else {
            columns.fingerprint.append(EventFingerprint(eventID: draft.eventID))
        }

        // intern and append
        columns.codes.0.append(internField(0, channel))
        columns.codes.1.append(internField(1, draft.touchpoint))
        columns.codes.2.append(internField(2, draft.campaign))
        columns.codes.3.append(internField(3, draft.content))
        columns.codes.4.append(internField(4, draft.sku))
        columns.codes.5.append(internField(5, draft.category))
        columns.codes.6.append(internField(6, draft.orderID))
        for k in 0..<recordKeys.count { columns.keyCodes.append(recordKeys[k]) }
        columns.keyOffsets.append(UInt32(columns.keyCodes.count))
        columns.ts.append(ts)
        columns.kind.append(kind)
        columns.amount.append(amount)
        columns.listPrice.append(listPrice)
        columns.quantity.append(quantity)
        columns.lines.append(line)
        keysBeforeRecord = keys.count
    }

    /// Remembers a key list whose keys are all in `recordKeys` (see ``lastKeyList``).
    private mutating func rememberKeyList(_ list: UnsafeRawBufferPointer) {
        guard list.count <= Self.repeatCapacity, let listBase = list.baseAddress else {
            lastKeyListCount = -1
            return
        }
        lastKeyList.copyMemory(from: listBase, byteCount: list.count)
        lastKeyListCount = list.count
        lastKeys.removeAll()
        lastKeySpans.removeAll()
        for k in 0..<recordKeys.count {
            lastKeys.append(recordKeys[k])
            let start = recordKeyTexts[k].baseAddress! - listBase
            lastKeySpans.append(start..<(start + recordKeyTexts[k].count))
        }
    }

    /// The offset of the first `|` in `base[from ..< end]`, or `end`; 8 bytes at a time.
    @inline(__always)
    private static func firstBar(_ base: UnsafeRawPointer, from start: Int, end: Int) -> Int {
        var i = start
        while i &+ 8 <= end {
            let mask = BlockScan.byteMask(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)), 0x7C)
            if mask != 0 { return i &+ mask.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end, base.load(fromByteOffset: i, as: UInt8.self) != 0x7C { i &+= 1 }
        return i
    }

    /// The kind named by `bytes`: a file name exactly, else anything `EventKind(name:)` accepts.
    /// (Static, so calling it does not copy the builder.)
    @inline(__always)
    private static func lookUpKind(_ bytes: UnsafeRawBufferPointer, cache: ShortTextCache) -> EventKind? {
        if bytes.isEmpty { return nil }
        if bytes.count <= 16, let raw = cache.value(bytes) { return EventKind(rawValue: UInt8(raw)) }
        guard let kind = EventKind(bytes: bytes) else { return nil }
        if bytes.count <= 16 { cache.store(bytes, UInt32(kind.rawValue)) }
        return kind
    }

    /// The code of a field's text in its table (0 when empty).
    @inline(__always)
    private mutating func internField(_ field: Int, _ text: UnsafeRawBufferPointer) -> UInt32 {
        if text.isEmpty { return 0 }
        // content and order_id have too many distinct values for a cache to pay.
        let cached = field != EventField.content.rawValue && field != EventField.orderID.rawValue && text.count <= 16
        if cached, let code = fieldCaches[field].value(text) { return code }
        // Without a cache: the same text as this field's last one?
        let last = lastFieldTexts + field * Self.repeatCapacity
        if !cached && text.count == lastFieldCount(field) && memcmp(text.baseAddress!, last, text.count) == 0 {
            return lastFieldCode(field)
        }
        let code: UInt32
        switch field {
        case 0: code = tables.0.intern(text)
        case 1: code = tables.1.intern(text)
        case 2: code = tables.2.intern(text)
        case 3: code = tables.3.intern(text)
        case 4: code = tables.4.intern(text)
        case 5: code = tables.5.intern(text)
        default: code = tables.6.intern(text)
        }
        if cached {
            fieldCaches[field].store(text, code)
        } else if text.count <= Self.repeatCapacity {
            last.copyMemory(from: text.baseAddress!, byteCount: text.count)
            setLastField(field, count: text.count, code: code)
        }
        return code
    }

    @inline(__always)
    private func lastFieldCount(_ field: Int) -> Int {
        switch field {
        case 0: lastFieldCounts.0
        case 1: lastFieldCounts.1
        case 2: lastFieldCounts.2
        case 3: lastFieldCounts.3
        case 4: lastFieldCounts.4
        case 5: lastFieldCounts.5
        default: lastFieldCounts.6
        }
    }

    @inline(__always)
    private func lastFieldCode(_ field: Int) -> UInt32 {
        switch field {
        case 0: lastFieldCodes.0
        case 1: lastFieldCodes.1
        case 2: lastFieldCodes.2
        case 3: lastFieldCodes.3
        case 4: lastFieldCodes.4
        case 5: lastFieldCodes.5
        default: lastFieldCodes.6
        }
    }

    @inline(__always)
    private mutating func setLastField(_ field: Int, count: Int, code: UInt32) {
        switch field {
        case 0: (lastFieldCounts.0, lastFieldCodes.0) = (count, code)
        case 1: (lastFieldCounts.1, lastFieldCodes.1) = (count, code)
        case 2: (lastFieldCounts.2, lastFieldCodes.2) = (count, code)
        case 3: (lastFieldCounts.3, lastFieldCodes.3) = (count, code)
        case 4: (lastFieldCounts.4, lastFieldCodes.4) = (count, code)
        case 5: (lastFieldCounts.5, lastFieldCodes.5) = (count, code)
        default: (lastFieldCounts.6, lastFieldCodes.6) = (count, code)
        }
    }

    /// Adds one raw key (trimmed; empty elements are skipped, repeats kept once). Returns why it is invalid.
    @inline(__always)
    private mutating func addKey(_ raw: UnsafeRawBufferPointer) -> IdentityKeyError? {
        let key = raw.trimmingSpaces()
        if key.isEmpty { return nil }
        let code = keys.intern(key)
        if Int(code) == keyStatus.count {
            if let error = RawKey.validate(key) {
                keyErrors[code] = error
                keyStatus.append(2)
            } else {
                keyStatus.append(1)
            }
        }
        if keyStatus[Int(code)] == 2 { return keyErrors[code] }
        for k in 0..<recordKeys.count where recordKeys[k] == code { return nil }
        recordKeys.append(code)
        recordKeyTexts.append(key)
        return nil
    }

    /// The digest of an event's canonical content (docs/formats.md, "Derived fingerprints"):
    /// `EventFingerprint.derived(from:)` of `v1`, ts, kind, keys joined by `|`, the seven string
    /// fields, amount, list price and quantity, separated by U+001F; absent values are empty.
    private mutating func contentDigest(
        _ draft: EventDraft, channel: UnsafeRawBufferPointer, ts: Int64, kind: EventKind,
        amount: Int64, listPrice: Int64, quantity: Int32
    ) -> EventFingerprint {
        content.removeAll(keepingCapacity: true)
        content.append(contentsOf: DerivedFingerprint.prefix)
        content.append(UInt8(ascii: "v"))
        content.append(UInt8(ascii: "1"))
        content.append(DerivedFingerprint.separator)
        appendDecimal(UInt64(ts))
        content.append(DerivedFingerprint.separator)
        content.append(contentsOf: kind.name.utf8)
        content.append(DerivedFingerprint.separator)
        for k in 0..<recordKeyTexts.count {
            if k > 0 { content.append(UInt8(ascii: "|")) }
            content.append(contentsOf: recordKeyTexts[k])
        }
        for raw in 0..<7 {
            content.append(DerivedFingerprint.separator)
            content.append(contentsOf: raw == EventField.channel.rawValue ? channel : draft[EventField(rawValue: raw)!])
        }
        content.append(DerivedFingerprint.separator)
        if amount != Money.unknownFen { appendDecimal(UInt64(amount)) }
        content.append(DerivedFingerprint.separator)
        if listPrice != Money.unknownFen { appendDecimal(UInt64(listPrice)) }
        content.append(DerivedFingerprint.separator)
        if quantity != 0 { appendDecimal(UInt64(quantity)) }
        return content.withUnsafeBytes { EventFingerprint(eventID: $0) }
    }

    private mutating func appendDecimal(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer in
            let end = DerivedFingerprint.appendDecimal(value, to: buffer, at: 0)
            content.append(contentsOf: buffer[0..<end])
        }
    }

    /// Fen of a non-negative amount of yuan, or the reason it is not one.
    @inline(__always)
    static func money(_ text: UnsafeRawBufferPointer) -> AmountParse {
        do {
            let money = try Money.parse(yuanBytes: text)
            if money.fen < 0 {
                return .bad("the amount is negative; amounts are never negative (a refund is an event of kind refund)")
            }
            return .fen(money.fen)
        } catch {
            return .bad(error.description)
        }
    }

    /// A positive decimal integer that fits in 32 bits.
    @inline(__always)
    static func positiveInt32(_ text: UnsafeRawBufferPointer) -> Int32? {
        guard !text.isEmpty, text.count <= 10 else { return nil }
        var value: Int64 = 0
        for byte in text {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        guard value > 0, value <= Int64(Int32.max) else { return nil }
        return Int32(value)
    }

    /// Releases the scratch memory (not the columns, which ``merge(_:occurrences:)`` takes).
    func freeScratch() {
        keySpans.free()
        draftStorage.deallocate()
        recordKeys.free()
        recordKeyTexts.free()
        lastKeys.free()
        lastKeySpans.free()
        lastKeyList.deallocate()
        lastFieldTexts.deallocate()
        kindCache.free()
        dateCache.free()
        for cache in fieldCaches { cache.free() }
    }

    var tableArray: [StringTable] { [tables.0, tables.1, tables.2, tables.3, tables.4, tables.5, tables.6] }

}

/// An amount read from text: fen, or why it is not an amount.
enum AmountParse {
    case fen(Int64)
    case bad(String)
}

extension String {
    /// A money reason rewritten for the list price ("the amount ..." becomes "the list price ...").
    func replacingAmount() -> String {
        hasPrefix("the amount") ? "the list price" + dropFirst("the amount".count) : self
    }
}
