import Foundation
import KehuAnalytics
import KehuModel
import KehuStore

/// `kehu audience overlap A B`.
public struct AudienceOverlapReport: Report {
    public var workspace: String
    public var asOf: Day
    public var first: String
    public var second: String
    public var firstSize: Int
    public var secondSize: Int
    public var both: Int
    public var union: Int
    /// |A ∩ B| / |A ∪ B|; nil when both are empty.
    public var jaccard: Double?

    public init(workspace: String, asOf: Day, first: String, second: String, a: ConsumerSet, b: ConsumerSet) {
        self.workspace = workspace
        self.asOf = asOf
        self.first = first
        self.second = second
        firstSize = a.count
        secondSize = b.count
        both = a.intersectionCount(b)
        union = firstSize + secondSize - both
        jaccard = union > 0 ? Double(both) / Double(union) : nil
    }

    public var title: String { "Audience overlap 人群重叠" }
    public var parameters: [ReportParameter] {
        [ReportParameter("workspace", workspace), ReportParameter("as of", asOf.description), ReportParameter("A", first), ReportParameter("B", second)]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["", "consumers", "share of A", "share of B"])
        table.alignments = [.left, .right, .right, .right]
        func row(_ label: String, _ n: Int) -> [String] {
            [label, Figures.grouped(n), Figures.percent(n, firstSize), Figures.percent(n, secondSize)]
        }
        table.rows = [
            row("A", firstSize), row("B", secondSize), row("A and B", both), row("A only", firstSize - both),
            row("B only", secondSize - both), row("A or B", union),
        ]
        table.footnotes = ["Jaccard |A∩B| / |A∪B| = " + (jaccard.map { String(format: "%.4f", $0) } ?? "- (both empty)")]
        return [table]
    }
}

/// `kehu audience list`: the audiences and their sizes.
public struct AudienceListReport: Report {
    public var workspace: String
    public var asOf: Day
    public var consumers: Int
    public var audiences: [Line]

    public struct Line: Sendable, Codable, Hashable {
        public var name: String
        public var expression: String
        public var size: Int?
        public var error: String?
    }

    public static func compute(_ store: AudienceStore, _ snapshot: Snapshot, asOf: Day?) throws(ActivationError) -> AudienceListReport {
        let day = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day, tags: TagStore(workspace: store.workspace))
        let lines = try store.list().map { audience -> Line in
            do throws(ExpressionError) {
                return Line(name: audience.name, expression: audience.expression, size: try evaluator.evaluate(audience.expression).count)
            } catch {
                return Line(name: audience.name, expression: audience.expression, error: error.message)
            }
        }
        return AudienceListReport(workspace: snapshot.workspace, asOf: day, consumers: snapshot.consumerCount, audiences: lines)
    }

    public var title: String { "Audiences 人群" }
    public var parameters: [ReportParameter] {
        [ReportParameter("workspace", workspace), ReportParameter("as of", asOf.description), ReportParameter("consumers", Figures.grouped(consumers))]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["audience", "consumers", "share", "expression"])
        table.alignments = [.left, .right, .right, .left]
        table.rows = audiences.map {
            [$0.name, $0.size.map(Figures.grouped) ?? "error", $0.size.map { Figures.percent($0, consumers) } ?? "-",
             $0.error.map { "error: " + $0 } ?? $0.expression]
        }
        if audiences.isEmpty { table.footnotes = ["no audiences yet: kehu audience define NAME 'EXPRESSION'"] }
        return [table]
    }
}

/// `kehu audience export`: what was written.
public struct AudienceExportReport: Report {
    public var workspace: String
    public var audience: String
    public var asOf: Day
    public var channel: String
    public var keyType: String
    public var file: String
    public var consumers: Int
    public var exported: Int
    public var withoutKey: Int

    public init(workspace: String, audience: String, asOf: Day, file: String, export: AudienceExport) {
        self.workspace = workspace
        self.audience = audience
        self.asOf = asOf
        channel = export.channel.rawValue
        keyType = export.channel.keyType.name
        self.file = file
        consumers = export.consumers
        exported = export.rows.count
        withoutKey = export.withoutKey
    }

    public var title: String { "Audience export 人群导出" }
    public var parameters: [ReportParameter] {
        [ReportParameter("workspace", workspace), ReportParameter("audience", audience), ReportParameter("as of", asOf.description),
         ReportParameter("channel", channel), ReportParameter("key", keyType), ReportParameter("file", file)]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["", "consumers", "share"])
        table.alignments = [.left, .right, .right]
        table.rows = [
            ["in the audience", Figures.grouped(consumers), "100.0%"],
            ["exported (one \(keyType) key each)", Figures.grouped(exported), Figures.percent(exported, consumers)],
            ["without a \(keyType) key (not exported)", Figures.grouped(withoutKey), Figures.percent(withoutKey, consumers)],
        ]
        if keyType == "phone" || keyType == "email" {
            table.footnotes = ["\(keyType) keys are salted SHA-256 digests (never stored in clear): match them with the workspace's salt"]
        }
        return [table]
    }
}

/// `kehu audience snapshot` and `kehu audience snapshots`.
public struct AudienceSnapshotsReport: Report {
    public var workspace: String
    public var snapshots: [AudienceSnapshot]

    public init(workspace: String, snapshots: [AudienceSnapshot]) {
        self.workspace = workspace
        self.snapshots = snapshots
    }

    public var title: String { "Audience snapshots 人群快照" }
    public var parameters: [ReportParameter] { [ReportParameter("workspace", workspace)] }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["id", "audience", "as of", "taken at (UTC)", "consumers", "expression"])
        table.alignments = [.right, .left, .left, .left, .right, .left]
        let formatter = ISO8601DateFormatter()
        table.rows = snapshots.map {
            ["\($0.id)", $0.audience, $0.asOf.description,
             formatter.string(from: Date(timeIntervalSince1970: Double($0.takenAt) / 1000)), Figures.grouped($0.size), $0.expression]
        }
        if snapshots.isEmpty { table.footnotes = ["no snapshots yet: kehu audience snapshot NAME"] }
        return [table]
    }
}
