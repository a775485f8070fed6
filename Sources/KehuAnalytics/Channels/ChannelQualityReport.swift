import KehuModel
import KehuStore

/// What a channel-quality row is: a channel, a touchpoint, or a channel and touchpoint pair.
public enum ChannelBreakdown: String, CaseIterable, Sendable, Codable {
    case channel, touchpoint, both
}

/// Channel quality (渠道质量, DESIGN 4.8) over a period: per channel and/or touchpoint, the
/// consumers reached, A→I and I→P conversion on it, buyers, GMV and new-to-brand buyers, and
/// with a cost file, cost per new buyer and ROI. `docs/definitions.md` defines every figure.
public struct ChannelQualityReport: Report {
    public var workspace: String
    public var period: DayRange
    public var breakdown: ChannelBreakdown
    /// The cost file's name, when one was given.
    public var costSource: String?
    /// Rows by GMV, then consumers reached.
    public var rows: [Row]
    /// All channels together: each consumer counted once, every event in one group.
    public var total: Row
    /// Cost lines this breakdown cannot place on a row (lines without a touchpoint when rows are
    /// touchpoints or pairs); counted in the total only. Nil without a cost file.
    public var unattributedCostFen: Int64?
    /// Payments in the period whose amount is unknown (they add nothing to GMV).
    public var paymentsWithUnknownAmount: Int

    public struct Row: Sendable, Encodable, Hashable {
        /// Nil when rows are touchpoints, and in the total row.
        public var channel: String?
        /// Nil when rows are channels, and in the total row.
        public var touchpoint: String?
        /// Consumers with any event on this row in the period (触达).
        public var reached: Int
        /// Consumers whose first event on this row in the period was an A signal.
        public var awareEntrants: Int
        /// ... of whom had an I signal on this row later in the period.
        public var awareToInterested: Int
        /// Consumers with an I signal on this row in the period.
        public var interested: Int
        /// ... of whom paid on this row after their first such I signal, in the period.
        public var interestedToPaid: Int
        /// Consumers with a `pay` event on this row in the period.
        public var buyers: Int
        public var gmvFen: Int64
        /// Buyers who had no paid order before the period start (新客).
        public var newBuyers: Int
        public var costFen: Int64?
        public var costPerNewBuyerFen: Int64?
        /// GMV / cost.
        public var roi: Double?

        public var aToIRate: Double? { awareEntrants == 0 ? nil : Double(awareToInterested) / Double(awareEntrants) }
        public var iToPRate: Double? { interested == 0 ? nil : Double(interestedToPaid) / Double(interested) }
        public var newBuyerShare: Double? { buyers == 0 ? nil : Double(newBuyers) / Double(buyers) }

        init(channel: String?, touchpoint: String?) {
            self.channel = channel
            self.touchpoint = touchpoint
            reached = 0
            awareEntrants = 0
            awareToInterested = 0
            interested = 0
            interestedToPaid = 0
            buyers = 0
            gmvFen = 0
            newBuyers = 0
        }

        enum CodingKeys: String, CodingKey {
            case channel, touchpoint, reached, awareEntrants, awareToInterested, interested, interestedToPaid, buyers
            case gmvFen, newBuyers, costFen, costPerNewBuyerFen, roi, aToIRate, iToPRate, newBuyerShare
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encodeIfPresent(channel, forKey: .channel)
            try c.encodeIfPresent(touchpoint, forKey: .touchpoint)
            try c.encode(reached, forKey: .reached)
            try c.encode(awareEntrants, forKey: .awareEntrants)
            try c.encode(awareToInterested, forKey: .awareToInterested)
            try c.encode(interested, forKey: .interested)
            try c.encode(interestedToPaid, forKey: .interestedToPaid)
            try c.encode(buyers, forKey: .buyers)
            try c.encode(gmvFen, forKey: .gmvFen)
            try c.encode(newBuyers, forKey: .newBuyers)
            try c.encodeIfPresent(costFen, forKey: .costFen)
            try c.encodeIfPresent(costPerNewBuyerFen, forKey: .costPerNewBuyerFen)
            try c.encodeIfPresent(roi, forKey: .roi)
            try c.encodeIfPresent(aToIRate, forKey: .aToIRate)
            try c.encodeIfPresent(iToPRate, forKey: .iToPRate)
            try c.encodeIfPresent(newBuyerShare, forKey: .newBuyerShare)
        }

        /// Sets cost, cost per new buyer (rounded to the fen, half up) and ROI.
        mutating func apply(costFen cost: Int64) {
            costFen = cost
            costPerNewBuyerFen = newBuyers == 0 ? nil : (cost * 2 + Int64(newBuyers)) / (Int64(newBuyers) * 2)
            roi = cost == 0 ? nil : Double(gmvFen) / Double(cost)
        }
    }

    public var title: String { "Channel quality (渠道质量) · \(workspace)" }

    public var parameters: [ReportParameter] {
        var list = [ReportParameter("period", "\(period.first)..\(period.last)"), ReportParameter("by", breakdown.rawValue)]
        list.append(ReportParameter("costs", costSource ?? "none"))
        return list
    }

    public func tables() -> [TextTable] {
        var headers: [String] = []
        switch breakdown {
        case .channel: headers = ["channel 渠道"]
        case .touchpoint: headers = ["touchpoint 触点"]
        case .both: headers = ["channel 渠道", "touchpoint 触点"]
        }
        let labelColumns = headers.count
        headers += ["reached 触达", "A→I", "I→P", "buyers", "GMV", "new buyers 新客", "new share"]
        let withCosts = costSource != nil
        if withCosts { headers += ["cost", "cost / new buyer", "ROI"] }
        var table = TextTable(headers: headers)
        table.alignments = headers.indices.map { $0 < labelColumns ? .left : .right }
        func cells(_ row: Row, labels: [String]) -> [String] {
            var out = labels + [
                Figures.grouped(row.reached), Figures.percent(row.awareToInterested, row.awareEntrants),
                Figures.percent(row.interestedToPaid, row.interested), Figures.grouped(row.buyers),
                Money.format(fen: row.gmvFen), Figures.grouped(row.newBuyers), Figures.percent(row.newBuyers, row.buyers),
            ]
            if withCosts {
                out += [
                    row.costFen.map { Money.format(fen: $0) } ?? "-", row.costPerNewBuyerFen.map { Money.format(fen: $0) } ?? "-",
                    row.costFen.map { Self.ratio(row.gmvFen, $0) } ?? "-",
                ]
            }
            return out
        }
        for row in rows {
            switch breakdown {
            case .channel: table.rows.append(cells(row, labels: [row.channel ?? ""]))
            case .touchpoint: table.rows.append(cells(row, labels: [row.touchpoint ?? ""]))
            case .both: table.rows.append(cells(row, labels: [row.channel ?? "", row.touchpoint ?? ""]))
            }
        }
        table.rows.append(cells(total, labels: ["all 合计"] + Array(repeating: "", count: labelColumns - 1)))
        table.footnotes = [
            "A→I: of consumers whose first event on the row in the period was an A signal, the share with an I signal on it later.",
            "I→P: of consumers with an I signal on the row, the share who paid on it after the first one. "
                + "New buyers: no paid order before \(period.first). The total counts each consumer once.",
        ]
        if paymentsWithUnknownAmount > 0 {
            table.footnotes.append("\(Figures.grouped(paymentsWithUnknownAmount)) payments have no amount and add nothing to GMV.")
        }
        if let unattributed = unattributedCostFen, unattributed > 0 {
            table.footnotes.append(
                "\(Money.format(fen: unattributed)) of cost has no touchpoint in the cost file; it is in the total only.")
        }
        return [table]
    }

    /// `numerator / denominator` with two decimals, rounded half up; "-" when the denominator is 0.
    public static func ratio(_ numerator: Int64, _ denominator: Int64) -> String {
        guard denominator > 0 else { return "-" }
        let hundredths = (numerator * 200 + denominator) / (denominator * 2)
        let cents = hundredths % 100
        return "\(hundredths / 100)." + (cents < 10 ? "0\(cents)" : "\(cents)")
    }

    /// The per-consumer state of one row while scanning a consumer's events in the period.
    private struct Progress {
        var seen = false
        /// Time of the first event on the row when it was an A signal, else `.max`.
        var awareTs: Int64 = .max
        var interestedTs: Int64 = .max
        var convertedToInterest = false
        var convertedToPay = false
        var bought = false
    }

    private struct Tally: Sendable {
        var reached = 0, awareEntrants = 0, awareToInterested = 0, interested = 0, interestedToPaid = 0
        var buyers = 0, newBuyers = 0
        var gmvFen: Int64 = 0

        static func + (a: Tally, b: Tally) -> Tally {
            Tally(
                reached: a.reached + b.reached, awareEntrants: a.awareEntrants + b.awareEntrants,
                awareToInterested: a.awareToInterested + b.awareToInterested, interested: a.interested + b.interested,
                interestedToPaid: a.interestedToPaid + b.interestedToPaid, buyers: a.buyers + b.buyers,
                newBuyers: a.newBuyers + b.newBuyers, gmvFen: a.gmvFen + b.gmvFen)
        }
    }

    private struct Part: Sendable {
        var tallies: [Tally]
        var unknownAmounts = 0
    }

    /// Channel quality over `period`.
    /// - Complexity: O(events in the period) on all cores, plus the purchase index on first use.
    ///   Rows are dense: `both` keeps one slot per channel × touchpoint code pair.
    public static func compute(
        _ snapshot: Snapshot, period: DayRange, by breakdown: ChannelBreakdown = .channel, costs: ChannelCosts? = nil
    ) -> ChannelQualityReport {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let channels = snapshot.dictionaries[EventField.channel.rawValue]
        let touchpoints = snapshot.dictionaries[EventField.touchpoint.rawValue]
        let channelCount = max(1, channels.codeCount)
        let touchpointCount = max(1, touchpoints.codeCount)
        let groupCount: Int
        switch breakdown {
        case .channel: groupCount = channelCount
        case .touchpoint: groupCount = touchpointCount
        case .both: groupCount = channelCount * touchpointCount
        }
        let totalSlot = groupCount
        let signal = AIPLStages.signal
        let channelColumn = snapshot.fields[EventField.channel.rawValue]
        let touchpointColumn = snapshot.fields[EventField.touchpoint.rawValue]

        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> Part in
            var part = Part(tallies: [Tally](repeating: Tally(), count: groupCount + 1))
            var progress = [Progress](repeating: Progress(), count: groupCount + 1)
            var touched: [Int] = []
            for c in range {
                var i = snapshot.firstEvent(of: c, atOrAfter: start)
                let last = Int(snapshot.eventStart[c + 1])
                guard i < last, snapshot.ts[i] < end else { continue }
                touched.removeAll(keepingCapacity: true)
                var boughtAny = false
                while i < last {
                    let ts = snapshot.ts[i]
                    if ts >= end { break }
                    let kind = snapshot.kind[i]
                    let s = signal[Int(kind.rawValue)]
                    let isPay = kind == .pay
                    var amount: Int64 = 0
                    if isPay {
                        boughtAny = true
                        if let known = snapshot.amount(i) { amount = known } else { part.unknownAmounts += 1 }
                    }
                    let group: Int
                    switch breakdown {
                    case .channel: group = Int(channelColumn[i])
                    case .touchpoint: group = Int(touchpointColumn[i])
                    case .both: group = Int(channelColumn[i]) * touchpointCount + Int(touchpointColumn[i])
                    }
                    var g = group
                    while true {
                        if !progress[g].seen {
                            progress[g].seen = true
                            if s == 1 { progress[g].awareTs = ts }
                            touched.append(g)
                        }
                        if s == 2 {
                            if progress[g].awareTs < ts { progress[g].convertedToInterest = true }
                            if progress[g].interestedTs == .max { progress[g].interestedTs = ts }
                        } else if isPay {
                            if progress[g].interestedTs < ts { progress[g].convertedToPay = true }
                            progress[g].bought = true
                            part.tallies[g].gmvFen += amount
                        }
                        if g == totalSlot { break }
                        g = totalSlot
                    }
                    i += 1
                }
                var isNew = false
                if boughtAny {
                    isNew = true
                    for o in purchases.orders(of: c) {
                        if purchases.payTs[o] >= start { break }
                        if purchases.isPurchase(o, before: start) {
                            isNew = false
                            break
                        }
                    }
                }
                for g in touched {
                    let p = progress[g]
                    part.tallies[g].reached += 1
                    if p.awareTs != .max {
                        part.tallies[g].awareEntrants += 1
                        if p.convertedToInterest { part.tallies[g].awareToInterested += 1 }
                    }
                    if p.interestedTs != .max {
                        part.tallies[g].interested += 1
                        if p.convertedToPay { part.tallies[g].interestedToPaid += 1 }
                    }
                    if p.bought {
                        part.tallies[g].buyers += 1
                        if isNew { part.tallies[g].newBuyers += 1 }
                    }
                    progress[g] = Progress()
                }
            }
            return part
        }

        var tallies = [Tally](repeating: Tally(), count: groupCount + 1)
        var unknown = 0
        for part in parts {
            for g in 0...groupCount { tallies[g] = tallies[g] + part.tallies[g] }
            unknown += part.unknownAmounts
        }

        func name(_ table: StringTable, _ code: Int) -> String { code == 0 ? "(none)" : table.string(UInt32(code)) ?? "(none)" }
        func row(_ g: Int, _ tally: Tally) -> Row {
            var row: Row
            switch g == totalSlot ? nil : breakdown {
            case nil: row = Row(channel: nil, touchpoint: nil)
            case .channel: row = Row(channel: name(channels, g), touchpoint: nil)
            case .touchpoint: row = Row(channel: nil, touchpoint: name(touchpoints, g))
            case .both: row = Row(channel: name(channels, g / touchpointCount), touchpoint: name(touchpoints, g % touchpointCount))
            }
            row.reached = tally.reached
            row.awareEntrants = tally.awareEntrants
            row.awareToInterested = tally.awareToInterested
            row.interested = tally.interested
            row.interestedToPaid = tally.interestedToPaid
            row.buyers = tally.buyers
            row.gmvFen = tally.gmvFen
            row.newBuyers = tally.newBuyers
            return row
        }
        var rows: [Row] = []
        for g in 0..<groupCount where tallies[g].reached > 0 { rows.append(row(g, tallies[g])) }
        var total = row(totalSlot, tallies[totalSlot])

        var unattributed: Int64?
        if let costs {
            // Cost per row key; a line whose key has no row yet adds a row with no activity, so
            // spend is never hidden.
            var costByKey: [String: Int64] = [:]
            var unplaced: Int64 = 0
            func key(_ channel: String?, _ touchpoint: String?) -> String { (channel ?? "") + "\u{1F}" + (touchpoint ?? "") }
            for entry in costs.entries {
                switch breakdown {
                case .channel: costByKey[key(entry.channel, nil), default: 0] += entry.costFen
                case .touchpoint:
                    if let tp = entry.touchpoint { costByKey[key(nil, tp), default: 0] += entry.costFen } else { unplaced += entry.costFen }
                case .both:
                    if let tp = entry.touchpoint {
                        costByKey[key(entry.channel, tp), default: 0] += entry.costFen
                    } else {
                        unplaced += entry.costFen
                    }
                }
            }
            for r in rows.indices {
                let k = key(rows[r].channel, rows[r].touchpoint)
                // A row without a cost line shows no cost (not a cost of zero).
                if let cost = costByKey.removeValue(forKey: k) { rows[r].apply(costFen: cost) }
            }
            for (k, cost) in costByKey.sorted(by: { $0.key < $1.key }) {
                let pieces = k.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                var extra = Row(channel: pieces[0].isEmpty ? nil : pieces[0], touchpoint: pieces[1].isEmpty ? nil : pieces[1])
                extra.apply(costFen: cost)
                rows.append(extra)
            }
            total.apply(costFen: costs.totalFen)
            unattributed = breakdown == .channel ? 0 : unplaced
        }
        rows.sort { a, b in
            if a.gmvFen != b.gmvFen { return a.gmvFen > b.gmvFen }
            if a.reached != b.reached { return a.reached > b.reached }
            return ((a.channel ?? ""), (a.touchpoint ?? "")) < ((b.channel ?? ""), (b.touchpoint ?? ""))
        }
        return ChannelQualityReport(
            workspace: snapshot.workspace, period: period, breakdown: breakdown, costSource: costs?.source, rows: rows,
            total: total, unattributedCostFen: unattributed, paymentsWithUnknownAmount: unknown)
    }
}

extension Analysis {
    public static let channels = Analysis(
        name: "channels", title: "Channel quality",
        summary: "Per channel and touchpoint (渠道质量): consumers reached, A→I and I→P conversion, buyers, GMV, "
            + "new-to-brand buyers; with a cost file, cost per new buyer and ROI.",
        parameters: [
            AnalysisParameter("from", .day, help: "First day of the period (default: 30 days ending `to`)."),
            AnalysisParameter("to", .day, help: "Last day of the period (default: the last day with data)."),
            AnalysisParameter("by", .choice, help: "Rows: channels, touchpoints, or both.", default: "channel",
                              choices: ChannelBreakdown.allCases.map(\.rawValue)),
            AnalysisParameter("costs", .file, help: "A cost file: CSV channel,touchpoint,cost in yuan (docs/formats.md)."),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        let period = try arguments.period(defaultDays: 30, in: snapshot)
        let breakdown = try arguments.choice("by", default: ChannelBreakdown.channel)
        var costs: ChannelCosts?
        if let path = arguments.string("costs") {
            do { costs = try ChannelCosts.load(path: path) } catch {
                throw .invalidParameter(parameter: "costs", value: path, reason: "\(error)")
            }
        }
        return ChannelQualityReport.compute(snapshot, period: period, by: breakdown, costs: costs)
    }
}
