import KehuModel

/// Decodes CDNOW purchases as shipped with the Python `lifetimes` package:
/// `CDNOW_master.txt` (`customer_id date number_of_cds dollar_value`, whitespace-separated, with
/// a header line) and `CDNOW_sample.txt` (the same with the sample's own customer index after the
/// customer id, no header).
///
/// Each line is one `pay` event: key `member:<customer_id>` (leading zeros kept), time the local
/// midnight of the date in the workspace zone, quantity the number of CDs, amount the dollars in
/// cents exactly, and order id `<customer_id>-<date>-<n>`, n counting that customer's lines on
/// that date. Runs on one thread because of that count.
struct CDNOWDecoder: PieceDecoder {
    private var ordersPerDay = OccurrenceCounter()
    /// No record read yet: the master file's header line may come.
    private var atStart = true

    var quoteAware: Bool { false }
    var parallel: Bool { false }

    private static let memberPrefix = Array("member:".utf8)

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
            let count = text.splitWhitespace(into: &fields)
            // The master file starts with a header line of column names.
            if atStart {
                atStart = false
                if count > 0, !(fields[0][0] >= 0x30 && fields[0][0] <= 0x39) { continue }
            }
            guard count == 4 || count == 5 else {
                builder.reject(
                    line: line, field: "record",
                    reason: "expected 4 columns (customer_id date number_of_cds dollar_value) or 5 (with the sample's customer index); the line has \(count)")
                continue
            }
            let customer = fields[0]
            let date = fields[count - 3]
            guard date.count == 8, date.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                builder.reject(line: line, field: "date", reason: "the date is not of the form YYYYMMDD")
                continue
            }
            arena.reserve(Self.memberPrefix.count + 2 * customer.count + date.count + 16)
            let keyStart = arena.count
            Self.memberPrefix.withUnsafeBytes { _ = arena.append($0) }
            arena.append(customer)
            let key = arena.bytes(keyStart, arena.count - keyStart)
            let orderStart = arena.count
            arena.append(customer)
            arena.append(byte: UInt8(ascii: "-"))
            arena.append(date)
            let number = ordersPerDay.next(StableHash.hash(arena.bytes(orderStart, arena.count - orderStart), seed: 0x6364))
            arena.append(byte: UInt8(ascii: "-"))
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { digits in
                let end = DerivedFingerprint.appendDecimal(UInt64(number) + 1, to: digits, at: 0)
                arena.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: digits[0..<end])))
            }
            var draft = builder.makeDraft()
            draft.resolvedKind = .pay
            draft.ts = date
            draft.orderID = arena.bytes(orderStart, arena.count - orderStart)
            draft.quantity = fields[count - 2]
            draft.amount = fields[count - 1]
            builder.keySpans.append(key)
            builder.commit(draft, line: line)
        }
        builder.linesConsumed = reader.line - firstLine
    }
}
