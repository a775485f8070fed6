import Foundation
import Testing
import KehuModel
import KehuPredict
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("CLV by AIPL stage and RFM group")
struct CLVGroupTests {
    @Test("group sums equal the sums over each group's customers, recomputed from the per-customer values")
    func generated() throws {
        let (_, _, s) = try generatedSnapshot()
        let end = try #require(s.dataDays).last.advanced(by: -60)
        let report = try CustomerValueReport.compute(s, CustomerValueParameters(calibrationEnd: end))
        #expect(report.values.count == report.customers)

        // Reference: each customer's group from the stage and RFM definitions, summed plainly.
        let stages = AIPLStages.compute(s, asOf: end)
        let rfm = RFMTable.compute(s, asOf: end, days: 365)
        var stage: [String: (n: Int, clv: Double, alive: Double, purchases: Double)] = [:]
        var segment: [String: (n: Int, clv: Double)] = [:]
        var valueClass: [String: (n: Int, clv: Double)] = [:]
        for v in report.values {
            let c = try #require(s.denseIndex(ofConsumer: v.consumerID))
            let letter = stages[c].letter
            var line = stage[letter] ?? (0, 0, 0, 0)
            line.n += 1
            line.clv += v.clv
            line.alive += v.probabilityAlive
            line.purchases += v.expectedPurchases
            stage[letter] = line
            let row = rfm.row(ofConsumer: c)
            let segmentName = row.map { rfm.segment[$0].name } ?? "no paid order in the 365 days"
            let className = row.map { rfm.valueClass[$0].name } ?? "no paid order in the 365 days"
            segment[segmentName, default: (0, 0)].n += 1
            segment[segmentName, default: (0, 0)].clv += v.clv
            valueClass[className, default: (0, 0)].n += 1
            valueClass[className, default: (0, 0)].clv += v.clv
        }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(a), abs(b)) }
        #expect(report.byStage.map(\.group) == ["-", "A", "I", "P", "L"])
        for g in report.byStage {
            let want = stage[g.group] ?? (0, 0, 0, 0)
            #expect(g.customers == want.n, "stage \(g.group)")
            #expect(close(g.totalCLV, want.clv), "stage \(g.group)")
            if want.n > 0 {
                #expect(close(g.averageProbabilityAlive!, want.alive / Double(want.n)))
                #expect(close(g.averageExpectedPurchases!, want.purchases / Double(want.n)))
                #expect(close(g.averageCLV!, want.clv / Double(want.n)))
            }
        }
        for g in report.bySegment {
            #expect(g.customers == (segment[g.group]?.n ?? 0), "segment \(g.group)")
            #expect(close(g.totalCLV, segment[g.group]?.clv ?? 0), "segment \(g.group)")
        }
        for g in report.byValueClass {
            #expect(g.customers == (valueClass[g.group]?.n ?? 0), "class \(g.group)")
            #expect(close(g.totalCLV, valueClass[g.group]?.clv ?? 0), "class \(g.group)")
        }
        // Every grouping covers every customer exactly once and adds up to the total CLV.
        for groups in [report.byStage, report.bySegment, report.byValueClass] {
            #expect(groups.reduce(0) { $0 + $1.customers } == report.customers)
            #expect(close(groups.reduce(0) { $0 + $1.totalCLV }, report.totalCLV))
        }
        // Consumers never paid have no CLV: in stage none/A/I they are counted as "no CLV" only.
        let stageCounts = stages.reduce(into: [String: Int]()) { $0[$1.letter, default: 0] += 1 }
        for g in report.byStage { #expect(g.customers + g.withoutCLV == stageCounts[g.group] ?? 0) }
        // RFM consumers all paid before the calibration end; those without a CLV had every order
        // refunded in full later (CLV ignores them, RFM as of the day does not).
        #expect(report.bySegment.reduce(0) { $0 + $1.customers + $1.withoutCLV } >= rfm.count)
        #expect(report.rendered(as: .table).contains("CLV by RFM eight-class"))
    }

    /// Two customers by hand, on a base the models can fit: whatever the fitted values, the
    /// stage and segment rows hold exactly the customers' own CLVs.
    @Test("hand-checkable: a P and an L customer land in their own rows with their own values")
    func handChecked() throws {
        let (_, _, s) = try generatedSnapshot(consumers: 600, days: 300, seed: 7)
        let end = try #require(s.dataDays).last
        let report = try CustomerValueReport.compute(s, CustomerValueParameters(calibrationEnd: end))
        let stages = AIPLStages.compute(s, asOf: end)
        // Pick the first P and the first L customer and check each is counted once in its stage.
        for target in [AIPLStage.purchased, .loyal] {
            let members = report.values.filter { stages[s.denseIndex(ofConsumer: $0.consumerID)!] == target }
            let row = try #require(report.byStage.first { $0.group == target.letter })
            #expect(row.customers == members.count)
            #expect(abs(row.totalCLV - members.reduce(0) { $0 + $1.clv }) < 1e-6)
        }
    }

    /// A fit without dropout (a/(a+b) near 0, as lifetimes also finds on the demo brand: a = 5e-6)
    /// is said beside the models, in both languages; a fit with dropout says nothing more.
    @Test func aFitWithoutDropoutIsSaid() throws {
        // a/(a+b) = 5e-6 / 22282.7: about 2e-10, far below 0.001.
        let flat = BGNBDParameters(r: 2.03, alpha: 82.7, a: 0.000005, b: 22_282.7)
        // The BG/NBD paper's CDNOW fit: a/(a+b) = 0.793 / 3.219 = 0.246.
        let cdnow = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        #expect(try #require(CustomerValueReport.noDropoutNote(flat, chinese: false)).contains("a/(a+b) = 2.2e-10"))
        #expect(try #require(CustomerValueReport.noDropoutNote(flat, chinese: true)).contains("几乎看不到流失"))
        #expect(CustomerValueReport.noDropoutNote(cdnow, chinese: false) == nil)
        // At the threshold itself: 0.001 is not below 0.001.
        #expect(CustomerValueReport.noDropoutNote(BGNBDParameters(r: 1, alpha: 1, a: 1, b: 999), chinese: false) == nil)
        #expect(CustomerValueReport.noDropoutNote(BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1_001), chinese: false) != nil)

        // On a generated brand, the models table carries the note exactly when the fit has no dropout.
        let (_, _, s) = try generatedSnapshot()
        let report = try CustomerValueReport.compute(s, CustomerValueParameters(calibrationEnd: try #require(s.dataDays).last.advanced(by: -60)))
        let footnotes = report.tables()[0].footnotes
        #expect(footnotes.contains { $0.hasPrefix("The BG/NBD fit finds almost no dropout") } == (report.purchaseModel.meanDropout < 0.001))
    }
}
