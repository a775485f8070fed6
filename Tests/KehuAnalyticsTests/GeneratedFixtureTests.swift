import Testing
import KehuAnalytics
import KehuModel
import KehuStore
import KehuTesting

@Suite("Analyses on a generated brand")
struct GeneratedFixtureTests {
    @Test("the generated fixture has consumers in every AIPL stage, and stage counts add up to the consumers")
    func stagesCoverTheBrand() throws {
        let (_, _, snapshot) = try generatedSnapshot(consumers: 600, days: 120)
        let last = try #require(snapshot.dataDays).last
        let report = AIPLReport.compute(snapshot, asOf: last)
        #expect(report.counts.map(\.consumers).reduce(0, +) == snapshot.consumerCount)
        for stage in report.counts { #expect(stage.consumers > 0, "no consumer in \(stage.stage)") }
    }
}
