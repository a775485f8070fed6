/// Instants are `Int64` milliseconds since 1970-01-01T00:00:00Z (UTC).
///
/// Accepted inputs (DESIGN section 2):
/// - ISO-8601 with an offset: `2026-06-18T20:00:00+08:00`, `...Z`, `...+0800`, fractional seconds
///   up to milliseconds; `T` or a space between date and time; `/` also accepted in the date.
/// - Local date-times without an offset (`2026-06-18 20:00:00`, `2026-06-18`) are read in the
///   workspace time zone, which is how Chinese platform exports write them.
/// - Epoch seconds (`1718712000`, up to 3 decimals) or epoch milliseconds (`1718712000000`):
///   integers of magnitude below 10^11 are seconds, larger ones milliseconds.
/// Instants must fall between 1970-01-01 and 2100-01-01.
public enum Timestamp {
    /// 2100-01-01T00:00:00Z.
    public static let upperBound: Int64 = 4_102_444_800_000

    /// Parses a timestamp; local times are read in `zone`.
    public static func parse(_ text: some StringProtocol, zone: ZoneRules) throws(TimeParseError) -> Int64 {
        let utf8 = Array(text.utf8)
        return try utf8.withUnsafeBytes { buffer in
            Result { () throws(TimeParseError) in try parse(bytes: buffer, zone: zone) }
        }.get()
    }

    /// Parses a timestamp from raw bytes (the ingest hot path).
    /// - Complexity: O(n) in the length of the text.
    public static func parse(bytes: UnsafeRawBufferPointer, zone: ZoneRules) throws(TimeParseError) -> Int64 {
        guard !bytes.isEmpty else { throw .empty }
        var cursor = ByteCursor(buffer: bytes)
        let ms: Int64
        if cursor.looksLikeDate() {
            ms = try parseCalendar(&cursor, zone: zone)
        } else {
            ms = try parseEpoch(bytes)
        }
        guard ms >= 0, ms < upperBound else { throw .outOfRange }
        return ms
    }

    private static func parseEpoch(_ bytes: UnsafeRawBufferPointer) throws(TimeParseError) -> Int64 {
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") { negative = true; index = 1 }
        var whole: Int64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            guard digits < 16 else { throw .outOfRange }
            whole = whole * 10 + Int64(bytes[index] - 48)
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw .notATimestamp }
        var fractionMs: Int64 = 0
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fractionDigits += 1
                guard fractionDigits <= 3 else { throw .tooPrecise }
                fractionMs = fractionMs * 10 + Int64(bytes[index] - 48)
                index += 1
            }
            guard fractionDigits > 0 else { throw .notATimestamp }
            for _ in fractionDigits..<3 { fractionMs *= 10 }
        }
        guard index == bytes.count else { throw .notATimestamp }
        if negative { throw .outOfRange }
        if whole < 100_000_000_000 {
            return whole * 1000 + fractionMs
        }
        guard fractionDigits == 0 else { throw .notATimestamp }
        return whole
    }

    private static func parseCalendar(_ cursor: inout ByteCursor, zone: ZoneRules) throws(TimeParseError) -> Int64 {
        guard let (y, mo, d) = cursor.date() else { throw .notATimestamp }
        guard Day.isValid(year: y, month: mo, day: d) else { throw .impossibleDate }
        var hour = 0, minute = 0, second = 0, millis: Int64 = 0
        var offset: Int64? = nil
        if !cursor.atEnd {
            guard cursor.consume(UInt8(ascii: "T")) || cursor.consume(UInt8(ascii: " ")) else { throw .notATimestamp }
            guard let h = cursor.digits(2), cursor.consume(UInt8(ascii: ":")), let mi = cursor.digits(2) else {
                throw .notATimestamp
            }
            hour = h
            minute = mi
            if cursor.consume(UInt8(ascii: ":")) {
                guard let s = cursor.digits(2) else { throw .notATimestamp }
                second = s
                if cursor.consume(UInt8(ascii: ".")) || cursor.consume(UInt8(ascii: ",")) {
                    var count = 0
                    while let digit = cursor.digit() {
                        count += 1
                        guard count <= 3 else { throw .tooPrecise }
                        millis = millis * 10 + Int64(digit)
                    }
                    guard count > 0 else { throw .notATimestamp }
                    for _ in count..<3 { millis *= 10 }
                }
            }
            guard hour < 24, minute < 60, second < 60 else { throw .impossibleTime }
            if cursor.consume(UInt8(ascii: "Z")) || cursor.consume(UInt8(ascii: "z")) {
                offset = 0
            } else if let sign = cursor.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                cursor.advance()
                guard let oh = cursor.digits(2) else { throw .badOffset }
                var om = 0
                if cursor.consume(UInt8(ascii: ":")) {
                    guard let m = cursor.digits(2) else { throw .badOffset }
                    om = m
                } else if let m = cursor.digits(2) {
                    om = m
                }
                guard oh <= 18, om < 60 else { throw .badOffset }
                let magnitude = Int64(oh * 3600 + om * 60) * 1000
                offset = sign == UInt8(ascii: "+") ? magnitude : -magnitude
            }
            guard cursor.atEnd else { throw .notATimestamp }
        }
        let days = Int64(Day.daysFromCivil(year: y, month: mo, day: d))
        let local = days * 86_400_000 + Int64(hour * 3600 + minute * 60 + second) * 1000 + millis
        if let offset { return local - offset }
        return zone.utc(fromLocal: local)
    }

    /// ISO-8601 text of an instant in a zone, with its offset: `2026-06-18T20:00:00.000+08:00`.
    public static func format(_ ms: Int64, zone: ZoneRules) -> String {
        let offset = zone.offsetMillis(atUTC: ms)
        let local = ms + offset
        let day = Day(index: Int32(local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000))
        let msOfDay = local - Int64(day.index) * 86_400_000
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let h = msOfDay / 3_600_000, m = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, f = msOfDay % 1000
        let offsetMinutes = abs(offset) / 60_000
        let sign = offset < 0 ? "-" : "+"
        let fraction = f < 10 ? "00\(f)" : f < 100 ? "0\(f)" : "\(f)"
        return "\(day)T\(two(h)):\(two(m)):\(two(s)).\(fraction)\(sign)\(two(offsetMinutes / 60)):\(two(offsetMinutes % 60))"
    }
}

/// Why a time, day or time zone could not be read.
public enum TimeParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case notATimestamp
    case notADate
    case notADayRange
    case reversedRange
    case impossibleDate
    case impossibleTime
    case badOffset
    case tooPrecise
    case outOfRange
    case unknownTimeZone(String)

    public var description: String {
        switch self {
        case .empty: "the time is empty"
        case .notATimestamp:
            "not a timestamp (expected ISO-8601 such as 2026-06-18T20:00:00+08:00, epoch seconds or epoch milliseconds)"
        case .notADate: "not a date (expected YYYY-MM-DD)"
        case .notADayRange: "not a range of days (expected YYYY-MM-DD..YYYY-MM-DD)"
        case .reversedRange: "the range ends before it starts"
        case .impossibleDate: "no such calendar date"
        case .impossibleTime: "no such time of day"
        case .badOffset: "the UTC offset is not of the form +08:00"
        case .tooPrecise: "more precise than milliseconds"
        case .outOfRange: "outside 1970-01-01 to 2100-01-01"
        case .unknownTimeZone(let name): "unknown time zone \(name) (expected an IANA name such as Asia/Shanghai)"
        }
    }
}

/// A forward-only reader over ASCII bytes, for the hand-written parsers.
struct ByteCursor {
    let buffer: UnsafeRawBufferPointer?
    let array: [UInt8]?
    var index = 0
    let count: Int

    init(buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
        array = nil
        count = buffer.count
    }

    init(bytes: [UInt8]) {
        buffer = nil
        array = bytes
        count = bytes.count
    }

    var atEnd: Bool { index >= count }

    func byte(at i: Int) -> UInt8 { buffer.map { $0[i] } ?? array![i] }

    func peek() -> UInt8? { index < count ? byte(at: index) : nil }

    mutating func advance() { index += 1 }

    mutating func consume(_ expected: UInt8) -> Bool {
        guard index < count, byte(at: index) == expected else { return false }
        index += 1
        return true
    }

    mutating func digit() -> Int? {
        guard index < count else { return nil }
        let b = byte(at: index)
        guard b >= 48, b <= 57 else { return nil }
        index += 1
        return Int(b - 48)
    }

    mutating func digits(_ n: Int) -> Int? {
        guard index + n <= count else { return nil }
        var value = 0
        for i in 0..<n {
            let b = byte(at: index + i)
            guard b >= 48, b <= 57 else { return nil }
            value = value * 10 + Int(b - 48)
        }
        index += n
        return value
    }

    /// Whether the text starts with four digits and a date separator, or is eight digits (YYYYMMDD).
    func looksLikeDate() -> Bool {
        guard count >= 8 else { return false }
        for i in 0..<4 where !(48...57).contains(byte(at: index + i)) { return false }
        let separator = byte(at: index + 4)
        if separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") { return true }
        // YYYYMMDD (as in CDNOW); a bare 8-digit epoch would be 1970-04, which no source sends.
        guard count == 8 else { return false }
        for i in 4..<8 where !(48...57).contains(byte(at: index + i)) { return false }
        return true
    }

    /// `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`; single-digit month and day with separators.
    mutating func date() -> (Int, Int, Int)? {
        guard let year = digits(4) else { return nil }
        if consume(UInt8(ascii: "-")) || consume(UInt8(ascii: "/")) {
            let separator = byte(at: index - 1)
            guard let month = oneOrTwoDigits(), consume(separator), let day = oneOrTwoDigits() else { return nil }
            return (year, month, day)
        }
        guard let month = digits(2), let day = digits(2) else { return nil }
        return (year, month, day)
    }

    private mutating func oneOrTwoDigits() -> Int? {
        guard let first = digit() else { return nil }
        if let second = digit() { return first * 10 + second }
        return first
    }
}
