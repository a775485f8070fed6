import Foundation
import KehuModel
import Testing

@Suite struct ZoneRulesTests {
    static let hour: Int64 = 3_600_000

    @Test func shanghaiDaysStartAtLocalMidnight() {
        let day = Day(year: 2026, month: 6, day: 18)
        // Midnight at +08:00 is 16:00Z the day before: 1781712000 s.
        #expect(ZoneRules.shanghai.start(of: day) == 1_781_712_000_000)
        #expect(ZoneRules.shanghai.end(of: day) == 1_781_712_000_000 + 24 * Self.hour)
        #expect(ZoneRules.shanghai.day(ofUTC: 1_781_712_000_000) == day)
        #expect(ZoneRules.shanghai.day(ofUTC: 1_781_712_000_000 - 1) == day.advanced(by: -1))
        #expect(ZoneRules.shanghai.hour(ofUTC: 1_781_784_000_000) == 20)   // 12:00Z is 20:00 local
    }

    @Test func newYorkSpringForwardDayHas23Hours() throws {
        let newYork = try ZoneRules(identifier: "America/New_York")
        // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
        let day = Day(year: 2026, month: 3, day: 8)
        #expect(newYork.start(of: day) == 1_772_946_000_000)                 // 05:00Z (midnight EST)
        #expect(newYork.end(of: day) == 1_773_028_800_000)                   // 04:00Z next day (midnight EDT)
        #expect(newYork.end(of: day) - newYork.start(of: day) == 23 * Self.hour)
        #expect(newYork.day(ofUTC: 1_773_028_800_000 - 1) == day)
        #expect(newYork.day(ofUTC: 1_773_028_800_000) == day.advanced(by: 1))
        // 02:30 does not exist that night; it is read as 03:30 EDT (07:30Z), moved forward by the gap.
        let local = Int64(day.index) * 86_400_000 + 2 * Self.hour + 30 * 60_000
        #expect(newYork.utc(fromLocal: local) == 1_772_946_000_000 + 7 * Self.hour + 30 * 60_000 - 5 * Self.hour)
    }

    @Test func newYorkFallBackDayHas25Hours() throws {
        let newYork = try ZoneRules(identifier: "America/New_York")
        // 2026-11-01: clocks fall back from 02:00 EDT to 01:00 EST.
        let day = Day(year: 2026, month: 11, day: 1)
        #expect(newYork.start(of: day) == 1_793_505_600_000)                 // 04:00Z (midnight EDT)
        #expect(newYork.end(of: day) == 1_793_595_600_000)                   // 05:00Z next day (midnight EST)
        #expect(newYork.end(of: day) - newYork.start(of: day) == 25 * Self.hour)
        // 01:30 happens twice; the earlier instant (EDT, 05:30Z) is chosen.
        let local = Int64(day.index) * 86_400_000 + Self.hour + 30 * 60_000
        #expect(newYork.utc(fromLocal: local) == 1_793_505_600_000 + 5 * Self.hour + 30 * 60_000 - 4 * Self.hour)
    }

    @Test func dayStartsAgreeWithFoundationInSeveralZones() throws {
        // An independent computation: Foundation's calendar, for every day of 2025-2027.
        for identifier in ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney", "UTC"] {
            let zone = try ZoneRules(identifier: identifier)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: identifier)!
            var day = Day(year: 2025, month: 1, day: 1)
            while day < Day(year: 2028, month: 1, day: 1) {
                let (y, m, d) = day.civil
                let date = calendar.date(from: DateComponents(year: y, month: m, day: d))!
                let expected = Int64((date.timeIntervalSince1970 * 1000).rounded())
                #expect(zone.start(of: day) == expected, "\(identifier) \(day)")
                day = day.advanced(by: 1)
            }
        }
    }

    @Test func fixedOffsetZonesAndUnknownNames() throws {
        let zone = ZoneRules(fixedOffsetSeconds: -3 * 3600, identifier: "test/-3")
        #expect(zone.offsetMillis(atUTC: 0) == -3 * Self.hour)
        #expect(zone.start(of: Day(index: 1)) == 86_400_000 + 3 * Self.hour)
        #expect(throws: TimeParseError.unknownTimeZone("Mars/Olympus")) { try ZoneRules(identifier: "Mars/Olympus") }
    }
}
