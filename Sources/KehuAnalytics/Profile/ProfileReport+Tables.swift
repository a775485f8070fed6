import Foundation
import KehuModel

extension ProfileReport {
    public func tables() -> [TextTable] {
        var tables: [TextTable] = []
        var summary = TextTable(title: "Consumer #\(consumerID) 基本信息", headers: ["measure", "value"], alignments: [.left, .left])
        summary.rows = [
            ["events (to \(asOf))", Figures.grouped(events)],
            ["first seen", firstSeen ?? "-"],
            ["last seen", lastSeen ?? "-"],
            ["member 会员", member.status + (member.joined.map { ", joined \($0)" } ?? "") + (member.left.map { ", left \($0)" } ?? "")],
            ["AIPL stage now", stageHistory.last.map { "\($0.stage) \($0.chineseName)" } ?? "-"],
        ]
        tables.append(summary)
        var keyTable = TextTable(title: "Identity keys 身份", headers: ["key", "first seen", "note"], alignments: [.left, .left, .left])
        if let keys {
            keyTable.rows = keys.map { [$0.key, $0.firstSeen, $0.note] }
        } else {
            keyTable.footnotes = ["not available: the profile was computed without the workspace's identity catalogue"]
        }
        tables.append(keyTable)
        var kindTable = TextTable(title: "Events by kind 行为", headers: ["kind", "中文", "events"])
        kindTable.alignments = [.left, .left, .right]
        kindTable.rows = eventsByKind.map { [$0.kind, $0.chineseName, Figures.grouped($0.events)] }
        tables.append(kindTable)
        var stages = TextTable(title: "AIPL stage history 阶段变化 (month ends, then now)", headers: ["day", "stage", "阶段"])
        stages.alignments = [.left, .left, .left]
        stages.rows = stageHistory.map { ["\($0.day)", $0.stage, $0.chineseName] }
        tables.append(stages)
        var value = TextTable(title: "Value 价值", headers: ["measure", "value"], alignments: [.left, .left])
        if let rfm {
            value.rows += [
                ["RFM R / F / M", "\(rfm.recencyDays) days / \(rfm.frequency) orders / " + Money.format(fen: rfm.monetaryFen)],
                ["RFM scores", "R\(rfm.rScore) F\(rfm.fScore) M\(rfm.mScore) (against \(Figures.grouped(rfm.baseCustomers)) RFM consumers)"],
                ["RFM segment", "\(rfm.segment) \(rfm.segmentChinese)"],
                ["RFM eight-class", rfm.valueClass],
            ]
        } else if let rfmNote {
            value.rows.append(["RFM", rfmNote])
        }
        if let clv {
            value.rows += [
                ["P(alive)", String(format: "%.1f%%", clv.probabilityAlive * 100)],
                ["expected purchases (\(clv.horizonMonths) months)", String(format: "%.2f", clv.expectedPurchases)],
                ["expected spend per purchase", CustomerValueReport.yuan(clv.expectedSpend)],
                ["CLV (\(clv.horizonMonths) months)", CustomerValueReport.yuan(clv.clv)],
            ]
        } else if let clvNote {
            value.rows.append(["CLV", clvNote])
        }
        tables.append(value)
        for group in preferences {
            var table = TextTable(title: "Preferred \(group.field) 偏好", headers: [group.field, "events", "share"])
            table.rows = group.top.map { [$0.value, Figures.grouped($0.events), String(format: "%.1f%%", $0.share * 100)] }
            table.footnotes = ["share of the \(Figures.grouped(group.events)) events with a \(group.field)"]
            tables.append(table)
        }
        var priceTable = TextTable(title: "Price level 价格带", headers: ["measure", "value"], alignments: [.left, .left])
        priceTable.rows = [
            ["average paid unit price", price.averageUnitPriceFen.map { Money.format(fen: $0) } ?? "-"],
            ["brand average unit price", price.brandAverageUnitPriceFen.map { Money.format(fen: $0) } ?? "-"],
            ["relative to brand", price.relativeToBrand.map { String(format: "%.2f×", $0) } ?? "-"],
            ["purchases ≥20% below list price",
             price.purchasesWithListPrice > 0
                ? "\(price.discountedPurchases) of \(price.purchasesWithListPrice) (" + Figures.percent(price.discountedPurchases, price.purchasesWithListPrice) + ")"
                : "- (no list prices)"],
        ]
        tables.append(priceTable)
        return tables
    }
}
