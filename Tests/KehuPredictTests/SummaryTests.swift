import Testing
import KehuPredict

@Suite struct SummaryTests {
    /// Calibration ends on day 120, observation on day 140. Amounts in fen.
    ///   A: day 100 ¥10 + ¥5, day 101 ¥2.50, day 103 ¥20, day 110 ¥30 | holdout: day 130 ¥7, day 131 ¥3
    ///   B: day 105 ¥9.99
    ///   C: day 125 only (after calibration: not a customer yet)
    ///   D: day 120, the calibration end itself
    static let purchases: [Purchase<String>] = [
        Purchase(customer: "A", day: 110, amountMinorUnits: 3000),
        Purchase(customer: "A", day: 100, amountMinorUnits: 1000),
        Purchase(customer: "B", day: 105, amountMinorUnits: 999),
        Purchase(customer: "A", day: 103, amountMinorUnits: 2000),
        Purchase(customer: "C", day: 125, amountMinorUnits: 100),
        Purchase(customer: "A", day: 100, amountMinorUnits: 500),
        Purchase(customer: "A", day: 131, amountMinorUnits: 300),
        Purchase(customer: "A", day: 101, amountMinorUnits: 250),
        Purchase(customer: "D", day: 120, amountMinorUnits: 4200),
        Purchase(customer: "A", day: 130, amountMinorUnits: 700),
    ]

    /// Days: A has periods 100 (¥15), 101 (¥2.50), 103 (¥20), 110 (¥30): x = 3, t_x = 10, T = 20,
    /// m = (250 + 2000 + 3000)/3 fen = ¥17.50. B: x = 0, T = 15. D: x = 0, T = 0. Order of first appearance.
    @Test func daysByHand() throws {
        let rows = try CustomerSummary.summarize(Self.purchases, calibrationEnd: 120, timeScale: .days)
        #expect(rows.map(\.customer) == ["A", "B", "D"])
        #expect(rows[0].summary == CustomerSummary(frequency: 3, recency: 10, age: 20, monetaryValue: 17.5))
        #expect(rows[0].repeatSpendMinorUnits == 5250)
        #expect(rows[0].firstPurchaseDay == 100)
        #expect(rows[1].summary == CustomerSummary(frequency: 0, recency: 0, age: 15, monetaryValue: 0))
        #expect(rows[2].summary == CustomerSummary(frequency: 0, recency: 0, age: 0, monetaryValue: 0))
    }

    /// Weeks as days / 7: the same periods, t_x = 10/7, T = 20/7.
    @Test func weeksByHand() throws {
        let rows = try CustomerSummary.summarize(Self.purchases, calibrationEnd: 120, timeScale: .weeks)
        #expect(rows[0].summary == CustomerSummary(frequency: 3, recency: 10.0 / 7, age: 20.0 / 7, monetaryValue: 17.5))
        #expect(rows[1].summary.age == 15.0 / 7)
    }

    /// Calendar weeks (Monday–Sunday; day 4 = 1970-01-05 was a Monday, so week k is days 7k+4 ... 7k+10):
    ///   day 100, 101 -> week 13 (¥17.50); 103 -> week 14 (¥20); 110 -> week 15 (¥30); 120 -> week 16.
    ///   A: x = 2, t_x = 2, T = 3, m = (2000 + 3000)/2 fen = ¥25. B (week 14): T = 2.
    @Test func calendarWeeksByHand() throws {
        let rows = try CustomerSummary.summarize(Self.purchases, calibrationEnd: 120, timeScale: .calendarWeeks)
        #expect(rows[0].summary == CustomerSummary(frequency: 2, recency: 2, age: 3, monetaryValue: 25))
        #expect(rows[0].repeatSpendMinorUnits == 5000)
        #expect(rows[1].summary.age == 2)
    }

    /// Holdout (days 121 ... 140): A buys on 130 and 131, ¥10 in 2 purchases.
    ///   Days: 2 periods, mean per purchase ¥5, duration 20. Calendar weeks: 130 and 131 are both in
    ///   week 18, so 1 period; duration = week 19 (day 140) - week 16 = 3. C never enters.
    @Test func calibrationAndHoldoutByHand() throws {
        let days = try CustomerSummary.calibrationAndHoldout(Self.purchases, calibrationEnd: 120, observationEnd: 140, timeScale: .days)
        #expect(days.map(\.customer) == ["A", "B", "D"])
        #expect(days[0].holdoutFrequency == 2)
        #expect(days[0].holdoutPurchaseCount == 2)
        #expect(days[0].holdoutSpendMinorUnits == 1000)
        #expect(days[0].holdoutMonetaryValue == 5)
        #expect(days[0].holdoutDuration == 20)
        #expect(days[1].holdoutFrequency == 0 && days[1].holdoutMonetaryValue == 0)
        #expect(days[0].calibration == CustomerSummary(frequency: 3, recency: 10, age: 20, monetaryValue: 17.5))

        let weeks = try CustomerSummary.calibrationAndHoldout(Self.purchases, calibrationEnd: 120, observationEnd: 140, timeScale: .calendarWeeks)
        #expect(weeks[0].holdoutFrequency == 1)
        #expect(weeks[0].holdoutDuration == 3)

        #expect(throws: SummaryError.observationEndBeforeCalibrationEnd(calibrationEnd: 120, observationEnd: 119)) {
            try CustomerSummary.calibrationAndHoldout(Self.purchases, calibrationEnd: 120, observationEnd: 119, timeScale: .days)
        }
    }

    /// 20:00 UTC on day 100 is 04:00 on day 101 at UTC+8; one second before the epoch is day -1.
    @Test func instantsLandOnLocalDays() {
        let evening = Int64(100 * 86_400 + 20 * 3_600)
        #expect(Purchase(customer: 1, secondsSinceEpoch: evening).day == 100)
        #expect(Purchase(customer: 1, secondsSinceEpoch: evening, utcOffsetSeconds: 8 * 3_600).day == 101)
        #expect(Purchase(customer: 1, secondsSinceEpoch: -1).day == -1)
        #expect(Purchase(customer: 1, secondsSinceEpoch: -86_400).day == -1)
        #expect(Purchase(customer: 1, secondsSinceEpoch: -86_401).day == -2)
    }

    @Test func spendOverflowIsReported() {
        let huge: [Purchase<Int>] = [
            Purchase(customer: 7, day: 1, amountMinorUnits: 1),
            Purchase(customer: 9, day: 1, amountMinorUnits: 1),
            Purchase(customer: 9, day: 2, amountMinorUnits: .max),
            Purchase(customer: 9, day: 3, amountMinorUnits: 1),
        ]
        #expect(throws: SummaryError.spendOverflow(customerIndex: 1)) {
            try CustomerSummary.summarize(huge, calibrationEnd: 10, timeScale: .days)
        }
        #expect(throws: SummaryError.invalidMinorUnits(0)) {
            try CustomerSummary.summarize(huge, calibrationEnd: 10, timeScale: .days, minorUnitsPerMajorUnit: 0)
        }
        #expect(SummaryError.spendOverflow(customerIndex: 1).description.contains("index 1"))
    }
}
