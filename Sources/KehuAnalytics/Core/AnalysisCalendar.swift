import KehuModel
import KehuStore

/// Days and windows in the workspace's time zone (DESIGN section 4): "as of D" is through the end
/// of day D; "a window of N days ending D" is days D-N+1 ... D.
public struct AnalysisCalendar: Sendable {
    public let zone: ZoneRules

    public init(zone: ZoneRules) { self.zone = zone }
    public init(_ snapshot: Snapshot) { zone = snapshot.zone }

    /// UTC ms of the first instant of `day`.
    @inlinable public func start(of day: Day) -> Int64 { zone.start(of: day) }
    /// UTC ms just after the last instant of `day` (the exclusive end of "as of `day`").
    @inlinable public func end(of day: Day) -> Int64 { zone.end(of: day) }
    /// The day of an instant.
    @inlinable public func day(of ts: Int64) -> Day { zone.day(ofUTC: ts) }

    /// `[start, end)` in UTC ms of the window of `days` days ending `last`.
    @inlinable
    public func window(days: Int, ending last: Day) -> Range<Int64> {
        start(of: last.advanced(by: -(days - 1)))..<end(of: last)
    }

    /// `[start, end)` in UTC ms of a range of days.
    @inlinable
    public func span(_ range: DayRange) -> Range<Int64> { start(of: range.first)..<end(of: range.last) }
}

extension Snapshot {
    /// The first and last day with any event, or nil for an empty snapshot; the default "as of"
    /// of every analysis is the last.
    /// - Complexity: O(consumers) the first time (each consumer's events are in time order).
    public var dataDays: DayRange? {
        derived.value("dataDays") { () -> DayRange? in
            guard eventCount > 0 else { return nil }
            var low = Int64.max
            var high = Int64.min
            for c in 0..<consumerCount {
                let rows = events(of: c)
                guard !rows.isEmpty else { continue }
                low = min(low, ts[rows.lowerBound])
                high = max(high, ts[rows.upperBound - 1])
            }
            return DayRange(zone.day(ofUTC: low), zone.day(ofUTC: high))
        }
    }

    /// The first row of consumer `c` at or after `instant` (binary search on the consumer's times).
    @inlinable
    public func firstEvent(of c: Int, atOrAfter instant: Int64) -> Int {
        var low = Int(eventStart[c])
        var high = Int(eventStart[c + 1])
        while low < high {
            let mid = (low + high) >> 1
            if ts[mid] < instant { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
