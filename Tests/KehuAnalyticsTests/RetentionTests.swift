import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("Retention and lifecycle")
struct RetentionTests {
    static func pay(_ id: String, _ consumer: Int, _ month: Int, _ day: Int, hour: Int = 12, minute: Int = 0) -> EventRecord {
        event(id, TestClock.at(2026, month, day, hour: hour, minute: minute), .pay, ["member:\(consumer)"], order: id, amount: 10_000)
    }

    /// Paid orders by month (2026):
    /// r1: Jun 5, Jul 10, Sep 2        r2: Jun 20, Jun 25         r3: Jul 1, Aug 31
    /// r4: May 30, Jul 5               r5: Jun 10 refunded in full Jun 12, Aug 3
    /// r6: Sep 15                      r7: Jun 2, Aug 9
    static let monthly: [EventRecord] = [
        pay("a1", 1, 6, 5), pay("a2", 1, 7, 10), pay("a3", 1, 9, 2),
        pay("b1", 2, 6, 20), pay("b2", 2, 6, 25),
        pay("c1", 3, 7, 1), pay("c2", 3, 8, 31),
        pay("d1", 4, 5, 30), pay("d2", 4, 7, 5),
        pay("e1", 5, 6, 10), event("e1r", TestClock.at(2026, 6, 12), .refund, ["member:5"], order: "e1", amount: 10_000), pay("e2", 5, 8, 3),
        pay("f1", 6, 9, 15),
        pay("g1", 7, 6, 2), pay("g2", 7, 8, 9),
    ]

    static func shares(_ cohort: RetentionReport.Cohort) -> [Int] { cohort.periods.map(\.retained) }

    @Test("monthly first-purchase triangle by hand, in-period and cumulative")
    func monthlyTriangle() throws {
        let (_, _, s) = try snapshot(of: Self.monthly)
        let june = Day(year: 2026, month: 6, day: 1), september30 = Day(year: 2026, month: 9, day: 30)
        // Cohorts: Jun = r1, r2, r7 (r5's June order was refunded in full; r4 started in May);
        // Jul = r3; Aug = r5; Sep = r6.
        // Jun: month 1 r1 · month 2 r7 · month 3 r1 -> [3, 1, 1, 1]. Jul: month 1 r3 -> [1, 1, 0].
        // Aug: [1, 0]. Sep: [1].
        let report = RetentionReport.compute(s, cohortBy: .firstPurchase, period: .month, from: june, asOf: september30)
        #expect(report.cohorts.map(\.label) == ["2026-06", "2026-07", "2026-08", "2026-09"])
        #expect(report.cohorts.map(\.size) == [3, 1, 1, 1])
        #expect(report.cohorts.map(Self.shares) == [[3, 1, 1, 1], [1, 1, 0], [1, 0], [1]])
        #expect(report.cohorts[0].periods[1].share == 1.0 / 3)
        #expect(report.cohorts.allSatisfy { $0.periods.allSatisfy { $0.complete } })
        // Average month 1: (1 + 1 + 0) / (3 + 1 + 1) = 40%.
        #expect(report.average[1] == 0.4)
        // Cumulative: Jun month 1 = r1 and r7 (back in month 2), month 2 = r1, r7, month 3 = r1.
        let cumulative = RetentionReport.compute(s, cohortBy: .firstPurchase, period: .month, cumulative: true, from: june, asOf: september30)
        #expect(cumulative.cohorts.map(Self.shares) == [[3, 2, 2, 1], [1, 1, 0], [1, 0], [1]])
        // As of Sep 15 September is partial: r1's Sep 2 and r6's Sep 15 still count.
        let partial = RetentionReport.compute(s, cohortBy: .firstPurchase, period: .month, from: june, asOf: Day(year: 2026, month: 9, day: 15))
        #expect(partial.cohorts.map(Self.shares) == [[3, 1, 1, 1], [1, 1, 0], [1, 0], [1]])
        #expect(partial.cohorts[0].periods.map(\.complete) == [true, true, true, false])
        #expect(partial.average[3] == nil)
        #expect(partial.rendered(as: .table).contains("33.3%*"))
    }

    @Test("weekly cohorts are ISO weeks from Monday in the workspace zone")
    func weeklyTriangle() throws {
        // 2026-06-01 is a Monday. Weeks W0 Jun 1-7, W1 Jun 8-14, W2 Jun 15-21.
        // w1: Jun 1, Jun 7 (same week), Jun 15 -> W0, back in week 2.
        // w2: Jun 3, Jun 8 -> W0, back in week 1.
        // w3: Sun Jun 14 23:59, Mon Jun 15 00:00 (+08:00) -> W1, back in week 1.
        let (_, _, s) = try snapshot(of: [
            Self.pay("a", 1, 6, 1), Self.pay("b", 1, 6, 7), Self.pay("c", 1, 6, 15),
            Self.pay("d", 2, 6, 3), Self.pay("e", 2, 6, 8),
            Self.pay("f", 3, 6, 14, hour: 23, minute: 59), Self.pay("g", 3, 6, 15, hour: 0),
        ])
        let sunday = Day(year: 2026, month: 6, day: 21)
        let report = RetentionReport.compute(s, period: .week, from: Day(year: 2026, month: 6, day: 3), asOf: sunday)
        #expect(report.cohorts.map(\.label) == ["2026-06-01", "2026-06-08", "2026-06-15"])
        // W0 [2, 1, 1]; W1 [1, 1]; W2 [0].
        #expect(report.cohorts.map(Self.shares) == [[2, 1, 1], [1, 1], [0]])
        #expect(report.cohorts[2].periods[0].share == nil)
        // Cumulative W0: week 1 = w1 and w2, week 2 = w1.
        let cumulative = RetentionReport.compute(s, period: .week, cumulative: true, from: Day(year: 2026, month: 6, day: 3), asOf: sunday)
        #expect(cumulative.cohorts.map(Self.shares) == [[2, 2, 1], [1, 1], [0]])
    }

    @Test("first-visit cohorts; visit and any-event returns (impressions are not a return)")
    func visitCohorts() throws {
        // v1: view Jun 3, view Jul 4 -> Jun, back (visit and any) in month 1.
        // v2: view Jun 5, impression Jul 1 -> Jun, not back.
        // v3: view Jun 6, favorite Jul 2, pay Aug 1 -> Jun; any: month 1; visit: none; purchase: month 2.
        // v4: pay May 1, view Jul 9 -> first visit Jul.
        let (_, _, s) = try snapshot(of: [
            event("1", TestClock.at(2026, 6, 3), .view, ["member:1"]), event("2", TestClock.at(2026, 7, 4), .view, ["member:1"]),
            event("3", TestClock.at(2026, 6, 5), .view, ["member:2"]), event("4", TestClock.at(2026, 7, 1), .impression, ["member:2"]),
            event("5", TestClock.at(2026, 6, 6), .view, ["member:3"]), event("6", TestClock.at(2026, 7, 2), .favorite, ["member:3"]),
            Self.pay("p3", 3, 8, 1),
            Self.pay("p4", 4, 5, 1), event("7", TestClock.at(2026, 7, 9), .view, ["member:4"]),
        ])
        let june = Day(year: 2026, month: 6, day: 1), august31 = Day(year: 2026, month: 8, day: 31)
        let visit = RetentionReport.compute(s, cohortBy: .firstVisit, period: .month, returnEvent: .visit, from: june, asOf: august31)
        #expect(visit.cohorts.map(Self.shares) == [[3, 1, 0], [1, 0], [0]])
        let any = RetentionReport.compute(s, cohortBy: .firstVisit, period: .month, returnEvent: .any, from: june, asOf: august31)
        // v3's Aug payment is also an event: month 2.
        #expect(any.cohorts.map(Self.shares) == [[3, 2, 1], [1, 0], [0]])
        let purchase = RetentionReport.compute(s, cohortBy: .firstVisit, period: .month, returnEvent: .purchase, from: june, asOf: august31)
        #expect(purchase.cohorts.map(Self.shares) == [[3, 0, 1], [1, 0], [0]])
    }

    @Test("lifecycle by hand: new, returning, resurrecting, dormant and the quick ratio")
    func lifecycle() throws {
        let (_, _, s) = try snapshot(of: Self.monthly)
        // Buying months: r1 Jun Jul Sep · r2 Jun · r3 Jul Aug · r4 May Jul · r5 Aug · r6 Sep · r7 Jun Aug.
        // Jun: new r1 r2 r7 = 3; dormant r4 (May, not Jun) = -1.
        // Jul: new r3, returning r1, resurrecting r4; dormant r2 r7 = -2.
        // Aug: new r5, returning r3, resurrecting r7; dormant r1 r4 = -2.
        // Sep: new r6, resurrecting r1; dormant r3 r5 r7 = -3.
        let report = LifecycleReport.compute(s, period: .month, from: Day(year: 2026, month: 6, day: 1), asOf: Day(year: 2026, month: 9, day: 30))
        #expect(report.intervals.map(\.label) == ["2026-06", "2026-07", "2026-08", "2026-09"])
        #expect(report.intervals.map(\.new) == [3, 1, 1, 1])
        #expect(report.intervals.map(\.returning) == [0, 1, 1, 0])
        #expect(report.intervals.map(\.resurrecting) == [0, 1, 1, 1])
        #expect(report.intervals.map(\.dormant) == [-1, -2, -2, -3])
        #expect(report.intervals.map(\.buyers) == [3, 3, 3, 2])
        #expect(report.intervals.map(\.quickRatio) == [3, 1, 1, 2.0 / 3])
        #expect(report.intervals.allSatisfy { $0.complete })
        // Weekly from Mon Sep 7 as of Wed Sep 16. Week of Sep 7: no buyers; r1 (Sep 2) and r3
        // (Mon Aug 31) bought the week before -> dormant -2. Week of Sep 14 (partial): r6 new,
        // no one bought the week of Sep 7 -> dormant 0, no quick ratio.
        let week = LifecycleReport.compute(s, period: .week, from: Day(year: 2026, month: 9, day: 7), asOf: Day(year: 2026, month: 9, day: 16))
        #expect(week.intervals.map(\.label) == ["2026-09-07", "2026-09-14"])
        #expect(week.intervals.map(\.new) == [0, 1])
        #expect(week.intervals.map(\.dormant) == [-2, 0])
        #expect(week.intervals.map(\.quickRatio) == [0, nil])
        #expect(week.intervals.map(\.complete) == [true, false])
    }

    // MARK: - Generated data against dictionaries

    /// Paid orders recounted from the events: per consumer and order id, the first payment, and
    /// whether refunds (by the as-of end) cover the payments.
    static func purchases(_ s: Snapshot, before end: Int64) -> [Int: [Int64]] {
        var first: [String: (consumer: Int, ts: Int64)] = [:]
        var paid: [String: Int64] = [:], refunded: [String: Int64] = [:]
        for c in 0..<s.consumerCount {
            for i in s.events(of: c) where s.ts[i] < end && (s.kind[i] == .pay || s.kind[i] == .refund) {
                let key = "\(c)/\(s.value(.orderID, i) ?? "#\(i)")"
                if s.kind[i] == .pay {
                    if first[key] == nil { first[key] = (c, s.ts[i]) }
                    paid[key, default: 0] += s.amount(i) ?? 0
                } else {
                    refunded[key, default: 0] += s.amount(i) ?? 0
                }
            }
        }
        var out: [Int: [Int64]] = [:]
        for (key, order) in first {
            let r = refunded[key] ?? 0
            if r > 0 && r >= paid[key]! { continue }
            out[order.consumer, default: []].append(order.ts)
        }
        return out.mapValues { $0.sorted() }
    }

    /// Period keys with Foundation's calendar: months as year x 12 + month, weeks as the number
    /// of days from 2000-01-03 (a Monday) to the week's Monday, over 7.
    static func periodKey(_ ts: Int64, week: Bool) -> Int {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let date = Date(timeIntervalSince1970: Double(ts) / 1000)
        if !week {
            let parts = calendar.dateComponents([.year, .month], from: date)
            return parts.year! * 12 + parts.month!
        }
        let monday = calendar.dateInterval(of: .weekOfYear, for: date)!.start
        let reference = calendar.date(from: DateComponents(year: 2000, month: 1, day: 3))!
        return Int((monday.timeIntervalSince(reference) / 86_400).rounded()) / 7
    }

    @Test("on a generated brand, retention and lifecycle agree with a recount in dictionaries")
    func generatedAgrees() throws {
        let (_, _, s) = FunnelTests.generated
        let asOf = try #require(s.dataDays).last.advanced(by: -3)
        let end = AnalysisCalendar(s).end(of: asOf)
        let bought = Self.purchases(s, before: end)
        for week in [false, true] {
            let unit: CalendarPeriod = week ? .week : .month
            let lastKey = Self.periodKey(end - 1, week: week)
            let firstKey = lastKey - 11
            // Retention, purchase returns.
            for cumulative in [false, true] {
                var sizes: [Int: Int] = [:]
                var retained: [Int: [Int: Int]] = [:]
                for (_, times) in bought {
                    let cohort = Self.periodKey(times[0], week: week)
                    guard cohort >= firstKey else { continue }
                    sizes[cohort, default: 0] += 1
                    let later = Set(times.map { Self.periodKey($0, week: week) }).filter { $0 > cohort }
                    if cumulative, let last = later.max() {
                        for k in 1...(last - cohort) { retained[cohort, default: [:]][k, default: 0] += 1 }
                    } else {
                        for p in later { retained[cohort, default: [:]][p - cohort, default: 0] += 1 }
                    }
                }
                let report = RetentionReport.compute(s, period: unit, cumulative: cumulative, asOf: asOf)
                #expect(report.cohorts.count == 12)
                for (row, cohort) in report.cohorts.enumerated() {
                    let key = firstKey + row
                    #expect(cohort.size == sizes[key] ?? 0, "\(unit) cohort \(cohort.label)")
                    for cell in cohort.periods.dropFirst() {
                        #expect(cell.retained == retained[key]?[cell.period] ?? 0, "\(unit) \(cohort.label) +\(cell.period)")
                    }
                }
                #expect(sizes.values.reduce(0, +) > 0)
            }
            // Retention of first visits, visit returns.
            var visitSizes: [Int: Int] = [:]
            var visitReturns: [Int: [Int: Int]] = [:]
            for c in 0..<s.consumerCount {
                let views = s.events(of: c).filter { s.kind[$0] == .view && s.ts[$0] < end }.map { Self.periodKey(s.ts[$0], week: week) }
                guard let cohort = views.first, cohort >= firstKey else { continue }
                visitSizes[cohort, default: 0] += 1
                for p in Set(views) where p > cohort { visitReturns[cohort, default: [:]][p - cohort, default: 0] += 1 }
            }
            let visits = RetentionReport.compute(s, cohortBy: .firstVisit, period: unit, returnEvent: .visit, asOf: asOf)
            #expect(visits.cohorts.map(\.size) == (0..<12).map { visitSizes[firstKey + $0] ?? 0 })
            #expect(visits.cohorts.enumerated().allSatisfy { row, cohort in
                cohort.periods.dropFirst().allSatisfy { $0.retained == visitReturns[firstKey + row]?[$0.period] ?? 0 }
            })
            // Lifecycle.
            var new: [Int: Int] = [:], returning: [Int: Int] = [:], resurrecting: [Int: Int] = [:], dormant: [Int: Int] = [:]
            for (_, times) in bought {
                let periods = Set(times.map { Self.periodKey($0, week: week) })
                let first = periods.min()!
                for p in firstKey...lastKey {
                    if periods.contains(p) {
                        if p == first { new[p, default: 0] += 1 } else if periods.contains(p - 1) { returning[p, default: 0] += 1 } else { resurrecting[p, default: 0] += 1 }
                    } else if periods.contains(p - 1) {
                        dormant[p, default: 0] += 1
                    }
                }
            }
            let lifecycle = LifecycleReport.compute(s, period: unit, asOf: asOf)
            let keys = Array(firstKey...lastKey)
            #expect(lifecycle.intervals.map(\.new) == keys.map { new[$0] ?? 0 })
            #expect(lifecycle.intervals.map(\.returning) == keys.map { returning[$0] ?? 0 })
            #expect(lifecycle.intervals.map(\.resurrecting) == keys.map { resurrecting[$0] ?? 0 })
            #expect(lifecycle.intervals.map(\.dormant) == keys.map { -(dormant[$0] ?? 0) })
            #expect(lifecycle.intervals.last?.complete == (unit.lastDay(of: unit.index(of: asOf)) == asOf))
        }
    }
}
