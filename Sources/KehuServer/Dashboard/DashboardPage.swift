import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore

/// The dashboard's pages, in the order the navigation lists them.
enum DashboardPage: String, CaseIterable, Sendable {
    case overview, aipl, funnel, retention, rfm, channels, clv, plan, campaigns, audiences, reach, members, analyses

    var path: String { self == .overview ? "/" : "/" + rawValue }

    func title(_ language: DashboardLanguage) -> String {
        switch self {
        case .overview: language.text("总览", "Overview")
        case .aipl: language.text("AIPL 与流转", "AIPL and flows")
        case .funnel: language.text("漏斗", "Funnel")
        case .retention: language.text("留存", "Retention")
        case .rfm: "RFM"
        case .channels: language.text("渠道", "Channels")
        case .clv: language.text("CLV 客户价值", "CLV")
        case .plan: language.text("目标拆解", "Plan gap")
        case .campaigns: language.text("活动节奏", "Campaigns")
        case .audiences: language.text("人群", "Audiences")
        case .reach: language.text("触达", "Reach")
        case .members: language.text("会员", "Members")
        case .analyses: language.text("全部分析", "All analyses")
        }
    }

    /// The SVG charts the page draws when the data supports every one (the demo brand does);
    /// the route and browser tests hold the pages to it.
    var chartCount: Int {
        switch self {
        case .overview, .aipl: 3
        case .funnel, .retention, .rfm, .channels, .clv, .plan, .campaigns: 2
        // Sizes; the estimate's two breakdowns and the overlap only when asked for.
        case .audiences: 1
        // The chosen plan's conversion and GMV per consumer (with intervals) and its send hours.
        case .reach: 3
        // Recruited cohort funnel, 招育转留赞, tiers, points.
        case .members: 4
        case .analyses: 0
        }
    }

    /// Pages whose data follows the date bar (the plan and campaign pages have their own windows).
    var showsDateBar: Bool {
        switch self {
        case .plan, .campaigns, .reach, .analyses: false
        default: true
        }
    }

    /// The page's content: HTML inside `<main>`.
    /// - Throws: ``PageFailure`` (already HTML, e.g. a form with its error) or any error whose
    ///   description is a sentence for the user (``AnalysisError``, ``PlanError`` ...).
    func render(_ context: PageContext) throws -> String {
        switch self {
        case .overview: try OverviewPage.render(context)
        case .aipl: try AIPLPage.render(context)
        case .funnel: try FunnelPage.render(context)
        case .retention: try RetentionPage.render(context)
        case .rfm: try RFMPage.render(context)
        case .channels: try ChannelsPage.render(context)
        case .clv: try CLVPage.render(context)
        case .plan: try PlanGapPage.render(context)
        case .campaigns: try CampaignsPage.render(context)
        case .audiences: try AudiencesPage.render(context)
        case .reach: try ReachPage.render(context)
        case .members: try MembersPage.render(context)
        case .analyses: AnalysesPage.index(context)
        }
    }
}

/// A page that failed after drawing something worth keeping (its parameter form): the HTML to
/// show, with status 400.
struct PageFailure: Error {
    var html: String
}

/// What a page is drawn from: the workspace's snapshot, the request's query and the resolved dates.
struct PageContext: Sendable {
    let snapshot: Snapshot
    let workspace: Workspace
    let query: DashboardQuery
    let dates: DashboardDates

    var language: DashboardLanguage { query.language }

    /// Runs a catalogued analysis (``ServerCatalogue/all``) with `values` as its arguments.
    func run<R: Report>(_ name: String, _ values: [String: String], as type: R.Type) throws -> R {
        let report = try ServerCatalogue.named(name).run(snapshot, AnalysisArguments(values))
        guard let typed = report as? R else { throw AnalysisError.insufficientData("\(name) returned an unexpected report") }
        return typed
    }

    /// The period as `from`/`to` arguments.
    var periodValues: [String: String] { ["from": "\(dates.period.first)", "to": "\(dates.period.last)"] }

    /// The period and as-of day, as shown under a chart.
    var periodNote: String {
        language.text("周期 \(dates.period.first) 至 \(dates.period.last)（\(dates.period.dayCount) 天）",
                      "Period \(dates.period.first) to \(dates.period.last) (\(dates.period.dayCount) days)")
    }

    var asOfNote: String { language.text("截至 \(dates.asOf)", "As of \(dates.asOf)") }

    /// `MM-DD` of a day, for axis labels.
    static func short(_ day: Day) -> String { String(day.description.dropFirst(5)) }

    /// The page's own value of `name`, or `fallback`.
    func value(_ name: String, _ fallback: String) -> String { query.values[name] ?? fallback }
}

/// A stage letter in the dashboard's language: `A 认知` / `A Aware`.
enum StageLabel {
    static func of(_ letter: String, chinese: String, _ language: DashboardLanguage) -> String {
        let english = ["none": "None", "A": "Aware", "I": "Interested", "P": "Purchased", "L": "Loyal", "new": "New to brand"]
        if letter == "none" || letter == "-" { return language.text("无阶段", "No stage") }
        if letter == "new" { return language.text("新客（活动中首见）", "New to brand") }
        return language.text("\(letter) \(chinese)", "\(letter) \(english[letter] ?? letter)")
    }
}
