import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuAnalytics

@Suite("AIPL benchmark against an industry composition")
struct AIPLBenchmarkTests {
    @Test("a file with comments, a BOM, CRLF, percentages and categories parses")
    func parses() throws {
        let text = "\u{FEFF}# industry AIPL, beauty, 2026 H1\r\ncategory,stage,share\r\n,A,0.40\r\n,I,0.20\r\n,P,30%\r\n,L,0.10\r\n\r\n# per category\r\nskin,L,0.1\r\nskin,P,0.3\r\nskin,I,0.3\r\n\"skin\",A,0.295\r\n"
        let b = try AIPLBenchmark.parse(text, file: "b.csv")
        #expect(b.compositions.count == 2)
        let overall = try #require(b.composition(category: nil))
        #expect(overall.shares == [0.40, 0.20, 0.30, 0.10])
        #expect(overall.line == 3)
        let skin = try #require(b.composition(category: "skin"))
        #expect(skin.shares == [0.295, 0.3, 0.3, 0.1])  // sums to 0.995: within ±0.01
        #expect(skin.line == 9)
    }

    /// Each bad file, and the message it must give: file:line, then the field.
    static let bad: [(text: String, message: String)] = [
        ("stage,share\nA,0.4\nI,1.5\nP,0.3\nL,0.1\n", "b.csv:3: share: '1.5' is not a share"),
        ("stage,share\nA,0.4\nI,-0.1\nP,0.3\nL,0.1\n", "b.csv:3: share: '-0.1' is not a share"),
        ("stage,share\nA,0.4\nI,lots\nP,0.3\nL,0.1\n", "b.csv:3: share: 'lots' is not a share"),
        ("# c\nstage,share\nA,0.4\nX,0.2\n", "b.csv:4: stage: 'X' is not a stage"),
        ("stage,share\nA,0.4\nI,0.2\nP,0.4\n", "b.csv:2: stage: the overall composition has no L row"),
        ("stage,share\nA,0.4\nI,0.2\nP,0.3\nL,0.05\n", "b.csv:2: share: the shares of the overall composition sum to 0.9500"),
        ("stage,share\nA,0.4\nI,0.2\nA,0.3\nL,0.1\n", "b.csv:4: stage: A appears twice for the overall composition (first on line 2)"),
        ("stage,portion\nA,0.4\n", "b.csv:1: portion: unknown column"),
        ("stage\nA\n", "b.csv:1: share: the header has no `share` column"),
        ("stage,share\nA,0.4,x\n", "b.csv:2: 3 fields; the header has 2"),
        ("# only a comment\n\n", "b.csv: has no header line"),
        ("stage,share,category\nA,0.4,skin\nI,0.2,skin\nP,0.3,skin\nL,0.1,skin\nA,1,hair\n",
         "b.csv:6: stage: category 'hair' has no I row"),
        ("stage,share\nA,\"0.4\nI,0.2\n", "b.csv:2: a quoted field is not closed"),
    ]

    @Test("every rule of the format fails with file:line and the field", arguments: 0..<13)
    func errors(_ n: Int) throws {
        let (text, message) = Self.bad[n]
        #expect(throws: AIPLBenchmarkError.self) { try AIPLBenchmark.parse(text, file: "b.csv") }
        do {
            _ = try AIPLBenchmark.parse(text, file: "b.csv")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test("verdicts: at the threshold is thin or strong, inside it in line")
    func verdicts() {
        #expect(AIPLBenchmarkVerdict(differencePoints: (0.30 - 0.25) * 100, threshold: 5) == .strong)
        #expect(AIPLBenchmarkVerdict(differencePoints: (0.20 - 0.25) * 100, threshold: 5) == .thin)
        #expect(AIPLBenchmarkVerdict(differencePoints: 4.99, threshold: 5) == .inLine)
        #expect(AIPLBenchmarkVerdict(differencePoints: -4.99, threshold: 5) == .inLine)
    }

    /// The AIPL test brand as of 2026-06-30: A 3, I 2, P 6, L 2 (assets 13). Brand shares
    /// A 23.1%, I 15.4%, P 46.2%, L 15.4% against the industry 40 / 20 / 30 / 10:
    /// A -16.9 pp thin, I -4.6 in line, P +16.2 strong, L +5.4 strong (in line at a threshold of 6).
    @Test("the brand's composition against the file, by hand")
    func comparison() throws {
        let (_, _, s) = try snapshot(of: AIPLTests.records)
        let benchmark = try AIPLBenchmark.parse("stage,share\nA,0.4\nI,0.2\nP,0.3\nL,0.1\n", file: "industry.csv")
        let report = AIPLBenchmarkComparison.compute(s, benchmark: benchmark, asOf: AIPLTests.d)
        #expect(report.rows.map(\.consumers) == [3, 2, 6, 2])
        #expect(report.rows.map(\.verdict) == [.thin, .inLine, .strong, .strong])
        let difference: Double = try #require(report.rows[0].differencePoints)
        let expected: Double = (3.0 / 13.0 - 0.4) * 100.0
        #expect(abs(difference - expected) < 1e-9)
        let text = report.rendered(as: .table)
        #expect(text.contains("23.1%"))
        #expect(text.contains("-16.9 pp"))
        #expect(text.contains("+5.4 pp"))
        let wider = AIPLBenchmarkComparison.compute(s, benchmark: benchmark, asOf: AIPLTests.d, thresholdPoints: 6)
        #expect(wider.rows.map(\.verdict) == [.thin, .inLine, .strong, .inLine])
    }

    /// Category `skin` of the category test brand: A 1, I 0, P 2, L 1 (assets 4): 25 / 0 / 50 / 25
    /// against 25 / 10 / 50 / 15: in line, thin (-10), in line, strong (+10). `lips` has no brand
    /// consumers: no brand share and no verdict.
    @Test("category compositions compare with the category's stages")
    func categories() throws {
        let (_, _, s) = try snapshot(of: AIPLTests.categoryRecords)
        let text = "category,stage,share\nskin,A,0.25\nskin,I,0.10\nskin,P,0.5\nskin,L,0.15\nlips,A,0.25\nlips,I,0.25\nlips,P,0.25\nlips,L,0.25\n"
        let report = AIPLBenchmarkComparison.compute(s, benchmark: try AIPLBenchmark.parse(text, file: "c.csv"), asOf: AIPLTests.d)
        #expect(report.rows.count == 8)
        #expect(report.rows[0..<4].map(\.verdict) == [.inLine, .thin, .inLine, .strong])
        #expect(report.rows[4..<8].allSatisfy { $0.brandShare == nil && $0.verdict == nil })
        // The comparison is a pure function planning can call with its own counts.
        let rows = AIPLBenchmarkComparison.compare(
            benchmark: try AIPLBenchmark.parse(text, file: "c.csv"), thresholdPoints: 5,
            counts: { $0 == "lips" ? [0, 1, 1, 1, 1] : nil })
        #expect(rows[4..<8].map(\.verdict) == [.inLine, .inLine, .inLine, .inLine])
        #expect(rows[0].brandShare == nil)
    }

    @Test("the catalogue analysis reads the file and names the line on errors")
    func analysis() throws {
        let (dir, _, s) = try snapshot(of: AIPLTests.records)
        let good = dir.path + "/industry.csv"
        try "stage,share\nA,0.4\nI,0.2\nP,0.3\nL,0.1\n".write(toFile: good, atomically: true, encoding: .utf8)
        let bad = dir.path + "/bad.csv"
        try "stage,share\nA,0.4\nI,0.2\nP,0.3\nL,2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let report = try Analysis.aiplBenchmark.run(s, AnalysisArguments(["file": good, "as-of": "2026-06-30", "threshold": "6"]))
        #expect((report as? AIPLBenchmarkComparison)?.rows.map(\.verdict) == [.thin, .inLine, .strong, .inLine])
        #expect(throws: AnalysisError.missingParameter(parameter: "file")) { try Analysis.aiplBenchmark.run(s, AnalysisArguments()) }
        do {
            _ = try Analysis.aiplBenchmark.run(s, AnalysisArguments(["file": bad]))
            Issue.record("a bad file ran")
        } catch {
            #expect("\(error)".contains("bad.csv:5: share: '2' is not a share"))
        }
    }
}
