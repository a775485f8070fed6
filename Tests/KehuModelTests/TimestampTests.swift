import KehuModel
import Testing

@Suite struct TimestampTests {
    // 2026-06-18T20:00:00Z is 1781812800 s after the epoch; 20:00 at +08:00 is 12:00Z, 1781784000 s.
    static let eightPMUTC: Int64 = 1_781_812_800_000
    static let eightPMShanghai: Int64 = 1_781_784_000_000

    @Test func readsISOWithZAndOffsets() throws {
        #expect(try Timestamp.parse("2026-06-18T20:00:00Z", zone: .utc) == Self.eightPMUTC)
        #expect(try Timestamp.parse("2026-06-18T20:00:00+08:00", zone: .utc) == Self.eightPMShanghai)
        #expect(try Timestamp.parse("2026-06-18T20:00:00+0800", zone: .utc) == Self.eightPMShanghai)
        #expect(try Timestamp.parse("2026-06-18 20:00:00+08", zone: .utc) == Self.eightPMShanghai)
        // -05:30 puts the instant 5.5 h after 20:00Z.
        #expect(try Timestamp.parse("2026-06-18T20:00:00-05:30", zone: .utc) == Self.eightPMUTC + 19_800_000)
    }

    @Test func readsFractionsUpToMilliseconds() throws {
        #expect(try Timestamp.parse("2026-06-18T20:00:00.123Z", zone: .utc) == Self.eightPMUTC + 123)
        #expect(try Timestamp.parse("2026-06-18T20:00:00.5Z", zone: .utc) == Self.eightPMUTC + 500)
        #expect(throws: TimeParseError.tooPrecise) { try Timestamp.parse("2026-06-18T20:00:00.1234Z", zone: .utc) }
    }

    @Test func readsLocalTimesInTheWorkspaceZone() throws {
        // Asia/Shanghai is UTC+8: local 20:00 is 12:00Z.
        #expect(try Timestamp.parse("2026-06-18 20:00:00", zone: .shanghai) == Self.eightPMShanghai)
        #expect(try Timestamp.parse("2026-06-18T20:00", zone: .shanghai) == Self.eightPMShanghai)
        // A bare date is local midnight: 2026-06-17T16:00Z.
        #expect(try Timestamp.parse("2026-06-18", zone: .shanghai) == 1_781_712_000_000)
        #expect(try Timestamp.parse("2026/6/18", zone: .shanghai) == 1_781_712_000_000)
        // YYYYMMDD (CDNOW) is a date too.
        #expect(try Timestamp.parse("20260618", zone: .shanghai) == 1_781_712_000_000)
    }

    @Test func tellsEpochSecondsFromMilliseconds() throws {
        #expect(try Timestamp.parse("1781784000", zone: .utc) == Self.eightPMShanghai)
        #expect(try Timestamp.parse("1781784000.250", zone: .utc) == Self.eightPMShanghai + 250)
        #expect(try Timestamp.parse("1781784000000", zone: .utc) == Self.eightPMShanghai)
        // 10^11 and above are milliseconds: 100000000000 ms is 1973-03-03T09:46:40Z.
        #expect(try Timestamp.parse("100000000000", zone: .utc) == 100_000_000_000)
        // Just below, it is seconds: 99999999999 s is in the year 5138, out of range.
        #expect(throws: TimeParseError.outOfRange) { try Timestamp.parse("99999999999", zone: .utc) }
        #expect(throws: TimeParseError.notATimestamp) { try Timestamp.parse("1781784000000.5", zone: .utc) }
    }

    @Test func rejectsImpossibleDatesAndTimes() {
        #expect(throws: TimeParseError.impossibleDate) { try Timestamp.parse("2026-02-29T00:00:00Z", zone: .utc) }
        #expect(throws: TimeParseError.impossibleDate) { try Timestamp.parse("2026-13-01", zone: .utc) }
        #expect(throws: TimeParseError.impossibleDate) { try Timestamp.parse("20260431", zone: .utc) }
        #expect(throws: TimeParseError.impossibleTime) { try Timestamp.parse("2026-06-18T24:00:00Z", zone: .utc) }
        #expect(throws: TimeParseError.badOffset) { try Timestamp.parse("2026-06-18T20:00:00+19:00", zone: .utc) }
        #expect(throws: TimeParseError.empty) { try Timestamp.parse("", zone: .utc) }
        #expect(throws: TimeParseError.notATimestamp) { try Timestamp.parse("yesterday", zone: .utc) }
        #expect(throws: TimeParseError.notATimestamp) { try Timestamp.parse("2026-06-18T20:00:00Z junk", zone: .utc) }
    }

    @Test func acceptsLeapDays() throws {
        // 2024 is a leap year: 2024-02-29T00:00Z is 1709164800 s.
        #expect(try Timestamp.parse("2024-02-29T00:00:00Z", zone: .utc) == 1_709_164_800_000)
    }

    @Test func rejectsInstantsOutsideTheRange() {
        #expect(throws: TimeParseError.outOfRange) { try Timestamp.parse("2100-01-01T00:00:00Z", zone: .utc) }
        #expect(throws: TimeParseError.outOfRange) { try Timestamp.parse("1969-12-31T23:59:59Z", zone: .utc) }
        #expect(throws: TimeParseError.outOfRange) { try Timestamp.parse("-5", zone: .utc) }
    }

    @Test func formatsInTheZoneWithItsOffset() {
        #expect(Timestamp.format(Self.eightPMShanghai, zone: .shanghai) == "2026-06-18T20:00:00.000+08:00")
        #expect(Timestamp.format(Self.eightPMUTC + 7, zone: .utc) == "2026-06-18T20:00:00.007+00:00")
    }
}
