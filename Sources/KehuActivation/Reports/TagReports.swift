import KehuAnalytics
import KehuModel
import KehuStore

/// `kehu tag list`: every tag with its size on the current snapshot.
public struct TagListReport: Report {
    public var workspace: String
    public var asOf: Day
    public var consumers: Int
    public var tags: [Line]

    public struct Line: Sendable, Codable, Hashable {
        public var name: String
        public var kind: TagKind
        /// Nil when the tag cannot be evaluated (`error` says why).
        public var size: Int?
        public var expression: String?
        public var description: String
        public var error: String?
    }

    /// Evaluates every tag of `store` on `snapshot`.
    public static func compute(_ store: TagStore, _ snapshot: Snapshot, asOf: Day?) throws(ActivationError) -> TagListReport {
        let day = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: day, tags: store)
        let lines = try store.list().map { tag -> Line in
            var size: Int?
            var failure: String?
            do throws(ExpressionError) {
                size = try evaluator.evaluate("tag:" + TagStore.quotedIfNeeded(tag.name)).count
            } catch {
                failure = error.message
            }
            return Line(name: tag.name, kind: tag.kind, size: size, expression: tag.expression, description: tag.description, error: failure)
        }
        return TagListReport(workspace: snapshot.workspace, asOf: day, consumers: snapshot.consumerCount, tags: lines)
    }

    public var title: String { "Tags 标签" }
    public var parameters: [ReportParameter] {
        [ReportParameter("workspace", workspace), ReportParameter("as of", asOf.description), ReportParameter("consumers", Figures.grouped(consumers))]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["tag", "kind", "consumers", "share", "rule / description"])
        table.alignments = [.left, .left, .right, .right, .left]
        table.rows = tags.map { line in
            [
                line.name, line.kind.rawValue, line.size.map(Figures.grouped) ?? "error",
                line.size.map { Figures.percent($0, consumers) } ?? "-",
                line.error.map { "error: " + $0 } ?? line.expression ?? line.description,
            ]
        }
        if tags.isEmpty { table.footnotes = ["no tags yet: kehu tag define NAME 'EXPRESSION' or kehu tag import NAME FILE"] }
        return [table]
    }
}

/// A consumer set broken down by AIPL stage and by channel: `kehu tag show`, `kehu audience size`.
public struct ConsumerSetReport: Report {
    /// `tag` or `audience`.
    public var subject: String
    public var name: String
    public var kind: String
    public var expression: String?
    public var description: String
    public var workspace: String
    public var asOf: Day
    public var consumers: Int
    public var size: Int
    /// Milliseconds the evaluation took (the set, not the breakdowns).
    public var evaluationMilliseconds: Double
    public var byStage: [Group]
    /// Members with an event in each channel up to the as-of day (a member can be in several).
    public var byChannel: [Group]

    public struct Group: Sendable, Codable, Hashable {
        public var group: String
        public var chineseName: String
        public var consumers: Int
    }

    /// The breakdown of `set` on `snapshot` as of `day`.
    /// - Complexity: O(consumers) for stages (cached per day), O(members' events up to the day) for channels.
    public static func compute(
        subject: String, name: String, kind: String, expression: String?, description: String, set: ConsumerSet,
        evaluationMilliseconds: Double, _ snapshot: Snapshot, asOf day: Day
    ) -> ConsumerSetReport {
        let stages = ActivationFeatures.stages(snapshot, asOf: day)
        var stageCounts = [Int](repeating: 0, count: AIPLStage.allCases.count)
        let channels = snapshot.dictionaries[EventField.channel.rawValue]
        var channelCounts = [Int](repeating: 0, count: max(1, channels.codeCount))
        var seen = [Int](repeating: -1, count: max(1, channels.codeCount))
        let end = AnalysisCalendar(snapshot).end(of: day)
        set.forEach { c in
            stageCounts[Int(stages[c].rawValue)] += 1
            for i in snapshot.events(of: c) {
                if snapshot.ts[i] >= end { break }
                let code = Int(snapshot.fields[EventField.channel.rawValue][i])
                if code != 0 && seen[code] != c {
                    seen[code] = c
                    channelCounts[code] += 1
                }
            }
        }
        let byChannel = (1..<max(1, channels.codeCount)).compactMap { code -> Group? in
            channelCounts[code] == 0 ? nil : Group(group: channels.string(UInt32(code)) ?? "?", chineseName: "", consumers: channelCounts[code])
        }.sorted { ($0.consumers, $1.group) > ($1.consumers, $0.group) }
        return ConsumerSetReport(
            subject: subject, name: name, kind: kind, expression: expression, description: description, workspace: snapshot.workspace,
            asOf: day, consumers: snapshot.consumerCount, size: set.count, evaluationMilliseconds: evaluationMilliseconds,
            byStage: AIPLStage.allCases.map { Group(group: $0.letter, chineseName: $0.chineseName, consumers: stageCounts[Int($0.rawValue)]) },
            byChannel: byChannel)
    }

    public var title: String { subject == "tag" ? "Tag 标签 \(name)" : "Audience 人群 \(name)" }

    public var parameters: [ReportParameter] {
        var list = [ReportParameter("workspace", workspace), ReportParameter("as of", asOf.description), ReportParameter("kind", kind)]
        if let expression { list.append(ReportParameter("rule", expression)) }
        if !description.isEmpty { list.append(ReportParameter("description", description)) }
        return list
    }

    public func tables() -> [TextTable] {
        var size = TextTable(headers: ["consumers", "of all", "share", "evaluated in"])
        size.alignments = [.right, .right, .right, .right]
        size.rows = [[Figures.grouped(self.size), Figures.grouped(consumers), Figures.percent(self.size, consumers),
                      String(format: "%.1f ms", evaluationMilliseconds)]]
        var stage = TextTable(title: "By AIPL stage 按AIPL阶段", headers: ["stage", "中文", "consumers", "share"])
        stage.alignments = [.left, .left, .right, .right]
        stage.rows = byStage.map { [$0.group, $0.chineseName, Figures.grouped($0.consumers), Figures.percent($0.consumers, self.size)] }
        var channel = TextTable(title: "By channel 按渠道 (an event in the channel up to the as-of day)", headers: ["channel", "consumers", "share"])
        channel.alignments = [.left, .right, .right]
        channel.rows = byChannel.map { [$0.group, Figures.grouped($0.consumers), Figures.percent($0.consumers, self.size)] }
        channel.footnotes = ["a consumer active in several channels counts in each"]
        return [size, stage, channel]
    }
}
