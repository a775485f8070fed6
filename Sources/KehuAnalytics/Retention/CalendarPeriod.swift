import KehuModel

/// Calendar periods for cohorts and lifecycle intervals: ISO weeks (Monday to Sunday) or
/// calendar months, of days in the workspace time zone. Periods are numbered consecutively so
/// that "k periods later" is a subtraction.
public enum CalendarPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    case week, month

    /// Day index 4 (1970-01-05) was a Monday.
    private static let firstMonday: Int32 = 4

    /// The number of the period holding `day`.
    /// - Complexity: O(1).
    public func index(of day: Day) -> Int {
        switch self {
        case .week:
            let offset = Int(day.index - Self.firstMonday)
            return offset >= 0 ? offset / 7 : (offset - 6) / 7
        case .month:
            let (year, month, _) = day.civil
            return year * 12 + (month - 1)
        }
    }

    /// The first day of period `index`.
    public func firstDay(of index: Int) -> Day {
        switch self {
        case .week: Day(index: Self.firstMonday + Int32(index * 7))
        case .month: Day(year: index / 12, month: index % 12 + 1, day: 1)
        }
    }

    /// The last day of period `index`.
    public func lastDay(of index: Int) -> Day { firstDay(of: index + 1).advanced(by: -1) }

    /// `2026-06-01` (the Monday) for a week, `2026-06` for a month.
    public func label(of index: Int) -> String {
        switch self {
        case .week: "\(firstDay(of: index))"
        case .month: String("\(firstDay(of: index))".prefix(7))
        }
    }

    /// The Chinese name: 周 or 月.
    public var chineseName: String { self == .week ? "周" : "月" }

    /// The periods from the one holding `from` (default: `count` periods ending with the one
    /// holding `to`) through the one holding `to`.
    public func indices(from: Day?, to: Day, defaultCount: Int) -> ClosedRange<Int> {
        let last = index(of: to)
        let first = from.map(index(of:)) ?? last - (defaultCount - 1)
        return min(first, last)...last
    }
}

/// Turns instants into period numbers for one consumer's events in time order, converting to a
/// day only when an instant crosses into a new period.
struct PeriodCursor {
    let unit: CalendarPeriod
    let calendar: AnalysisCalendar
    private(set) var current = Int.min
    private var start = Int64.max
    private var end = Int64.min

    init(_ unit: CalendarPeriod, _ calendar: AnalysisCalendar) {
        self.unit = unit
        self.calendar = calendar
    }

    /// The period of `ts`.
    /// - Complexity: O(1); amortised cheaper for instants in time order.
    mutating func period(of ts: Int64) -> Int {
        if ts >= start && ts < end { return current }
        current = unit.index(of: calendar.day(of: ts))
        start = calendar.start(of: unit.firstDay(of: current))
        end = calendar.end(of: unit.lastDay(of: current))
        return current
    }
}
