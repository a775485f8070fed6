import KehuModel

/// Decodes the Tianchi Taobao UserBehavior data set: `user_id,item_id,category_id,behavior_type,timestamp`
/// without a header, timestamps in epoch seconds.
///
/// `pv` is a `view`, `fav` a `favorite`, `cart` a `cart`; `buy` becomes an `order` and a `pay`
/// event sharing a derived order id. The data set has no amounts, so purchases carry
/// ``Money/unknownFen`` (never zero). Keys are `buyer:<user_id>`; `sku` is the item and
/// `category` the category. Runs on one thread: order ids count repeated purchases in file order.
struct TaobaoDecoder: PieceDecoder {
    /// How many `buy` lines with the same user, item and time came before, for the order ids.
    private var purchases = OccurrenceCounter()

    var quoteAware: Bool { false }
    var parallel: Bool { false }

    private static let buyerPrefix = Array("buyer:".utf8)

    mutating func decode(
        _ piece: UnsafeRawBufferPointer, firstLine: Int64, quoteFree: Bool, into builder: inout BatchBuilder
    ) {
        var reader = LineReader(piece, firstLine: firstLine)
        var fields = Array(repeating: UnsafeRawBufferPointer.empty, count: 5)
        let arena = builder.arena
        while let (text, line) = reader.next() {
            if text.count > builder.maxRecord {
                builder.rejectTooLong(line: line)
                continue
            }
            if text.isBlank { continue }
            arena.count = 0
            let count = text.split(separator: UInt8(ascii: ","), into: &fields)
            guard count == 5 else {
                builder.reject(
                    line: line, field: "record",
                    reason: "expected 5 columns (user_id,item_id,category_id,behavior_type,timestamp); the line has \(count)")
                continue
            }
            let user = fields[0].trimmingSpaces()
            let behavior = fields[3].trimmingSpaces()
            let kind: EventKind?
            switch behavior.count {
            case 2 where behavior.equals("pv"): kind = .view
            case 3 where behavior.equals("fav"): kind = .favorite
            case 4 where behavior.equals("cart"): kind = .cart
            case 3 where behavior.equals("buy"): kind = nil
            default:
                let name = Redaction.quotedName(UnsafeRawBufferPointer(rebasing: behavior.prefix(32)))
                builder.reject(
                    line: line, field: "behavior_type",
                    reason: "unknown behavior type\(name.map { " " + $0 } ?? "") (expected pv, fav, cart or buy)")
                continue
            }
            if user.isEmpty {
                builder.reject(line: line, field: "user_id", reason: "the user_id is empty")
                continue
            }
            // The key and, for a purchase, the order id are composed in the arena before any
            // span into it is taken.
            let ts = fields[4].trimmingSpaces()
            let item = fields[1].trimmingSpaces()
            arena.reserve(Self.buyerPrefix.count + user.count + user.count + item.count + ts.count + 16)
            let keyStart = arena.count
            Self.buyerPrefix.withUnsafeBytes { _ = arena.append($0) }
            arena.append(user)
            let key = arena.bytes(keyStart, arena.count - keyStart)

            var draft = builder.makeDraft()
            draft.ts = ts
            draft.sku = item
            draft.category = fields[2].trimmingSpaces()
            if let kind {
                draft.resolvedKind = kind
                builder.keySpans.append(key)
                builder.commit(draft, line: line)
                continue
            }
            // A purchase: validate the time once, so a bad line is one reject, not two.
            do { _ = try Timestamp.parse(bytes: ts, zone: builder.zone) } catch {
                builder.reject(line: line, field: "ts", reason: error.description)
                continue
            }
            let orderStart = arena.count
            arena.append(user)
            arena.append(byte: UInt8(ascii: "-"))
            arena.append(item)
            arena.append(byte: UInt8(ascii: "-"))
            arena.append(ts)
            let repeatNumber = purchases.next(StableHash.hash(arena.bytes(orderStart, arena.count - orderStart), seed: 0x7462))
            arena.append(byte: UInt8(ascii: "-"))
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { digits in
                let end = DerivedFingerprint.appendDecimal(UInt64(repeatNumber) + 1, to: digits, at: 0)
                arena.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: digits[0..<end])))
            }
            draft.orderID = arena.bytes(orderStart, arena.count - orderStart)
            draft.amountNeverGiven = true
            let rejectsBefore = builder.rejects.count
            draft.resolvedKind = .order
            builder.keySpans.append(key)
            builder.commit(draft, line: line)
            if builder.rejects.count > rejectsBefore { continue }
            draft.resolvedKind = .pay
            builder.keySpans.append(key)
            builder.commit(draft, line: line)
        }
        builder.linesConsumed = reader.line - firstLine
    }
}
