import KehuAnalytics
import KehuModel
import KehuStore

/// The effect of a reach plan: treatment (scheduled consumers, whether or not delivery
/// succeeded: intention to treat) against the holdout, over a window after each consumer's
/// actual or would-be send time (docs/definitions.md, "Reach effect").
///
/// - **Converted**: at least one `pay` event in `[send time, send time + window)`.
/// - **GMV per consumer**: the sum of pay amounts in that window (Int64 fen, unknown amounts
///   count 0), averaged over every consumer of the group, converted or not.
/// - **Uplift**: treatment minus holdout, absolute and relative to the holdout.
/// - **Intervals** (95%): conversion by Newcombe's hybrid score method; GMV per consumer by
///   Welch's t interval.
public struct ReachEffect: Report {
    /// One group's figures.
    public struct Group: Sendable, Hashable, Codable {
        public var consumers: Int
        public var converted: Int
        public var gmvFen: Int64
        /// converted / consumers (0 when empty).
        public var conversion: Double
        /// gmvFen / consumers.
        public var gmvPerConsumerFen: Double
        /// Sample variance of GMV per consumer (fen²).
        public var gmvVariance: Double
    }

    /// An uplift with its interval.
    public struct Uplift: Sendable, Hashable, Codable {
        /// Treatment minus holdout.
        public var absolute: Double
        /// `absolute` over the holdout's figure; nil when the holdout's is 0.
        public var relative: Double?
        public var lower: Double?
        public var upper: Double?
        public var method: String
    }

    public var plan: String
    public var windowDays: Int
    public var treatment: Group
    public var holdout: Group
    public var conversionUplift: Uplift
    /// In fen per consumer.
    public var gmvPerConsumerUpliftFen: Uplift
    /// Welch–Satterthwaite degrees of freedom of the GMV interval.
    public var gmvDegreesOfFreedom: Double?
    /// Sends whose consumer id is no longer in the snapshot (merged into another consumer by
    /// OneID since the plan); left out of both groups.
    public var notInSnapshot: Int
    /// Consumers whose window runs past the last event in the data: their figures may still grow.
    public var windowPastData: Int
    /// The last day with data.
    public var lastDataDay: Day?
    /// Converted treatment consumers (catalogue ids), for `--responders-tag`.
    public var responders: [UInt32]

    private enum CodingKeys: String, CodingKey {
        case plan, windowDays, treatment, holdout, conversionUplift, gmvPerConsumerUpliftFen, gmvDegreesOfFreedom,
            notInSnapshot, windowPastData, lastDataDay, respondersCount
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plan, forKey: .plan)
        try c.encode(windowDays, forKey: .windowDays)
        try c.encode(treatment, forKey: .treatment)
        try c.encode(holdout, forKey: .holdout)
        try c.encode(conversionUplift, forKey: .conversionUplift)
        try c.encode(gmvPerConsumerUpliftFen, forKey: .gmvPerConsumerUpliftFen)
        try c.encodeIfPresent(gmvDegreesOfFreedom, forKey: .gmvDegreesOfFreedom)
        try c.encode(notInSnapshot, forKey: .notInSnapshot)
        try c.encode(windowPastData, forKey: .windowPastData)
        try c.encodeIfPresent(lastDataDay, forKey: .lastDataDay)
        try c.encode(responders.count, forKey: .respondersCount)
    }

    /// Measures a plan's effect on a snapshot.
    /// - Parameters:
    ///   - sends: the plan's stored sends (holdout and treatment).
    ///   - windowDays: the window after each send time, in days of 24 hours.
    /// - Complexity: O(sends × (log events per consumer + events in the window)).
    public static func compute(
        _ snapshot: Snapshot, plan: String, sends: [ReachStore.StoredSend], windowDays: Int
    ) -> ReachEffect {
        let window = Int64(windowDays) * 86_400_000
        let dataEnd = snapshot.dataDays.map { snapshot.zone.end(of: $0.last) }
        var gmv: [[Int64]] = [[], []]  // treatment, holdout
        var converted = [0, 0]
        var notInSnapshot = 0
        var pastData = 0
        var responders: [UInt32] = []
        for send in sends {
            guard let c = snapshot.denseIndex(ofConsumer: send.consumerID) else {
                notInSnapshot += 1
                continue
            }
            let group = send.holdout ? 1 : 0
            let end = send.sendAt + window
            if let dataEnd, end > dataEnd { pastData += 1 }
            var fen: Int64 = 0
            var paid = false
            var i = snapshot.firstEvent(of: c, atOrAfter: send.sendAt)
            let last = snapshot.events(of: c).upperBound
            while i < last, snapshot.ts[i] < end {
                if snapshot.kind[i] == .pay {
                    paid = true
                    fen += snapshot.amount(i) ?? 0
                }
                i += 1
            }
            gmv[group].append(fen)
            if paid {
                converted[group] += 1
                if group == 0 { responders.append(send.consumerID) }
            }
        }
        func group(_ g: Int) -> Group {
            let n = gmv[g].count
            let (mean, variance) = EffectStatistics.meanAndVariance(gmv[g])
            return Group(
                consumers: n, converted: converted[g], gmvFen: gmv[g].reduce(0, +),
                conversion: n == 0 ? 0 : Double(converted[g]) / Double(n), gmvPerConsumerFen: mean, gmvVariance: variance)
        }
        let t = group(0)
        let h = group(1)
        let conversionCI = EffectStatistics.newcombeDifference(t.converted, t.consumers, h.converted, h.consumers)
        let gmvCI = EffectStatistics.welch(
            mean1: t.gmvPerConsumerFen, variance1: t.gmvVariance, n1: t.consumers,
            mean2: h.gmvPerConsumerFen, variance2: h.gmvVariance, n2: h.consumers)
        let conversionDiff = t.conversion - h.conversion
        let gmvDiff = t.gmvPerConsumerFen - h.gmvPerConsumerFen
        return ReachEffect(
            plan: plan, windowDays: windowDays, treatment: t, holdout: h,
            conversionUplift: Uplift(
                absolute: conversionDiff, relative: h.conversion > 0 ? conversionDiff / h.conversion : nil,
                lower: conversionCI?.lower, upper: conversionCI?.upper, method: "Newcombe hybrid score (Wilson), 95%"),
            gmvPerConsumerUpliftFen: Uplift(
                absolute: gmvDiff, relative: h.gmvPerConsumerFen > 0 ? gmvDiff / h.gmvPerConsumerFen : nil,
                lower: gmvCI?.lower, upper: gmvCI?.upper, method: "Welch t, 95%"),
            gmvDegreesOfFreedom: gmvCI?.df, notInSnapshot: notInSnapshot, windowPastData: pastData,
            lastDataDay: snapshot.dataDays?.last, responders: responders)
    }

    public var title: String { "Reach effect: \(plan)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("window", "\(windowDays)d after each send time"), ReportParameter("groups", "treatment (intention to treat) against holdout")]
    }

    public func tables() -> [TextTable] {
        var groups = TextTable(
            title: "Treatment and holdout", headers: ["group", "consumers", "converted", "conversion", "GMV", "GMV per consumer"])
        for (name, g) in [("treatment", treatment), ("holdout", holdout)] {
            groups.rows.append([
                name, Figures.grouped(g.consumers), Figures.grouped(g.converted), Figures.percent(g.converted, g.consumers),
                Money.format(fen: g.gmvFen), Money.format(fen: Int64(g.gmvPerConsumerFen.rounded())),
            ])
        }
        var uplift = TextTable(title: "Uplift", headers: ["metric", "treatment", "holdout", "uplift", "relative", "95% CI", "method"])
        func points(_ value: Double) -> String {
            let hundredths = (value * 10_000).rounded()
            let sign = hundredths < 0 ? "-" : "+"
            let magnitude = Int(abs(hundredths))
            return sign + "\(magnitude / 100).\(magnitude % 100 < 10 ? "0" : "")\(magnitude % 100)pp"
        }
        func relative(_ value: Double?) -> String {
            guard let value else { return "-" }
            let tenths = (value * 1000).rounded()
            let magnitude = Int(abs(tenths))
            return (tenths < 0 ? "-" : "+") + "\(magnitude / 10).\(magnitude % 10)%"
        }
        func yuan(_ fen: Double) -> String {
            let rounded = Int64(fen.rounded())
            return (rounded < 0 ? "-" : "+") + Money.format(fen: abs(rounded))
        }
        uplift.rows.append([
            "conversion", Figures.percent(treatment.converted, treatment.consumers), Figures.percent(holdout.converted, holdout.consumers),
            points(conversionUplift.absolute), relative(conversionUplift.relative),
            conversionUplift.lower.map { "[\(points($0)), \(points(conversionUplift.upper!))]" } ?? "-", "Newcombe (Wilson)",
        ])
        uplift.rows.append([
            "GMV per consumer", Money.format(fen: Int64(treatment.gmvPerConsumerFen.rounded())),
            Money.format(fen: Int64(holdout.gmvPerConsumerFen.rounded())), yuan(gmvPerConsumerUpliftFen.absolute),
            relative(gmvPerConsumerUpliftFen.relative),
            gmvPerConsumerUpliftFen.lower.map { "[\(yuan($0)), \(yuan(gmvPerConsumerUpliftFen.upper!))]" } ?? "-",
            "Welch t" + (gmvDegreesOfFreedom.map { ", df \(Int($0.rounded()))" } ?? ""),
        ])
        var notes: [String] = []
        if let low = conversionUplift.lower, let high = conversionUplift.upper {
            notes.append(
                low > 0 ? "The conversion uplift's interval is above 0: the plan raised conversion."
                    : high < 0 ? "The conversion uplift's interval is below 0: the plan lowered conversion."
                    : "The conversion uplift's interval includes 0: no effect shown at 95%.")
        }
        if windowPastData > 0 {
            notes.append("\(Figures.grouped(windowPastData)) consumers' windows run past the data (last day \(lastDataDay.map { "\($0)" } ?? "-")): figures may still grow.")
        }
        if notInSnapshot > 0 {
            notes.append("\(Figures.grouped(notInSnapshot)) sends are left out: their consumers were merged into others by OneID since the plan.")
        }
        uplift.footnotes = notes
        return [groups, uplift]
    }
}
