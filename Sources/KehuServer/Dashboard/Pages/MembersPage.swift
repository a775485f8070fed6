import KehuAnalytics
import KehuCharts
import KehuMembers
import KehuModel

/// 会员: the membership programme in the date bar's period: the members recruited in it followed
/// to its end (入会 → 首购 → 复购), the 招育转留赞 counts of `kehu member report`, members per tier
/// (`kehu member tiers`, as of the last `kehu member sync`) and the points the ledger issued,
/// redeemed and expired in the period. `lapse-days=` as in `kehu member report` (default 180).
enum MembersPage {
    static func render(_ c: PageContext) throws -> String {
        let l = c.language
        guard let programme = try MemberStore.programme(in: c.workspace) else {
            return HTML.nothingYet(
                l.text("还没有设置会员计划", "No membership programme is set"),
                l.text("设置会员计划（等级、积分规则）后，这里显示招育转留赞、等级分布和积分：", "Once a programme (tiers, points rules) is set, 招育转留赞, tiers and points show here:"),
                command: "kehu member programme set programme.txt  ·  kehu member sync",
                note: l.text("计划文件的格式见 docs/members.md；kehu member sync 从 member_join 事件登记会员并发放积分。",
                             "docs/members.md has the programme file's format; kehu member sync enrols members from member_join events and posts their points."))
        }
        let lapseText = c.value("lapse-days", "180")
        guard let lapseDays = Int(lapseText), (1...3_660).contains(lapseDays) else {
            throw AnalysisError.invalidParameter(parameter: "lapse-days", value: lapseText, reason: "expected a whole number of days from 1 to 3660")
        }
        let period = c.dates.period
        let subjects = try MemberFunnel.subjects(in: c.workspace, snapshot: c.snapshot)
        let report = MemberFunnel.compute(c.snapshot, members: subjects, period: period, lapseDays: lapseDays)
        let cohort = RecruitFunnel.compute(c.snapshot, members: subjects, period: period)
        let members = try MemberStore.members(in: c.workspace)
        let tiers = TierCounts(members, programme: programme)
        let points = try PointsFlow.compute(in: c.workspace, period: period)

        var html = HTML.kpis([
            .init(label: l.text("期末会员", "Members at the end"), value: l.count(report.membersAtEnd), note: l.text("期初 \(l.count(report.membersAtStart))", "\(l.count(report.membersAtStart)) at the start")),
            .init(label: l.text("招 新入会", "Recruited"), value: l.count(report.recruited), note: l.text("本期", "this period")),
            .init(label: l.text("转 首购", "Converted"), value: l.count(report.converted),
                  note: report.medianDaysToFirstPurchase.map { l.text("入会后中位 \(days($0)) 天", "median \(days($0)) days after joining") }),
            .init(label: l.text("留 复购", "Retained"), value: l.count(report.repeatBuyers), note: nil),
            .init(label: l.text("积分发放", "Points issued"), value: l.count(points.issued), note: l.text("兑换 \(l.count(points.redeemed)) · 过期 \(l.count(points.expired))", "redeemed \(l.count(points.redeemed)) · expired \(l.count(points.expired))")),
        ])
        if members.isEmpty {
            html += HTML.nothingYet(
                l.text("会员计划「\(programme.name)」还没有会员", "Programme \(programme.name) has no members yet"),
                l.text("从 member_join 事件登记会员并发放积分：", "Enrol members from member_join events and post their points:"),
                command: "kehu member sync", note: l.text("也可手动登记：kehu member join KEY。", "Or enrol one by hand: kehu member join KEY."))
        }
        let funnel = DashboardCharts.funnel(
            l.text("本期入会会员：入会 → 首购 → 复购", "Recruited this period: joined → first purchase → repeat"),
            steps: [(l.text("入会", "Joined"), Double(cohort.recruited)), (l.text("首购", "First purchase"), Double(cohort.firstPurchase)),
                    (l.text("复购", "Repeat purchase"), Double(cohort.repeatPurchase))],
            language: l, width: DashboardCharts.halfWidth, height: 260)
        let median = report.medianDaysToFirstPurchase.map(days) ?? "–"
        // Each stage with its note, so a note can never slip to another row.
        let stages: [(String, String, Int, String)] = [
            ("招 入会", "Recruit", report.recruited, l.text("本期入会", "joined in the period")),
            ("育 互动未购", "Nurture", report.nurtured, l.text("浏览、收藏或加购，未购买", "viewed, favorited or carted; no purchase")),
            ("转 首购", "Convert", report.converted, l.text("入会后中位 \(median) 天首购", "median \(median) days from joining")),
            ("留 复购", "Retain", report.repeatBuyers, l.text("再次购买", "bought again")),
            ("流失 退会", "Left", report.churnedLeft, l.text("退出会员", "left the programme")),
            ("流失 沉睡", "Lapsed", report.churnedLapsed, l.text("\(report.lapseDays) 天未购买", "\(report.lapseDays) days without a purchase")),
            ("赞 推荐入会", "Referrals", report.referrals, l.text("由会员推荐入会", "joined, referred by a member")),
            ("赞 分享", "Sharers", report.sharers, l.text("\(l.count(report.shares)) 次分享", "\(l.count(report.shares)) share events")),
        ]
        let stageChart = DashboardCharts.bar(
            l.text("招育转留赞", "Recruit / nurture / convert / retain / advocate"), categories: stages.map { l.text($0.0, $0.1) },
            series: [(l.text("会员", "Members"), stages.map { Double($0.2) })], style: .count, horizontal: true, language: l)
        let tierChart = DashboardCharts.bar(
            l.text("各等级会员", "Members per tier"), categories: tiers.rows.map(\.name),
            series: [(l.text("会员", "Members"), tiers.rows.map { Double($0.members) })], style: .count, language: l)
        let pointsChart = DashboardCharts.bar(
            l.text("本期积分", "Points in the period"), categories: [l.text("发放", "Issued"), l.text("兑换", "Redeemed"), l.text("过期", "Expired")],
            series: [(l.text("积分", "Points"), [Double(points.issued), Double(points.redeemed), Double(points.expired)])], style: .count, language: l)
        let stageRows = stages.map { [l.text($0.0, $0.1), $0.3, l.count($0.2)] }
        let tierTotal = tiers.rows.reduce(0) { $0 + $1.members }
        let threshold = { (tier: MemberProgramme.Tier) in
            programme.basis == .spend ? l.money(tier.threshold) : l.text("\(l.count(tier.threshold)) 积分", "\(l.count(tier.threshold)) points")
        }
        let tierRows = zip(tiers.rows, programme.tiers).map { row, tier in
            [row.name, row.code, threshold(tier), l.count(row.members), l.percent(row.members, of: tierTotal), l.count(row.points)]
        }
        let channelRows = report.recruitedByChannel.map { [$0.channel, l.count($0.members), l.percent($0.members, of: report.recruited)] }
        let pointsRows = [
            [l.text("发放", "Issued"), l.count(points.issued)], [l.text("兑换", "Redeemed"), l.count(points.redeemed)],
            [l.text("过期", "Expired"), l.count(points.expired)], [l.text("调整（净额）", "Adjusted (net)"), (points.adjusted > 0 ? "+" : points.adjusted < 0 ? "-" : "") + l.count(Int64(points.adjusted.magnitude))],
        ]
        html += HTML.grid([
            HTML.card(
                l.text("入会会员转化", "Recruited members"), note: c.periodNote,
                html: funnel + HTML.table([l.text("步骤", "Step"), l.text("会员", "Members"), l.text("占入会", "Of recruited")], [
                    [l.text("入会", "Joined"), l.count(cohort.recruited), l.percent(cohort.recruited, of: cohort.recruited)],
                    [l.text("首购", "First purchase"), l.count(cohort.firstPurchase), l.percent(cohort.firstPurchase, of: cohort.recruited)],
                    [l.text("复购", "Repeat purchase"), l.count(cohort.repeatPurchase), l.percent(cohort.repeatPurchase, of: cohort.recruited)],
                ])
                    + "<p class=\"muted\">\(HTML.escape(l.text("本期入会的会员，到期末为止入会后有购买（首购）、两次及以上（复购）。", "Members who joined in the period; a purchase after joining by its end (first), two or more (repeat).")))</p>"),
            HTML.card(
                l.text("招育转留赞", "Recruit, nurture, convert, retain, advocate"), note: c.periodNote + " · " + l.text("定义见 docs/definitions.md", "definitions in docs/definitions.md"),
                html: stageChart + HTML.table([l.text("阶段", "Stage"), l.text("说明", "Note"), l.text("会员", "Members")], stageRows, leftColumns: 2)),
        ])
        html += HTML.grid([
            HTML.card(
                l.text("等级", "Tiers"), note: l.text("会员计划「\(programme.name)」· 截至最近一次 kehu member sync；已退会 \(l.count(tiers.left)) 人不计入。", "Programme \(programme.name) · as of the last kehu member sync; \(l.count(tiers.left)) who left are not counted."),
                html: tierChart + HTML.table([l.text("等级", "Tier"), l.text("代码", "Code"), l.text("门槛", "Threshold"), l.text("会员", "Members"), l.text("占比", "Share"), l.text("持有积分", "Points held")], tierRows, leftColumns: 2)),
            HTML.card(
                l.text("积分", "Points"), note: c.periodNote + " · " + l.text("\(l.count(points.entries)) 条积分流水", "\(l.count(points.entries)) ledger entries"),
                html: pointsChart + HTML.table([l.text("积分", "Points"), l.text("数量", "Amount")], pointsRows)),
        ])
        if !channelRows.isEmpty {
            html += HTML.card(
                l.text("新会员入会渠道", "Where new members joined"), note: c.periodNote,
                html: HTML.table([l.text("渠道", "Channel"), l.text("会员", "Members"), l.text("占比", "Share")], channelRows))
        }
        return html
    }

    static func days(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value))" : String(format: "%.1f", value)
    }
}
