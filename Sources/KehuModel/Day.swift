/// A calendar day, counted from 1970-01-01 (day 0) in the proleptic Gregorian calendar.
///
/// Which instant a day starts at depends on the workspace's time zone: see ``ZoneRules``.
public struct Day: Sendable, Hashable, Comparable, Strideable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var index: Int32

    /// Encoded as its `YYYY-MM-DD` text, as people and other tools read dates.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Day.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text): \(error)")
        }
    }

    public init(index: Int32) { self.index = index }

    /// The day with this civil date. The date is not validated; see ``parse(_:)`` for that.
    public init(year: Int, month: Int, day: Int) {
        index = Int32(Day.daysFromCivil(year: year, month: month, day: day))
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.index < rhs.index }
    public func distance(to other: Day) -> Int { Int(other.index - index) }
    public func advanced(by n: Int) -> Day { Day(index: index + Int32(n)) }

    /// (year, month 1-12, day 1-31).
    public var civil: (year: Int, month: Int, day: Int) { Day.civilFromDays(Int(index)) }

    /// `2026-06-18`.
    public var description: String {
        let (y, m, d) = civil
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// Day of the week, 1 = Monday ... 7 = Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var isoWeekday: Int { Int(((Int64(index) % 7 + 7 + 3) % 7) + 1) }

    /// Parses `YYYY-MM-DD` (also `YYYY/MM/DD` and `YYYYMMDD`), rejecting impossible dates.
    public static func parse(_ text: some StringProtocol) throws(TimeParseError) -> Day {
        let bytes = Array(text.utf8)
        var parser = ByteCursor(bytes: bytes)
        guard let (y, m, d) = parser.date(), parser.atEnd else { throw .notADate }
        guard Day.isValid(year: y, month: m, day: d) else { throw .impossibleDate }
        return Day(year: y, month: m, day: d)
    }

    /// Whether a civil date exists (month 1-12, day within the month, year 1-9999).
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        return day <= daysInMonth(year: year, month: month)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil calendar algorithms (public domain).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// An inclusive range of days, written `2026-11-01..2026-11-11`.
public struct DayRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var first: Day
    public var last: Day

    public init(_ first: Day, _ last: Day) {
        self.first = first
        self.last = last
    }

    /// The window of `days` days ending on `last` (`last - days + 1 ... last`).
    public init(ending last: Day, days: Int) {
        self.init(last.advanced(by: -(days - 1)), last)
    }

    public var dayCount: Int { first.distance(to: last) + 1 }
    public func contains(_ day: Day) -> Bool { day >= first && day <= last }
    public var description: String { "\(first)..\(last)" }

    /// Parses `D1..D2`; the first day must not be after the last.
    public static func parse(_ text: some StringProtocol) throws(TimeParseError) -> DayRange {
        let string = String(text)
        guard let separator = string.range(of: ".."),
            !string[separator.upperBound...].contains("."), !string[..<separator.lowerBound].contains(".")
        else { throw .notADayRange }
        let range = DayRange(
            try Day.parse(string[..<separator.lowerBound]), try Day.parse(string[separator.upperBound...]))
        guard range.first <= range.last else { throw .reversedRange }
        return range
    }
}
