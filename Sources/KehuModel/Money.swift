/// An amount of money in minor units (fen, 分). Money is never a floating-point number in Kehu.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in fen (1 yuan = 100 fen).
    public var fen: Int64

    /// The column value that means "the amount is not known" (for example Taobao UserBehavior
    /// purchases, whose amount the source does not carry). Never a real amount.
    public static let unknownFen: Int64 = .min

    public init(fen: Int64) { self.fen = fen }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }

    /// `¥1,234.50`, with a minus sign before the symbol for negative amounts.
    public var description: String { Money.format(fen: fen) }

    /// Formats fen as yuan with thousands separators: `¥1,234.50`.
    public static func format(fen: Int64, symbol: String = "¥") -> String {
        let negative = fen < 0
        let magnitude = fen.magnitude
        let yuan = magnitude / 100
        let cents = magnitude % 100
        var digits = String(yuan)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        let centText = cents < 10 ? "0\(cents)" : "\(cents)"
        return (negative ? "-" : "") + symbol + grouped + "." + centText
    }

    /// Plain decimal yuan without grouping (`1234.50`), for CSV and JSON output.
    public static func plainYuan(fen: Int64) -> String {
        let negative = fen < 0
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (negative ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
    }

    /// Parses a decimal amount in yuan exactly: `12`, `12.3`, `12.34`, `-0.50`.
    ///
    /// More than two decimals is an error, never rounded. So are thousands separators, exponents,
    /// empty text and amounts beyond ±92 trillion yuan.
    public static func parse(yuan text: some StringProtocol) throws(MoneyParseError) -> Money {
        let utf8 = Array(text.utf8)
        return try utf8.withUnsafeBytes { buffer in
            Result { () throws(MoneyParseError) in try parse(yuanBytes: buffer) }
        }.get()
    }

    /// Parses a decimal amount in yuan from raw bytes (the ingest hot path).
    /// - Complexity: O(n) in the length of the text.
    public static func parse(yuanBytes bytes: UnsafeRawBufferPointer) throws(MoneyParseError) -> Money {
        var index = 0
        let count = bytes.count
        guard count > 0 else { throw .empty }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var value: Int64 = 0
        var integerDigits = 0
        while index < count, bytes[index] >= 48, bytes[index] <= 57 {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[index] - 48))
            if o1 || o2 { throw .outOfRange }
            value = sum
            integerDigits += 1
            index += 1
        }
        var decimals = 0
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, bytes[index] >= 48, bytes[index] <= 57 {
                decimals += 1
                if decimals > 2 { throw .tooManyDecimals }
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[index] - 48))
                if o1 || o2 { throw .outOfRange }
                value = sum
                index += 1
            }
            if decimals == 0 && integerDigits == 0 { throw .notANumber }
        }
        guard index == count, integerDigits + decimals > 0 else { throw .notANumber }
        for _ in decimals..<2 {
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { throw .outOfRange }
            value = times10
        }
        return Money(fen: negative ? -value : value)
    }
}

/// Why a money amount could not be read.
public enum MoneyParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case notANumber
    case tooManyDecimals
    case outOfRange

    public var description: String {
        switch self {
        case .empty: "the amount is empty"
        case .notANumber: "the amount is not a decimal number of yuan (expected e.g. 128.50)"
        case .tooManyDecimals: "the amount has more than 2 decimals; amounts are yuan to the fen and are never rounded"
        case .outOfRange: "the amount is out of range"
        }
    }
}
