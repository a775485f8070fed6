import KehuAnalytics

/// The plans with their send counts: `kehu reach list` and `GET /v1/reach/plans`.
public struct ReachPlanList: Report {
    public var plans: [ReachPlan]
    public var counts: [String: [ReachStore.Status: Int]]

    public init(plans: [ReachPlan], counts: [String: [ReachStore.Status: Int]]) {
        self.plans = plans
        self.counts = counts
    }

    public var title: String { "Reach plans" }
    public var parameters: [ReportParameter] { [] }

    private enum CodingKeys: String, CodingKey { case plans }
    private struct Entry: Encodable {
        var plan: ReachPlan
        var scheduled, delivered, failed, holdout: Int
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plans.map { plan in
            let n = counts[plan.name] ?? [:]
            return Entry(plan: plan, scheduled: n[.scheduled] ?? 0, delivered: n[.delivered] ?? 0, failed: n[.failed] ?? 0, holdout: n[.holdout] ?? 0)
        }, forKey: .plans)
    }

    public func tables() -> [TextTable] {
        var table = TextTable(
            headers: ["plan", "channel", "content", "window", "cap", "holdout", "audience", "scheduled", "delivered", "failed", "held out"],
            alignments: [.left, .left, .left, .left, .left, .right, .left, .right, .right, .right, .right])
        for plan in plans {
            let n = counts[plan.name] ?? [:]
            table.rows.append([
                plan.name, plan.channel.rawValue, plan.content, plan.window.description, plan.cap.description,
                Figures.percent(Int((plan.holdoutShare * 1000).rounded()), 1000), plan.audience,
                Figures.grouped(n[.scheduled] ?? 0), Figures.grouped(n[.delivered] ?? 0), Figures.grouped(n[.failed] ?? 0),
                Figures.grouped(n[.holdout] ?? 0),
            ])
        }
        let suppressed = plans.filter { !$0.suppressions.isEmpty }
        table.footnotes = suppressed.map { "\($0.name) suppresses " + $0.suppressions.map(\.description).joined(separator: ", ") }
        return [table]
    }
}
