import Foundation
import KehuModel
import KehuPredict
import KehuStore

/// Parameters of `kehu clv` (docs/prediction.md has the models).
public struct CustomerValueParameters: Sendable, Hashable {
    /// Last day of the calibration period; default: the last day with data.
    public var calibrationEnd: Day?
    /// With a holdout: the last day of the holdout period, for predicted-against-actual.
    public var holdoutEnd: Day?
    public var horizonMonths: Int
    public var timeScale: SummaryTimeScale
    public var monthlyDiscountRate: Double
    /// Consumers listed in the table, by CLV.
    public var top: Int

    public init(
        calibrationEnd: Day? = nil, holdoutEnd: Day? = nil, horizonMonths: Int = 12, timeScale: SummaryTimeScale = .weeks,
        monthlyDiscountRate: Double = 0.01, top: Int = 20
    ) {
        self.calibrationEnd = calibrationEnd
        self.holdoutEnd = holdoutEnd
        self.horizonMonths = horizonMonths
        self.timeScale = timeScale
        self.monthlyDiscountRate = monthlyDiscountRate
        self.top = top
    }
}

/// Customer lifetime value from the store's paid orders: BG/NBD for purchases and the chance a
/// customer is still active, Gamma-Gamma for spend per purchase, CLV over a horizon.
public struct CustomerValueReport: Report {
    public var workspace: String
    public var calibrationEnd: Day
    public var holdoutEnd: Day?
    public var horizonMonths: Int
    public var unit: String
    public var monthlyDiscountRate: Double
    public var customers: Int
    public var repeatCustomers: Int
    public var purchaseModel: BGNBDParameters
    public var purchaseLogLikelihood: Double
    public var purchaseIterations: Int
    public var spendModel: GammaGammaParameters
    public var spendLogLikelihood: Double
    public var totalCLV: Double
    /// Every customer, highest CLV first.
    public var values: [CustomerValue]
    public var topCount: Int
    /// With a holdout: predicted against actual purchases per calibration frequency.
    public var holdout: [HoldoutLine]?
    /// CLV by AIPL stage as of the calibration end (none, A, I, P, L).
    public var byStage: [CLVGroup]
    /// CLV by the R `rfm` package segment as of the calibration end (365-day window), then the
    /// customers with no paid order in that window.
    public var bySegment: [CLVGroup]
    /// CLV by RFM eight-class (重要价值 ... 一般挽留), then the customers outside the window.
    public var byValueClass: [CLVGroup]

    public struct CustomerValue: Sendable, Codable, Hashable {
        public var consumerID: UInt32
        public var frequency: Int
        public var recency: Double
        public var age: Double
        /// Average repeat-period spend, yuan.
        public var monetaryValue: Double
        public var probabilityAlive: Double
        public var expectedPurchases: Double
        /// Expected spend per purchase, yuan.
        public var expectedSpend: Double
        /// Discounted value over the horizon, yuan.
        public var clv: Double
    }

    /// CLV summed over a group of customers. Consumers of the group without a paid order before
    /// the calibration end have no CLV and are only counted in `withoutCLV`.
    public struct CLVGroup: Sendable, Codable, Hashable {
        public var group: String
        public var chineseName: String
        /// Customers of the group with a CLV.
        public var customers: Int
        /// Consumers of the group without a CLV (no paid order before the calibration end).
        public var withoutCLV: Int
        /// Yuan.
        public var totalCLV: Double
        public var averageCLV: Double?
        public var averageProbabilityAlive: Double?
        /// Mean expected purchases over the horizon.
        public var averageExpectedPurchases: Double?
    }

    public struct HoldoutLine: Sendable, Codable, Hashable {
        /// Repeat purchases in calibration ("7+" collects the rest).
        public var frequency: String
        public var customers: Int
        public var actual: Double
        public var predicted: Double
    }

    enum CodingKeys: String, CodingKey {
        case workspace, calibrationEnd, holdoutEnd, horizonMonths, unit, monthlyDiscountRate, customers, repeatCustomers
        case purchaseModel, purchaseLogLikelihood, purchaseIterations, spendModel, spendLogLikelihood, totalCLV, top, holdout
        case byStage, bySegment, byValueClass
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workspace, forKey: .workspace)
        try c.encode(calibrationEnd, forKey: .calibrationEnd)
        try c.encodeIfPresent(holdoutEnd, forKey: .holdoutEnd)
        try c.encode(horizonMonths, forKey: .horizonMonths)
        try c.encode(unit, forKey: .unit)
        try c.encode(monthlyDiscountRate, forKey: .monthlyDiscountRate)
        try c.encode(customers, forKey: .customers)
        try c.encode(repeatCustomers, forKey: .repeatCustomers)
        try c.encode(purchaseModel, forKey: .purchaseModel)
        try c.encode(purchaseLogLikelihood, forKey: .purchaseLogLikelihood)
        try c.encode(purchaseIterations, forKey: .purchaseIterations)
        try c.encode(spendModel, forKey: .spendModel)
        try c.encode(spendLogLikelihood, forKey: .spendLogLikelihood)
        try c.encode(totalCLV, forKey: .totalCLV)
        try c.encode(Array(values.prefix(topCount)), forKey: .top)
        try c.encodeIfPresent(holdout, forKey: .holdout)
        try c.encode(byStage, forKey: .byStage)
        try c.encode(bySegment, forKey: .bySegment)
        try c.encode(byValueClass, forKey: .byValueClass)
    }

    public var title: String { "Customer lifetime value 客户终身价值 (BG/NBD + Gamma-Gamma)" }

    public var parameters: [ReportParameter] {
        var list = [
            ReportParameter("workspace", workspace),
            ReportParameter("calibration end", calibrationEnd.description),
        ]
        if let holdoutEnd { list.append(ReportParameter("holdout end", holdoutEnd.description)) }
        list += [
            ReportParameter("horizon", "\(horizonMonths) months"),
            ReportParameter("time unit", unit),
            ReportParameter("monthly discount", String(format: "%.2f%%", monthlyDiscountRate * 100)),
        ]
        return list
    }

    /// Fits both models on the consumers' paid orders up to the calibration end and values them.
    /// - Throws: ``CustomerValueError`` when there is nothing to fit or a model cannot be fitted.
    public static func compute(_ snapshot: Snapshot, _ p: CustomerValueParameters) throws(CustomerValueError) -> CustomerValueReport {
        let orders = PaidOrder.all(in: snapshot)
        guard let lastTs = orders.map(\.firstPayTs).max() else { throw .noPaidOrders }
        let zone = snapshot.zone
        let calibrationEnd = p.calibrationEnd ?? zone.day(ofUTC: lastTs)
        if let holdoutEnd = p.holdoutEnd, holdoutEnd <= calibrationEnd {
            throw .invalid("the holdout must end after the calibration end (\(calibrationEnd))")
        }
        guard p.horizonMonths > 0 else { throw .invalid("the horizon must be at least one month") }
        let purchases = orders.map { order in
            Purchase(customer: order.consumer, day: Int(zone.day(ofUTC: order.firstPayTs).index), amountMinorUnits: order.netFen)
        }
        let summaries: [(customer: Int, summary: CustomerSummary)]
        var holdoutRows: [CalibrationHoldoutCustomer<Int>] = []
        do {
            if let holdoutEnd = p.holdoutEnd {
                holdoutRows = try CustomerSummary.calibrationAndHoldout(
                    purchases, calibrationEnd: Int(calibrationEnd.index), observationEnd: Int(holdoutEnd.index),
                    timeScale: p.timeScale)
                summaries = holdoutRows.map { ($0.customer, $0.calibration) }
            } else {
                summaries = try CustomerSummary.summarize(purchases, calibrationEnd: Int(calibrationEnd.index), timeScale: p.timeScale)
                    .map { ($0.customer, $0.summary) }
            }
        } catch {
            throw .invalid("\(error)")
        }
        guard !summaries.isEmpty else { throw .noPaidOrders }
        let data = summaries.map(\.summary)
        let purchaseFit: ModelFit<BGNBDParameters>
        let spendFit: ModelFit<GammaGammaParameters>
        do { purchaseFit = try BGNBDParameters.fit(data) } catch { throw .purchaseModel("\(error)") }
        do { spendFit = try GammaGammaParameters.fit(data) } catch { throw .spendModel("\(error)") }
        let model: LifetimeValueModel
        let clvs: [Double]
        do {
            model = try LifetimeValueModel(purchases: purchaseFit.parameters, spend: spendFit.parameters, timeUnit: p.timeScale.timeUnit)
            clvs = try model.lifetimeValues(of: data, months: p.horizonMonths, monthlyDiscountRate: p.monthlyDiscountRate)
        } catch {
            throw .invalid("\(error)")
        }
        let horizon = Double(p.horizonMonths) * p.timeScale.timeUnit.unitsPerMonth
        var values: [CustomerValue] = []
        values.reserveCapacity(summaries.count)
        for (index, customer) in summaries.enumerated() {
            let s = customer.summary
            values.append(CustomerValue(
                consumerID: snapshot.consumerIDs[customer.customer], frequency: s.frequency, recency: s.recency, age: s.age,
                monetaryValue: s.monetaryValue, probabilityAlive: purchaseFit.parameters.probabilityAlive(s),
                expectedPurchases: purchaseFit.parameters.conditionalExpectedPurchases(within: horizon, for: s),
                expectedSpend: spendFit.parameters.conditionalExpectedAverageProfit(s), clv: clvs[index]))
        }
        let groups = Self.groups(snapshot, calibrationEnd: calibrationEnd, customers: summaries.map(\.customer), values: values)
        values.sort { ($0.clv, $1.consumerID) > ($1.clv, $0.consumerID) }

        var holdout: [HoldoutLine]?
        if !holdoutRows.isEmpty {
            var groups: [Int: (n: Int, actual: Double, predicted: Double)] = [:]
            for row in holdoutRows {
                let bucket = min(row.calibration.frequency, 7)
                let predicted = purchaseFit.parameters.conditionalExpectedPurchases(within: row.holdoutDuration, for: row.calibration)
                var g = groups[bucket] ?? (0, 0, 0)
                g.n += 1
                g.actual += Double(row.holdoutFrequency)
                g.predicted += predicted
                groups[bucket] = g
            }
            holdout = groups.keys.sorted().map { k in
                let g = groups[k]!
                return HoldoutLine(
                    frequency: k == 7 ? "7+" : "\(k)", customers: g.n, actual: g.actual / Double(g.n),
                    predicted: g.predicted / Double(g.n))
            }
        }
        return CustomerValueReport(
            workspace: snapshot.workspace, calibrationEnd: calibrationEnd, holdoutEnd: p.holdoutEnd,
            horizonMonths: p.horizonMonths, unit: p.timeScale.rawValue, monthlyDiscountRate: p.monthlyDiscountRate,
            customers: data.count, repeatCustomers: data.filter { $0.frequency > 0 }.count,
            purchaseModel: purchaseFit.parameters, purchaseLogLikelihood: purchaseFit.logLikelihood,
            purchaseIterations: purchaseFit.iterations, spendModel: spendFit.parameters,
            spendLogLikelihood: spendFit.logLikelihood, totalCLV: clvs.reduce(0, +), values: values, topCount: p.top,
            holdout: holdout, byStage: groups.stage, bySegment: groups.segment, byValueClass: groups.valueClass)
    }

    /// Sums each customer's values into their AIPL stage, RFM segment and eight-class as of the
    /// calibration end. `customers[i]` is the dense consumer of `values[i]`.
    /// - Complexity: O(events) for the stages (on all cores), O(paid orders + n log n) for RFM.
    static func groups(
        _ snapshot: Snapshot, calibrationEnd: Day, customers: [Int], values: [CustomerValue]
    ) -> (stage: [CLVGroup], segment: [CLVGroup], valueClass: [CLVGroup]) {
        struct Sums {
            var customers = 0
            var members = 0
            var clv = 0.0
            var alive = 0.0
            var purchases = 0.0

            mutating func add(_ v: CustomerValue) {
                customers += 1
                clv += v.clv
                alive += v.probabilityAlive
                purchases += v.expectedPurchases
            }

            func line(_ name: String, _ chinese: String) -> CLVGroup {
                let n = Double(customers)
                return CLVGroup(
                    group: name, chineseName: chinese, customers: customers, withoutCLV: max(0, members - customers),
                    totalCLV: clv, averageCLV: customers > 0 ? clv / n : nil,
                    averageProbabilityAlive: customers > 0 ? alive / n : nil,
                    averageExpectedPurchases: customers > 0 ? purchases / n : nil)
            }
        }
        var hasCLV = [Bool](repeating: false, count: snapshot.consumerCount)
        for c in customers { hasCLV[c] = true }

        let stages = AIPLStages.compute(snapshot, asOf: calibrationEnd)
        var stageSums = [Sums](repeating: Sums(), count: AIPLStage.allCases.count)
        for stage in stages { stageSums[Int(stage.rawValue)].members += 1 }
        for (i, c) in customers.enumerated() { stageSums[Int(stages[c].rawValue)].add(values[i]) }

        let rfm = RFMTable.of(snapshot, asOf: calibrationEnd, days: 365)
        // The last slot of each collects customers with no paid order in the RFM window.
        var segmentSums = [Sums](repeating: Sums(), count: RFMSegment.allCases.count + 1)
        var classSums = [Sums](repeating: Sums(), count: RFMValueClass.allCases.count + 1)
        for r in 0..<rfm.count {
            segmentSums[Int(rfm.segment[r].rawValue)].members += 1
            classSums[Int(rfm.valueClass[r].rawValue)].members += 1
        }
        for (i, c) in customers.enumerated() {
            if let r = rfm.row(ofConsumer: c) {
                segmentSums[Int(rfm.segment[r].rawValue)].add(values[i])
                classSums[Int(rfm.valueClass[r].rawValue)].add(values[i])
            } else {
                segmentSums[RFMSegment.allCases.count].add(values[i])
                classSums[RFMValueClass.allCases.count].add(values[i])
            }
        }
        let outside = ("no paid order in the 365 days", "窗口内无购买")
        return (
            AIPLStage.allCases.map { stageSums[Int($0.rawValue)].line($0.letter, $0.chineseName) },
            RFMSegment.allCases.map { segmentSums[Int($0.rawValue)].line($0.name, $0.chineseName) }
                + [segmentSums[RFMSegment.allCases.count].line(outside.0, outside.1)],
            RFMValueClass.allCases.map { classSums[Int($0.rawValue)].line($0.name, $0.chineseName) }
                + [classSums[RFMValueClass.allCases.count].line(outside.0, outside.1)]
        )
    }

    /// Below this mean dropout probability per repeat purchase the report says that the fit
    /// found no dropout (a customer would need thousands of purchases to leave).
    public static let noDropoutThreshold = 0.001

    /// Said beside the fit when it finds no dropout: every P(alive) is then about 100%, also for
    /// customers who have not bought for a long time, and CLV rests on purchase rates and spend.
    public static func noDropoutNote(_ fit: BGNBDParameters, chinese: Bool) -> String? {
        guard fit.meanDropout < noDropoutThreshold else { return nil }
        let share = String(format: "%.2g", fit.meanDropout)
        return chinese
            ? "BG/NBD 在这些数据中几乎看不到流失（每次复购后的平均流失概率 a/(a+b) = \(share)）：每位客户的存活概率都接近 100%，"
                + "久未购买的客户也不例外；这里的 CLV 只取决于购买频率和客单价。"
            : "The BG/NBD fit finds almost no dropout in this data (mean dropout probability after a repeat purchase "
                + "a/(a+b) = \(share)): P(alive) is close to 100% for every customer, also for those who have not bought "
                + "for a long time, and CLV here rests on purchase rates and spend alone."
    }

    public func tables() -> [TextTable] {
        var models = TextTable(title: "Models 模型", headers: ["model", "parameters", "log-likelihood"])
        models.alignments = [.left, .left, .right]
        models.rows = [
            ["BG/NBD (purchases)", String(format: "r %.4f  α %.4f  a %.4f  b %.4f", purchaseModel.r, purchaseModel.alpha, purchaseModel.a, purchaseModel.b),
             String(format: "%.2f", purchaseLogLikelihood)],
            ["Gamma-Gamma (spend)", String(format: "p %.4f  q %.4f  v %.4f", spendModel.p, spendModel.q, spendModel.v),
             String(format: "%.2f", spendLogLikelihood)],
        ]
        models.footnotes = [
            "\(Figures.grouped(customers)) customers with a paid order, \(Figures.grouped(repeatCustomers)) with repeat purchases; "
                + "total CLV " + Self.yuan(totalCLV) + ", mean " + Self.yuan(totalCLV / Double(max(customers, 1)))
        ] + [Self.noDropoutNote(purchaseModel, chinese: false)].compactMap { $0 }
        var top = TextTable(
            title: "Top \(min(topCount, values.count)) consumers by CLV",
            headers: ["consumer", "repeat purchases", "P(alive)", "expected purchases", "expected spend", "CLV"])
        top.rows = values.prefix(topCount).map {
            [
                "\($0.consumerID)", "\($0.frequency)", String(format: "%.1f%%", $0.probabilityAlive * 100),
                String(format: "%.2f", $0.expectedPurchases), Self.yuan($0.expectedSpend), Self.yuan($0.clv),
            ]
        }
        var tables = [models, top]
        if let holdout {
            var table = TextTable(
                title: "Calibration against holdout (mean repeat purchases per customer)",
                headers: ["calibration repeat purchases", "customers", "actual", "predicted"])
            table.rows = holdout.map {
                [$0.frequency, Figures.grouped($0.customers), String(format: "%.3f", $0.actual), String(format: "%.3f", $0.predicted)]
            }
            let n = holdout.reduce(0) { $0 + $1.customers }
            let actual = holdout.reduce(0.0) { $0 + $1.actual * Double($1.customers) }
            let predicted = holdout.reduce(0.0) { $0 + $1.predicted * Double($1.customers) }
            table.footnotes = [String(
                format: "all " + Figures.grouped(n) + " customers: actual %.0f, predicted %.0f repeat purchases (error %+.1f%%)",
                actual, predicted, actual > 0 ? (predicted - actual) / actual * 100 : 0)]
            tables.append(table)
        }
        for (title, groups) in [
            ("CLV by AIPL stage 按AIPL阶段 (as of \(calibrationEnd))", byStage),
            ("CLV by RFM segment 按RFM分群 (365 days to \(calibrationEnd))", bySegment),
            ("CLV by RFM eight-class 按RFM八类", byValueClass),
        ] {
            var table = TextTable(
                title: title,
                headers: ["group", "中文", "customers", "no CLV", "total CLV", "mean CLV", "mean P(alive)", "mean expected purchases"])
            table.alignments = [.left, .left, .right, .right, .right, .right, .right, .right]
            table.rows = groups.map { g in
                [
                    g.group, g.chineseName, Figures.grouped(g.customers), Figures.grouped(g.withoutCLV), Self.yuan(g.totalCLV),
                    g.averageCLV.map(Self.yuan) ?? "-",
                    g.averageProbabilityAlive.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                    g.averageExpectedPurchases.map { String(format: "%.2f", $0) } ?? "-",
                ]
            }
            table.footnotes = ["customers = with a CLV; no CLV = consumers of the group without a paid order before the calibration end (no CLV is computed for them)"]
            tables.append(table)
        }
        return tables
    }

    static func yuan(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        return Money.format(fen: Int64((value * 100).rounded()))
    }
}

/// Why CLV could not be computed.
public enum CustomerValueError: Error, Sendable, CustomStringConvertible {
    case noPaidOrders
    case invalid(String)
    case purchaseModel(String)
    case spendModel(String)

    public var description: String {
        switch self {
        case .noPaidOrders: "the workspace has no paid orders before the calibration end, so there is nothing to model"
        case .invalid(let message): message
        case .purchaseModel(let message): "the purchase model (BG/NBD) cannot be fitted: \(message)"
        case .spendModel(let message): "the spend model (Gamma-Gamma) cannot be fitted: \(message)"
        }
    }
}
