import Foundation
import KehuModel
import KehuStore

/// How a brand's stage share compares with the industry's.
public enum AIPLBenchmarkVerdict: String, Sendable, Codable, CaseIterable {
    /// At least the threshold below the industry share (偏薄).
    case thin
    /// Within the threshold (持平).
    case inLine = "in line"
    /// At least the threshold above the industry share (偏强).
    case strong

    public var chineseName: String {
        switch self {
        case .thin: "偏薄"
        case .inLine: "持平"
        case .strong: "偏强"
        }
    }

    /// The verdict for a difference in percentage points against a threshold in points.
    public init(differencePoints: Double, threshold: Double) {
        // Rounded to 1e-9 so that 0.30 - 0.25 counts as 5 points.
        let d = (differencePoints * 1e9).rounded() / 1e9
        self = d <= -threshold ? .thin : d >= threshold ? .strong : .inLine
    }
}

/// The brand's AIPL composition against an industry composition (DESIGN 4.1, "benchmark"): per
/// stage, the brand's share of its assets, the industry share, the difference in percentage
/// points and a verdict. Planning (gap deduction) reads ``rows`` directly.
public struct AIPLBenchmarkComparison: Report {
    public var workspace: String
    public var asOf: Day
    public var rules: AIPLRules
    /// The benchmark file as given.
    public var source: String
    /// A difference of at least this many percentage points is thin or strong.
    public var thresholdPoints: Double
    /// Per composition in the file (overall first if present, then categories in file order), per stage A to L.
    public var rows: [Row]

    public struct Row: Sendable, Codable, Hashable {
        /// nil for the brand overall.
        public var category: String?
        public var stage: String
        public var chineseName: String
        /// Brand consumers in the stage (in the category, for a category row).
        public var consumers: Int
        /// The brand's share of its assets (A+I+P+L); nil when it has no assets there.
        public var brandShare: Double?
        public var industryShare: Double
        /// (brand - industry) x 100; nil without a brand share.
        public var differencePoints: Double?
        public var verdict: AIPLBenchmarkVerdict?
    }

    public var title: String { "AIPL composition against the industry (人群结构对标) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("as of", "\(asOf)"), ReportParameter("benchmark", source),
         ReportParameter("threshold", Self.points(thresholdPoints) + " pp")] + rules.reportParameters
    }

    public func tables() -> [TextTable] {
        let categorised = rows.contains { $0.category != nil }
        var table = TextTable(
            title: nil,
            headers: (categorised ? ["category"] : []) + ["stage", "consumers", "brand share", "industry share", "difference", "verdict"],
            alignments: (categorised ? [.left] : []) + [.left, .right, .right, .right, .right, .left])
        for row in rows {
            table.rows.append(
                (categorised ? [row.category ?? "(all)"] : []) + [
                    "\(row.stage) \(row.chineseName)", Figures.grouped(row.consumers), row.brandShare.map(Self.percent) ?? "-",
                    Self.percent(row.industryShare), row.differencePoints.map { Self.signed($0) + " pp" } ?? "-",
                    row.verdict.map { "\($0.rawValue) \($0.chineseName)" } ?? "-",
                ])
        }
        table.footnotes = [
            "shares are of the assets (A+I+P+L); thin / strong: at least \(Self.points(thresholdPoints)) percentage points below / above the industry share"
        ]
        if rows.contains(where: { $0.brandShare == nil }) {
            table.footnotes.append("-: the brand has no consumers in A, I, P or L there")
        }
        return [table]
    }

    /// Compares brand stage counts with a benchmark: `counts(nil)` gives the brand's overall
    /// consumers per stage (indexed by ``AIPLStage/rawValue``), `counts(category)` a category's;
    /// nil when the brand has none there. Pure, so planning can call it with its own counts.
    public static func compare(
        benchmark: AIPLBenchmark, thresholdPoints: Double, counts: (String?) -> [Int]?
    ) -> [Row] {
        var rows: [Row] = []
        let ordered = benchmark.compositions.filter { $0.category == nil } + benchmark.compositions.filter { $0.category != nil }
        for composition in ordered {
            let brand = counts(composition.category)
            let assets = brand.map { $0[1...].reduce(0, +) } ?? 0
            for stage in [AIPLStage.aware, .interested, .purchased, .loyal] {
                let consumers = brand?[Int(stage.rawValue)] ?? 0
                let industry = composition.share(stage)!
                let share = assets > 0 ? Double(consumers) / Double(assets) : nil
                let difference = share.map { ($0 - industry) * 100 }
                rows.append(
                    Row(
                        category: composition.category, stage: stage.letter, chineseName: stage.chineseName,
                        consumers: consumers, brandShare: share, industryShare: industry, differencePoints: difference,
                        verdict: difference.map { AIPLBenchmarkVerdict(differencePoints: $0, threshold: thresholdPoints) }))
            }
        }
        return rows
    }

    /// The brand's composition as of `day` against `benchmark`; category compositions use
    /// ``AIPLStages/countsByCategory(_:asOf:rules:)`` (computed only when the file has any).
    public static func compute(
        _ snapshot: Snapshot, benchmark: AIPLBenchmark, asOf day: Day, thresholdPoints: Double = 5,
        rules: AIPLRules = .standard
    ) -> AIPLBenchmarkComparison {
        let overall = benchmark.composition(category: nil) == nil ? nil : AIPLStages.counts(snapshot, asOf: day, rules: rules)
        var byCategory: [String: [Int]] = [:]
        if benchmark.compositions.contains(where: { $0.category != nil }) {
            let names = snapshot.dictionaries[EventField.category.rawValue]
            for (code, counts) in AIPLStages.countsByCategory(snapshot, asOf: day, rules: rules).enumerated() where code > 0 {
                if let name = names.string(UInt32(code)) { byCategory[name] = counts }
            }
        }
        let rows = compare(benchmark: benchmark, thresholdPoints: thresholdPoints) { category in
            category.map { byCategory[$0] } ?? overall
        }
        return AIPLBenchmarkComparison(
            workspace: snapshot.workspace, asOf: day, rules: rules, source: benchmark.source,
            thresholdPoints: thresholdPoints, rows: rows)
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }
    static func signed(_ points: Double) -> String {
        let rounded = (points * 10).rounded() / 10
        return (rounded > 0 ? "+" : "") + String(format: "%.1f", rounded == 0 ? 0 : rounded)
    }
    static func points(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}

extension Analysis {
    public static let aiplBenchmark = Analysis(
        name: "aipl-benchmark", title: "AIPL composition against the industry",
        summary: "The brand's share of A, I, P and L among its assets against an industry composition file, with a verdict per stage.",
        parameters: [
            AnalysisParameter("file", .file, help: "The industry composition: CSV `stage,share[,category]` (docs/formats.md)."),
            AnalysisParameter("as-of", .day, help: "The day (default: the last day with data)."),
            AnalysisParameter(
                "threshold", .number, help: "Percentage points from the industry share that count as thin or strong.", default: "5"),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        guard let path = arguments.string("file") else { throw .missingParameter(parameter: "file") }
        let benchmark: AIPLBenchmark
        do { benchmark = try AIPLBenchmark.load(path: path) } catch {
            throw .invalidParameter(parameter: "file", value: path, reason: "\(error)")
        }
        return AIPLBenchmarkComparison.compute(
            snapshot, benchmark: benchmark, asOf: try arguments.asOf(in: snapshot),
            thresholdPoints: try arguments.number("threshold", default: 5, in: 0.1...100), rules: try AIPLRules(arguments))
    }
}
