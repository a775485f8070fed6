import KehuModel
import KehuStore

extension ContentSeedingReport {
    private static let stageCount = AIPLStage.allCases.count

    private struct Part: Sendable {
        var viewers: [Int]
        var viewerBuyers: [Int]
        var nonViewers: [Int]
        var nonViewerBuyers: [Int]
        /// Per content code × stage.
        var itemViewers: [Int]
        var itemBuyers: [Int]
        var incomplete = 0
        var viewsWithoutItem = 0

        init(items: Int) {
            viewers = [Int](repeating: 0, count: stageCount)
            viewerBuyers = viewers
            nonViewers = viewers
            nonViewerBuyers = viewers
            itemViewers = [Int](repeating: 0, count: items * stageCount)
            itemBuyers = itemViewers
        }
    }

    /// Content seeding over `period`.
    ///
    /// - Parameters:
    ///   - within: a purchase is a `pay` event at most this many days (× 24 h) after the
    ///     reference instant, and after it.
    ///   - rules: the AIPL rules for the stage as of the day before the reference.
    /// - Complexity: O(events in the period and `within` days after it) on all cores, plus one
    ///   stage evaluation per consumer and reference day.
    public static func compute(
        _ snapshot: Snapshot, period: DayRange, within: Int = 15, rules: AIPLRules = .standard, top: Int = 10
    ) -> ContentSeedingReport {
        let purchases = PurchaseIndex.of(snapshot)
        let calendar = AnalysisCalendar(snapshot)
        let start = calendar.start(of: period.first)
        let end = calendar.end(of: period.last)
        let window = Int64(within) * 86_400_000
        let dataEnd = snapshot.dataDays.map { calendar.end(of: $0.last) } ?? end
        let contentNames = snapshot.dictionaries[EventField.content.rawValue]
        let items = max(1, contentNames.codeCount)
        let contentColumn = snapshot.fields[EventField.content.rawValue]
        // The stage windows as of the day before each day of the period.
        let dayCount = period.dayCount
        var aStart: [Int64] = [], iStart: [Int64] = [], pStart: [Int64] = [], dayEnd: [Int64] = []
        for d in 0..<dayCount {
            let before = period.first.advanced(by: d - 1)
            aStart.append(calendar.window(days: rules.awarenessDays, ending: before).lowerBound)
            iStart.append(calendar.window(days: rules.interestDays, ending: before).lowerBound)
            pStart.append(calendar.window(days: rules.purchaseDays, ending: before).lowerBound)
            dayEnd.append(calendar.end(of: before))
        }
        let firstDay = period.first.index
        let stageWindows = (aStart, iStart, pStart, dayEnd)

        let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> Part in
            var part = Part(items: items)
            var itemFirst = [Int64](repeating: .max, count: items)
            var touched: [Int] = []
            var pays: [Int64] = []
            var stageStamp = [Int](repeating: -1, count: dayCount)
            var stageValue = [AIPLStage](repeating: .none, count: dayCount)
            let (aStart, iStart, pStart, dayEnd) = stageWindows
            for c in range {
                var i = snapshot.firstEvent(of: c, atOrAfter: start)
                let last = Int(snapshot.eventStart[c + 1])
                guard i < last, snapshot.ts[i] < end else { continue }
                let firstEventTs = snapshot.ts[i]
                var firstViewTs = Int64.max
                touched.removeAll(keepingCapacity: true)
                pays.removeAll(keepingCapacity: true)
                while i < last {
                    let ts = snapshot.ts[i]
                    if ts >= end + window { break }
                    let kind = snapshot.kind[i]
                    if kind == .pay {
                        pays.append(ts)
                    } else if kind == .contentView && ts < end {
                        if firstViewTs == .max { firstViewTs = ts }
                        let code = Int(contentColumn[i])
                        if code == 0 {
                            part.viewsWithoutItem += 1
                        } else if itemFirst[code] == .max {
                            itemFirst[code] = ts
                            touched.append(code)
                        }
                    }
                    i += 1
                }
                func bought(after t0: Int64) -> Bool {
                    for p in pays where p > t0 { return p <= t0 + window }
                    return false
                }
                func stage(at t0: Int64) -> Int {
                    let d = Int(calendar.day(of: t0).index - firstDay)
                    if stageStamp[d] != c {
                        stageStamp[d] = c
                        stageValue[d] = AIPLStages.stage(
                            snapshot, purchases, consumer: c, aStart: aStart[d], iStart: iStart[d], pStart: pStart[d],
                            end: dayEnd[d], rules: rules)
                    }
                    return Int(stageValue[d].rawValue)
                }
                let reference = firstViewTs == .max ? firstEventTs : firstViewTs
                if reference + window >= dataEnd { part.incomplete += 1 }
                let s = stage(at: reference)
                let didBuy = bought(after: reference)
                if firstViewTs == .max {
                    part.nonViewers[s] += 1
                    if didBuy { part.nonViewerBuyers[s] += 1 }
                    continue
                }
                part.viewers[s] += 1
                if didBuy { part.viewerBuyers[s] += 1 }
                for code in touched {
                    let t0 = itemFirst[code]
                    itemFirst[code] = .max
                    let cell = code * stageCount + stage(at: t0)
                    part.itemViewers[cell] += 1
                    if bought(after: t0) { part.itemBuyers[cell] += 1 }
                }
            }
            return part
        }

        var total = Part(items: items)
        for part in parts {
            for s in 0..<stageCount {
                total.viewers[s] += part.viewers[s]
                total.viewerBuyers[s] += part.viewerBuyers[s]
                total.nonViewers[s] += part.nonViewers[s]
                total.nonViewerBuyers[s] += part.nonViewerBuyers[s]
            }
            for cell in total.itemViewers.indices {
                total.itemViewers[cell] += part.itemViewers[cell]
                total.itemBuyers[cell] += part.itemBuyers[cell]
            }
            total.incomplete += part.incomplete
            total.viewsWithoutItem += part.viewsWithoutItem
        }
        let nonViewerRate: [Double?] = (0..<stageCount).map {
            total.nonViewers[$0] == 0 ? nil : Double(total.nonViewerBuyers[$0]) / Double(total.nonViewers[$0])
        }
        /// Viewers per stage against the non-viewer rates, summed in stage order.
        func compare(viewers: [Int], buyers: [Int]) -> Comparison {
            var out = Comparison(
                viewers: viewers.reduce(0, +), viewerBuyers: buyers.reduce(0, +), nonViewers: total.nonViewers.reduce(0, +),
                nonViewerBuyers: total.nonViewerBuyers.reduce(0, +), matchedViewers: 0, matchedViewerBuyers: 0,
                expectedBuyers: 0, lift: nil)
            for s in 0..<stageCount {
                guard let rate = nonViewerRate[s] else { continue }
                out.matchedViewers += viewers[s]
                out.matchedViewerBuyers += buyers[s]
                out.expectedBuyers += Double(viewers[s]) * rate
            }
            if out.expectedBuyers > 0 { out.lift = Double(out.matchedViewerBuyers) / out.expectedBuyers - 1 }
            return out
        }

        var itemRows: [ItemRow] = []
        for code in 1..<items {
            let cells = code * stageCount..<(code + 1) * stageCount
            let viewers = Array(total.itemViewers[cells])
            guard viewers.contains(where: { $0 > 0 }) else { continue }
            let buyers = Array(total.itemBuyers[cells])
            itemRows.append(
                ItemRow(
                    content: contentNames.string(UInt32(code)) ?? "", viewers: viewers.reduce(0, +),
                    buyers: buyers.reduce(0, +), comparison: compare(viewers: viewers, buyers: buyers)))
        }
        let itemCount = itemRows.count
        itemRows.sort { $0.viewers != $1.viewers ? $0.viewers > $1.viewers : $0.content < $1.content }

        return ContentSeedingReport(
            workspace: snapshot.workspace, period: period, withinDays: within, rules: rules, top: top,
            stages: AIPLStage.allCases.map { stage in
                let s = Int(stage.rawValue)
                return StageRow(
                    stage: stage.letter, chineseName: stage.chineseName, viewers: total.viewers[s],
                    viewerBuyers: total.viewerBuyers[s], nonViewers: total.nonViewers[s],
                    nonViewerBuyers: total.nonViewerBuyers[s])
            },
            overall: compare(viewers: total.viewers, buyers: total.viewerBuyers), itemCount: itemCount,
            items: Array(itemRows.prefix(top)), incompleteWindows: total.incomplete, viewsWithoutItem: total.viewsWithoutItem)
    }
}

extension Analysis {
    public static let content = Analysis(
        name: "content", title: "Content seeding",
        summary: "Purchase rate within N days after a first content view (内容种草) against non-viewers in the same AIPL "
            + "stage: lift per stage, stage-weighted, and per content item.",
        parameters: [
            AnalysisParameter("from", .day, help: "First day of the period (default: 30 days ending `to`)."),
            AnalysisParameter("to", .day, help: "Last day of the period (default: the last day with data)."),
            AnalysisParameter("within", .integer, help: "A purchase counts within this many days (× 24 h) after the reference.", default: "15"),
            AnalysisParameter("top", .integer, help: "Content items shown, by viewers.", default: "10"),
        ] + AIPLRules.analysisParameters
    ) { snapshot, arguments throws(AnalysisError) in
        ContentSeedingReport.compute(
            snapshot, period: try arguments.period(defaultDays: 30, in: snapshot),
            within: try arguments.integer("within", default: 15, in: 1...365), rules: try AIPLRules(arguments),
            top: try arguments.integer("top", default: 10, in: 1...10_000))
    }
}
