import Foundation
import KehuModel
import Testing

@Suite struct DayTests {
    @Test func countsDaysFromTheEpoch() {
        #expect(Day(year: 1970, month: 1, day: 1).index == 0)
        #expect(Day(year: 1969, month: 12, day: 31).index == -1)
        // 30 years of 365 days plus 7 leap days (72, 76, 80, 84, 88, 92, 96) plus Jan and Feb 2000 (31 + 29).
        #expect(Day(year: 2000, month: 3, day: 1).index == 30 * 365 + 7 + 60)
        #expect(Day(year: 2026, month: 6, day: 18).index == 20622)
    }

    @Test func civilDatesRoundTripAcrossLeapYears() {
        // Every day from 1899-12-01 to 2101-01-31, through 1900 (not leap), 2000 (leap), 2100 (not leap).
        var expected = Day(year: 1899, month: 12, day: 1)
        var year = 1899, month = 12, day = 1
        var febLengths: [Int: Int] = [:]
        while (year, month) <= (2101, 1) {
            let d = Day(year: year, month: month, day: day)
            #expect(d == expected)
            let civil = d.civil
            #expect(civil.year == year && civil.month == month && civil.day == day)
            if month == 2 { febLengths[year] = day }
            expected = expected.advanced(by: 1)
            if Day.isValid(year: year, month: month, day: day + 1) {
                day += 1
            } else if month < 12 {
                month += 1
                day = 1
            } else {
                year += 1
                month = 1
                day = 1
            }
        }
        #expect(febLengths[1900] == 28)
        #expect(febLengths[2000] == 29)
        #expect(febLengths[2024] == 29)
        #expect(febLengths[2026] == 28)
        #expect(febLengths[2100] == 28)
    }

    @Test func weekdaysAreISO() {
        #expect(Day(index: 0).isoWeekday == 4)                               // 1970-01-01 was a Thursday
        #expect(Day(index: -1).isoWeekday == 3)                              // so 1969-12-31 a Wednesday
        #expect(Day(year: 2026, month: 6, day: 18).isoWeekday == 4)          // a Thursday
        #expect(Day(year: 2026, month: 6, day: 21).isoWeekday == 7)          // the Sunday after
        #expect(Day(year: 2026, month: 6, day: 22).isoWeekday == 1)
    }

    @Test func parsesAndRejects() throws {
        #expect(try Day.parse("2026-06-18") == Day(year: 2026, month: 6, day: 18))
        #expect(try Day.parse("2026/6/8") == Day(year: 2026, month: 6, day: 8))
        #expect(try Day.parse("20261111") == Day(year: 2026, month: 11, day: 11))
        #expect(throws: TimeParseError.impossibleDate) { try Day.parse("2026-02-29") }
        #expect(throws: TimeParseError.impossibleDate) { try Day.parse("1900-02-29") }
        #expect(throws: TimeParseError.notADate) { try Day.parse("2026-06") }
        #expect(throws: TimeParseError.notADate) { try Day.parse("2026-06-18T00:00") }
        #expect(Day(year: 2026, month: 6, day: 8).description == "2026-06-08")
    }

    @Test func rangesCountAndContainTheirEnds() throws {
        let range = try DayRange.parse("2026-11-01..2026-11-11")
        #expect(range.dayCount == 11)
        #expect(range.contains(Day(year: 2026, month: 11, day: 1)))
        #expect(range.contains(Day(year: 2026, month: 11, day: 11)))
        #expect(!range.contains(Day(year: 2026, month: 11, day: 12)))
        // A window of 15 days ending 2026-06-18 starts on 06-04.
        #expect(DayRange(ending: Day(year: 2026, month: 6, day: 18), days: 15).first == Day(year: 2026, month: 6, day: 4))
        #expect(throws: TimeParseError.reversedRange) { try DayRange.parse("2026-11-11..2026-11-01") }
        #expect(throws: TimeParseError.notADayRange) { try DayRange.parse("2026-11-01") }
    }
}

@Suite("Day as JSON")
struct DayJSONTests {
    @Test("a day encodes as YYYY-MM-DD and decodes back; a bad date is a decoding error")
    func roundTrip() throws {
        struct Wrapper: Codable, Equatable { var day: Day }
        // 2024-11-21 is day 20048 since 1970-01-01 (54 years incl. 14 leap days = 19723 days to
        // 2024-01-01, plus 325 days to November 21 in a leap year).
        let value = Wrapper(day: Day(year: 2024, month: 11, day: 21))
        #expect(value.day.index == 20048)
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self) == #"{"day":"2024-11-21"}"#)
        #expect(try JSONDecoder().decode(Wrapper.self, from: data) == value)
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Wrapper.self, from: Data(#"{"day":"2026-02-30"}"#.utf8))
        }
    }
}

@Suite("Day ranges and zone lookups")
struct DayRangeStrictnessTests {
    @Test("a range is exactly D1..D2: three dots or a trailing separator are errors")
    func strictRange() throws {
        let range = try DayRange.parse("2026-11-01..2026-11-11")
        #expect(range.dayCount == 11)
        #expect(throws: TimeParseError.self) { _ = try DayRange.parse("2026-11-01...2026-11-11") }
        #expect(throws: TimeParseError.self) { _ = try DayRange.parse("2026-11-01..2026-11-11..") }
        #expect(throws: TimeParseError.self) { _ = try DayRange.parse("2026-11-11..2026-11-01") }
    }

    @Test("Shanghai offsets: +9 during its 1986-1991 summer time, +8 after the last transition")
    func shanghaiAfterLastTransition() throws {
        // 1988-07-01T12:00Z was summer time (+09:00); 2026-07-01T12:00Z is +08:00.
        #expect(ZoneRules.shanghai.offsetMillis(atUTC: 583_675_200_000) == 9 * 3_600_000)
        #expect(ZoneRules.shanghai.offsetMillis(atUTC: 1_782_907_200_000) == 8 * 3_600_000)
    }
}
