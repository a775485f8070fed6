import KehuAnalytics
import KehuModel
import KehuStore

/// What a gap plan (用户缺口推演) is asked: reach `targetFen` in `campaign`, judged from how each
/// starting group bought in `reference`, applied to the assets as of `asOf`.
public struct GapPlanParameters: Sendable, Hashable, Codable {
    public var targetFen: Int64
    public var campaign: DayRange
    public var reference: DayRange
    /// The day the current assets are counted at.
    public var asOf: Day
    /// Cost of adding one consumer to a group, fen; groups without a cost are not allocated.
    public var costs: [GroupAmount]
    /// The most consumers a group can add; groups without one have no limit.
    public var capacities: [GroupAmount]
    public var rules: AIPLRules

    public struct GroupAmount: Sendable, Hashable, Codable {
        public var group: PlanGroup
        public var amount: Int64
        public init(_ group: PlanGroup, _ amount: Int64) {
            self.group = group
            self.amount = amount
        }
    }

    public init(
        targetFen: Int64, campaign: DayRange, reference: DayRange? = nil, asOf: Day, costs: [GroupAmount] = [],
        capacities: [GroupAmount] = [], rules: AIPLRules = .standard
    ) {
        self.targetFen = targetFen
        self.campaign = campaign
        self.reference = reference ?? GapPlanParameters.yearEarlier(campaign)
        self.asOf = asOf
        self.costs = costs
        self.capacities = capacities
        self.rules = rules
    }

    /// The same calendar days one year earlier (29 February becomes 28 February).
    public static func yearEarlier(_ range: DayRange) -> DayRange {
        func shift(_ day: Day) -> Day {
            let (y, m, d) = day.civil
            return Day(year: y - 1, month: m, day: m == 2 && d == 29 ? 28 : d)
        }
        return DayRange(shift(range.first), shift(range.last))
    }

    func cost(_ group: PlanGroup) -> Int64? { costs.last { $0.group == group }?.amount }
    func capacity(_ group: PlanGroup) -> Int64? { capacities.last { $0.group == group }?.amount }
}

/// Why a plan cannot be made.
public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)
    case noReferenceBuyers(DayRange)

    public var description: String {
        switch self {
        case .invalid(let reason): reason
        case .noReferenceBuyers(let window):
            "the reference window \(window) has no buyers, so it says nothing about how consumers convert; choose a --reference window with sales (for example the same campaign a year earlier)."
        }
    }
}

/// The whole chain of a gap plan, every number shown.
public struct GapPlan: Report, Codable {
    public var workspace: String
    public var parametersUsed: GapPlanParameters
    public var reference: WindowOutcome
    public var groups: [Group]
    public var expectedGMVFen: Int64
    public var expectedBuyers: Int
    /// Target minus expected; zero or negative means the assets already cover the target.
    public var gapFen: Int64
    public var allocation: AllocationResult?
    /// Why there is no allocation (no costs given, no gap, capacities too small).
    public var allocationNote: String?
    public var assumptions: [String]

    public struct Group: Sendable, Hashable, Codable {
        public var group: PlanGroup
        /// Reference: consumers at the reference start, buyers and GMV in the reference window.
        public var referenceConsumers: Int
        public var referenceBuyers: Int
        public var referenceGMVFen: Int64
        /// buyers / consumers.
        public var conversion: Double?
        /// GMV / buyers, fen (rounded).
        public var averageOrderValueFen: Int64?
        /// GMV / consumers, in 0.0001 fen (rounded down): what one more consumer here is worth.
        public var valuePerConsumer: Int64
        /// Current assets (for `new`: the reference's count, assumed to arrive again).
        public var currentConsumers: Int
        public var expectedBuyers: Int
        public var expectedGMVFen: Int64
        /// Consumers needed if this group alone closed the gap; nil when it has no value.
        public var extraToCloseAlone: Int64?
        public var costPerConsumerFen: Int64?
        public var capacity: Int64?
    }

    public struct AllocationResult: Sendable, Hashable, Codable {
        public var lines: [Line]
        public var costFen: Int64
        /// Value covered, 0.0001 fen.
        public var value: Int64
        public var provenOptimal: Bool

        public struct Line: Sendable, Hashable, Codable {
            public var group: PlanGroup
            public var consumers: Int64
            public var costFen: Int64
            public var value: Int64
        }
    }

    public var title: String { "GMV gap deduction (用户缺口推演) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("target", Money.format(fen: parametersUsed.targetFen)),
            ReportParameter("campaign", "\(parametersUsed.campaign)"),
            ReportParameter("reference", "\(parametersUsed.reference)"),
            ReportParameter("assets as of", "\(parametersUsed.asOf)"),
        ] + parametersUsed.rules.reportParameters
    }

    /// 0.0001 fen as money rounded to the fen, e.g. "¥12.35" (shown; the chain keeps the fine units).
    static func fineMoney(_ units: Int64) -> String {
        Money.format(fen: units / 10_000 + (units % 10_000 >= 5_000 ? 1 : 0))
    }

    public func tables() -> [TextTable] {
        var reference = TextTable(
            title: "1. Reference \(parametersUsed.reference): how each group converted (stages as of \(self.reference.stagesAsOf))",
            headers: ["group", "阶段", "consumers", "buyers", "conversion", "AOV 客单价", "GMV", "value per consumer"])
        for g in groups {
            reference.rows.append([
                g.group.name, g.group.chineseName, Figures.grouped(g.referenceConsumers), Figures.grouped(g.referenceBuyers),
                Figures.percent(g.referenceBuyers, g.referenceConsumers), g.averageOrderValueFen.map { Money.format(fen: $0) } ?? "-",
                Money.format(fen: g.referenceGMVFen), Self.fineMoney(g.valuePerConsumer),
            ])
        }
        reference.footnotes = ["total: \(Figures.grouped(self.reference.buyers)) buyers, \(Money.format(fen: self.reference.gmvFen))"]

        var expected = TextTable(
            title: "2. Current assets as of \(parametersUsed.asOf) and expected campaign GMV",
            headers: ["group", "阶段", "consumers now", "expected buyers", "expected GMV"])
        for g in groups {
            expected.rows.append([
                g.group.name, g.group.chineseName, Figures.grouped(g.currentConsumers), Figures.grouped(g.expectedBuyers),
                Money.format(fen: g.expectedGMVFen),
            ])
        }
        expected.rows.append(["total", "", "", Figures.grouped(expectedBuyers), Money.format(fen: expectedGMVFen)])

        var gap = TextTable(title: "3. Gap", headers: ["", "amount"])
        gap.rows = [
            ["target 目标", Money.format(fen: parametersUsed.targetFen)],
            ["expected 预期", Money.format(fen: expectedGMVFen)],
            ["gap 缺口", Money.format(fen: gapFen)],
        ]
        if gapFen <= 0 {
            gap.footnotes = ["The current assets are expected to reach the target (surplus \(Money.format(fen: -gapFen))): no extra consumers are needed."]
        }
        var tables = [reference, expected, gap]

        if gapFen > 0 {
            var alone = TextTable(
                title: "4. Extra consumers needed if one group alone closed the gap",
                headers: ["group", "阶段", "value per consumer", "consumers needed", "cost"])
            for g in groups {
                alone.rows.append([
                    g.group.name, g.group.chineseName, Self.fineMoney(g.valuePerConsumer),
                    g.extraToCloseAlone.map { Figures.grouped(Int($0)) } ?? "- (no value)",
                    g.extraToCloseAlone.flatMap { count in
                        g.costPerConsumerFen.map { Money.format(fen: Allocation.saturatingMultiply(count, $0)) }
                    } ?? "-",
                ])
            }
            if allocation == nil, let allocationNote { alone.footnotes.append(allocationNote) }
            tables.append(alone)
            guard let allocation else {
                return tables + [assumptionTable]
            }
            var allocated = TextTable(
                title: "5. Cheapest allocation under costs and capacities",
                headers: ["group", "阶段", "cost per consumer", "capacity", "consumers added", "cost", "GMV covered"])
            do {
                for line in allocation.lines {
                    let g = groups[line.group.rawValue]
                    allocated.rows.append([
                        line.group.name, line.group.chineseName, g.costPerConsumerFen.map { Money.format(fen: $0) } ?? "-",
                        g.capacity.map { Figures.grouped(Int($0)) } ?? "no limit", Figures.grouped(Int(line.consumers)),
                        Money.format(fen: line.costFen), Self.fineMoney(line.value),
                    ])
                }
                allocated.rows.append([
                    "total", "", "", "", Figures.grouped(Int(allocation.lines.reduce(0) { $0 + $1.consumers })),
                    Money.format(fen: allocation.costFen), Self.fineMoney(allocation.value),
                ])
                if !allocation.provenOptimal {
                    allocated.footnotes.append("The search stopped at its node budget: the best allocation found is shown, not proven cheapest.")
                }
            }
            if let allocationNote { allocated.footnotes.append(allocationNote) }
            tables.append(allocated)
        }
        return tables + [assumptionTable]
    }

    private var assumptionTable: TextTable {
        var notes = TextTable(title: "Assumptions", headers: ["#", "assumption"], alignments: [.right, .left])
        notes.rows = assumptions.enumerated().map { ["\($0.offset + 1)", $0.element] }
        return notes
    }

    /// Runs the deduction.
    /// - Throws: ``PlanError`` when the reference has no buyers or the windows do not make sense.
    public static func compute(_ snapshot: Snapshot, _ p: GapPlanParameters) throws(PlanError) -> GapPlan {
        guard p.targetFen > 0 else { throw .invalid("--target must be a positive amount in yuan (got \(Money.format(fen: p.targetFen))).") }
        guard p.reference.last < p.campaign.first else {
            throw .invalid("the reference window \(p.reference) must end before the campaign \(p.campaign) starts.")
        }
        guard p.reference.last <= p.asOf else {
            throw .invalid("the reference window \(p.reference) must end by the assets day \(p.asOf) (--as-of), so its outcome is known.")
        }
        let reference = WindowOutcome.measure(snapshot, window: p.reference, rules: p.rules)
        guard reference.buyers > 0 else { throw .noReferenceBuyers(p.reference) }
        var current = CurrentAssets.count(snapshot, asOf: p.asOf, rules: p.rules)
        // New-to-brand consumers cannot be counted in advance: assume as many as in the reference.
        current[PlanGroup.newToBrand.rawValue] = reference.row(.newToBrand).consumers

        var groups: [Group] = []
        for group in PlanGroup.allCases {
            let row = reference.row(group)
            let now = current[group.rawValue]
            let value = row.consumers > 0 ? Fraction.floor(row.gmvFen, times: 10_000, over: Int64(row.consumers)) : 0
            groups.append(Group(
                group: group, referenceConsumers: row.consumers, referenceBuyers: row.buyers, referenceGMVFen: row.gmvFen,
                conversion: row.consumers > 0 ? Double(row.buyers) / Double(row.consumers) : nil,
                averageOrderValueFen: row.buyers > 0 ? Fraction.rounded(row.gmvFen, times: 1, over: Int64(row.buyers)) : nil,
                valuePerConsumer: value, currentConsumers: now,
                expectedBuyers: row.consumers > 0 ? Int(Fraction.rounded(Int64(row.buyers), times: Int64(now), over: Int64(row.consumers))) : 0,
                expectedGMVFen: row.consumers > 0 ? Fraction.rounded(row.gmvFen, times: Int64(now), over: Int64(row.consumers)) : 0,
                extraToCloseAlone: nil, costPerConsumerFen: p.cost(group), capacity: p.capacity(group)))
        }
        let expected = groups.reduce(Int64(0)) { $0 + $1.expectedGMVFen }
        let gap = p.targetFen - expected
        var allocation: AllocationResult?
        var note: String?
        if gap > 0 {
            let gapUnits = Allocation.saturatingMultiply(gap, 10_000)
            for i in groups.indices where groups[i].valuePerConsumer > 0 {
                groups[i].extraToCloseAlone = (gapUnits + groups[i].valuePerConsumer - 1) / groups[i].valuePerConsumer
            }
            let candidates = groups.filter { $0.costPerConsumerFen != nil }
            if candidates.isEmpty {
                note = "No costs were given (--costs FILE), so there is nothing to allocate by; the table above shows each group alone."
            } else {
                let options = candidates.map {
                    Allocation.Option(value: $0.valuePerConsumer, cost: $0.costPerConsumerFen!, capacity: $0.capacity)
                }
                if let result = Allocation.cheapest(covering: gapUnits, with: options) {
                    allocation = AllocationResult(
                        lines: zip(candidates, result.counts).map { group, count in
                            .init(
                                group: group.group, consumers: count,
                                costFen: Allocation.saturatingMultiply(count, group.costPerConsumerFen!),
                                value: Allocation.saturatingMultiply(count, group.valuePerConsumer))
                        },
                        costFen: result.cost, value: result.value, provenOptimal: result.provenOptimal)
                    let unpriced = groups.filter { $0.costPerConsumerFen == nil && $0.valuePerConsumer > 0 }.map(\.group.name)
                    if !unpriced.isEmpty { note = "Groups without a cost are not allocated: \(unpriced.joined(separator: ", "))." }
                } else {
                    let reach = candidates.reduce(Int64(0)) { total, group in
                        Allocation.saturatingAdd(total, group.capacity.map { Allocation.saturatingMultiply($0, group.valuePerConsumer) } ?? .max)
                    }
                    note = "The capacities cannot close the gap: filling every priced group to capacity covers \(fineMoney(reach)) of \(Money.format(fen: gap))."
                }
            }
        }
        let newRow = reference.row(.newToBrand)
        let assumptions = [
            "Each group converts in the campaign as it did in the reference \(p.reference): stage as of \(reference.stagesAsOf), buyers = consumers with a payment in the window, GMV = their payments.",
            "Current assets are the AIPL stages as of \(p.asOf); a group's expected GMV = consumers now × reference GMV ÷ reference consumers (rounded to the fen).",
            "New-to-brand consumers: as many as in the reference (\(Figures.grouped(newRow.consumers))), bringing the same \(Money.format(fen: newRow.gmvFen)).",
            "One more consumer in a group is worth the group's reference GMV per consumer (rounded down to 0.0001 fen); adding consumers does not change anyone else's behaviour.",
            "The reference and the campaign are comparable (same season, similar promotion depth, no change in traffic or price); a backtest (--backtest) shows how far that held last time.",
        ]
        return GapPlan(
            workspace: snapshot.workspace, parametersUsed: p, reference: reference, groups: groups, expectedGMVFen: expected,
            expectedBuyers: groups.reduce(0) { $0 + $1.expectedBuyers }, gapFen: gap, allocation: allocation,
            allocationNote: note, assumptions: assumptions)
    }
}

/// Exact integer scaling: a × b / c without overflow in the product (saturating at Int64.max).
enum Fraction {
    /// ⌊a × b / c⌋ for a, b ≥ 0 and c > 0.
    static func floor(_ a: Int64, times b: Int64, over c: Int64) -> Int64 {
        divide(a, b, c).quotient
    }

    /// a × b / c rounded half up, for a, b ≥ 0 and c > 0.
    static func rounded(_ a: Int64, times b: Int64, over c: Int64) -> Int64 {
        let (q, r) = divide(a, b, c)
        return q != .max && r * 2 >= c ? q + 1 : q
    }

    private static func divide(_ a: Int64, _ b: Int64, _ c: Int64) -> (quotient: Int64, remainder: Int64) {
        let product = a.multipliedFullWidth(by: b)
        if product.high == 0 && product.low <= UInt64(Int64.max) {
            let n = Int64(product.low)
            return (n / c, n % c)
        }
        // The quotient fits when the product is below c × 2^63.
        guard product.high < c >> 1 else { return (.max, 0) }
        return c.dividingFullWidth(product)
    }
}
