import KehuAnalytics
import KehuModel

/// What `kehu reach plan` prints: the steps from audience to scheduled sends, and the sends
/// per day and hour.
public struct ReachPlanReport: Report {
    public struct Slot: Sendable, Hashable, Codable {
        public var day: Day
        public var hour: Int
        public var sends: Int
    }

    public var plan: String
    public var audienceDefinition: String
    public var content: String
    public var channel: ReachChannel
    public var window: String
    public var cap: String
    public var holdoutShare: Double
    public var seed: UInt64
    public var asOf: Day
    public var audience: Int
    public var suppressed: Int
    public var capped: Int
    public var noChannelKey: Int
    public var eligible: Int
    public var holdout: Int
    public var scheduled: Int
    public var severalKeys: Int
    public var audienceHour: Int
    public var audienceHourUsed: Int
    public var slots: [Slot]
    /// True when the schedule was only computed (`--dry-run`), not stored.
    public var dryRun: Bool

    public init(_ schedule: ReachSchedule, dryRun: Bool) {
        let plan = schedule.plan
        self.plan = plan.name
        audienceDefinition = plan.audience
        content = plan.content
        channel = plan.channel
        window = plan.window.description
        cap = plan.cap.description
        holdoutShare = plan.holdoutShare
        seed = plan.seed
        asOf = schedule.asOf
        audience = schedule.audience
        suppressed = schedule.suppressed
        capped = schedule.capped
        noChannelKey = schedule.noChannelKey
        eligible = schedule.holdout + schedule.scheduled
        holdout = schedule.holdout
        scheduled = schedule.scheduled
        severalKeys = schedule.severalKeys
        audienceHour = schedule.audienceHour
        audienceHourUsed = schedule.audienceHourUsed
        slots = schedule.sendsPerDayHour.map { Slot(day: $0.day, hour: $0.hour, sends: $0.sends) }
        self.dryRun = dryRun
    }

    public var title: String { "Reach plan \(plan)" + (dryRun ? " (dry run: nothing stored)" : "") }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("audience", audienceDefinition), ReportParameter("as of", "\(asOf)"),
            ReportParameter("content", content), ReportParameter("channel", channel.rawValue),
            ReportParameter("window", window), ReportParameter("cap", cap),
            ReportParameter("holdout", percentText(holdoutShare)), ReportParameter("seed", "\(seed)"),
        ]
    }

    public func tables() -> [TextTable] {
        var steps = TextTable(title: "From audience to sends", headers: ["step", "consumers", "of audience"])
        func row(_ name: String, _ value: Int) { steps.rows.append([name, Figures.grouped(value), Figures.percent(value, audience)]) }
        row("audience", audience)
        row("− suppressed", suppressed)
        row("− capped (frequency cap)", capped)
        row("− no \(channel.rawValue) key", noChannelKey)
        row("= eligible", eligible)
        row("  holdout (not sent)", holdout)
        row("  scheduled", scheduled)
        steps.footnotes = [
            "Holdout: \(Figures.percent(holdout, eligible)) of eligible (plan: \(percentText(holdoutShare))).",
            "Best hour: \(Figures.grouped(audienceHourUsed)) of \(Figures.grouped(eligible)) eligible have too little history "
                + "(< \(BestHours.minimumEvents) engagement events in \(BestHours.lookbackDays) days) and use the audience's "
                + "best hour, \(hourText(audienceHour)).",
        ]
        if severalKeys > 0 {
            steps.footnotes.append("\(Figures.grouped(severalKeys)) eligible consumers have several \(channel.rawValue) keys; the first seen is used.")
        }
        let hours = Array(Set(slots.map(\.hour))).sorted()
        var grid = TextTable(title: "Scheduled sends per day and hour", headers: ["day"] + hours.map(hourText) + ["total"])
        var byDay: [Day: [Int: Int]] = [:]
        for slot in slots { byDay[slot.day, default: [:]][slot.hour] = slot.sends }
        for day in byDay.keys.sorted() {
            let cells = byDay[day]!
            grid.rows.append(["\(day)"] + hours.map { cells[$0].map(Figures.grouped) ?? "" } + [Figures.grouped(cells.values.reduce(0, +))])
        }
        if slots.isEmpty { grid.footnotes = ["No sends scheduled."] }
        return [steps, grid]
    }
}

func hourText(_ hour: Int) -> String { (hour < 10 ? "0" : "") + "\(hour):00" }

func percentText(_ share: Double) -> String {
    let tenths = (share * 1000).rounded()
    return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))%" : "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
}
