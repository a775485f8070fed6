import Foundation

/// A time zone's UTC offsets as a sorted table of transitions, so turning an instant into a
/// calendar day is a binary search rather than a call into Foundation for every event.
///
/// Asia/Shanghai (the default) has had a fixed +08:00 offset since 1991, so its table has a
/// handful of entries. Transitions are read from the system time-zone database for 1970-2100.
public struct ZoneRules: Sendable, Hashable, Codable {
    /// The IANA identifier, e.g. `Asia/Shanghai`.
    public let identifier: String
    /// Instants (UTC milliseconds) at which a new offset starts; the first is `Int64.min`.
    @usableFromInline let transitions: [Int64]
    /// Offset in milliseconds in force from the matching transition.
    @usableFromInline let offsets: [Int64]

    /// The default workspace time zone.
    public static let shanghai = try! ZoneRules(identifier: "Asia/Shanghai")
    /// UTC, for tests and for sources that are explicitly UTC.
    public static let utc = try! ZoneRules(identifier: "UTC")

    /// Reads a zone's rules from the system time-zone database.
    public init(identifier: String) throws(TimeParseError) {
        guard let zone = TimeZone(identifier: identifier) else { throw .unknownTimeZone(identifier) }
        self.identifier = identifier
        var transitions: [Int64] = [.min]
        var offsets: [Int64] = []
        var date = Date(timeIntervalSince1970: 0)
        let end = Date(timeIntervalSince1970: 4_102_444_800) // 2100-01-01
        offsets.append(Int64(zone.secondsFromGMT(for: date)) * 1000)
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next < end {
            let offset = Int64(zone.secondsFromGMT(for: next)) * 1000
            if offset != offsets.last {
                transitions.append(Int64((next.timeIntervalSince1970 * 1000).rounded()))
                offsets.append(offset)
            }
            date = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// A zone with one fixed offset, for tests.
    public init(fixedOffsetSeconds: Int, identifier: String) {
        self.identifier = identifier
        transitions = [.min]
        offsets = [Int64(fixedOffsetSeconds) * 1000]
    }

    /// The UTC offset in milliseconds in force at an instant.
    /// - Complexity: O(log t) in the number of transitions; O(1) for fixed-offset zones.
    @inlinable
    public func offsetMillis(atUTC ms: Int64) -> Int64 {
        // Most instants are after the zone's last transition (Asia/Shanghai: 1991): O(1).
        if ms >= transitions[transitions.count - 1] { return offsets[offsets.count - 1] }
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if transitions[mid] <= ms { low = mid } else { high = mid - 1 }
        }
        return offsets[low]
    }

    /// The calendar day an instant falls on in this zone.
    @inlinable
    public func day(ofUTC ms: Int64) -> Day {
        let local = ms + offsetMillis(atUTC: ms)
        return Day(index: Int32(local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000))
    }

    /// The hour of the day (0-23) of an instant in this zone.
    @inlinable
    public func hour(ofUTC ms: Int64) -> Int {
        let local = ms + offsetMillis(atUTC: ms)
        let msOfDay = ((local % 86_400_000) + 86_400_000) % 86_400_000
        return Int(msOfDay / 3_600_000)
    }

    /// The UTC instant of a local wall-clock time (milliseconds since the local epoch).
    /// A time in a gap (spring forward) is moved forward by the gap (02:30 reads as 03:30, the
    /// offset in force before the gap); in an overlap (fall back), the earlier instant is used.
    public func utc(fromLocal local: Int64) -> Int64 {
        let first = local - offsetMillis(atUTC: local)
        let second = local - offsetMillis(atUTC: first)
        return offsetMillis(atUTC: second) == local - second ? second : first
    }

    /// The first instant (UTC ms) of a day in this zone.
    public func start(of day: Day) -> Int64 { utc(fromLocal: Int64(day.index) * 86_400_000) }

    /// The first instant after a day ends: "as of D" means before this instant.
    public func end(of day: Day) -> Int64 { start(of: day.advanced(by: 1)) }
}
