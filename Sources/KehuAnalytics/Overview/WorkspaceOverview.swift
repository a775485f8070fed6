import Dispatch
import KehuModel
import KehuStore

/// The headline numbers of a workspace: events, consumers, GMV, buyers, and per channel.
///
/// Definitions (DESIGN section 2): a **paid order** is an order id with at least one `pay`
/// event; its net amount is pay minus refunds; an order refunded in full is not a purchase.
/// **GMV** is the sum of pay amounts; **net sales** subtract refunds. A **buyer** is a consumer
/// with at least one paid order that was not refunded in full. A paid order belongs to the
/// channel of its first pay event. Payments whose amount the source did not carry (Taobao
/// UserBehavior) count as paid orders but add nothing to GMV, and are counted separately.
public struct WorkspaceOverview: Report, Equatable {
    public var workspace: String
    public var timeZone: String
    public var events: Int
    public var consumers: Int
    public var firstDay: Day?
    public var lastDay: Day?
    public var gmvFen: Int64
    public var refundsFen: Int64
    public var netSalesFen: Int64
    public var paidOrders: Int
    public var fullyRefundedOrders: Int
    public var paymentsWithUnknownAmount: Int
    public var buyers: Int
    public var channels: [ChannelLine]
    public var kinds: [KindLine]

    public struct ChannelLine: Sendable, Equatable, Codable {
        public var channel: String
        public var events: Int
        public var consumers: Int
        public var buyers: Int
        public var paidOrders: Int
        public var gmvFen: Int64
    }

    public struct KindLine: Sendable, Equatable, Codable {
        public var kind: String
        public var chineseName: String
        public var events: Int
    }

    public var title: String { "Workspace overview 概览" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("workspace", workspace),
            ReportParameter("time zone", timeZone),
            ReportParameter("data", firstDay.map { "\($0)..\(lastDay!)" } ?? "none"),
        ]
    }

    /// Computes the overview in one pass over the snapshot, partitioned by consumer on all cores.
    /// - Complexity: O(events).
    public static func compute(_ snapshot: Snapshot) -> WorkspaceOverview {
        let channelCount = snapshot.dictionaries[EventField.channel.rawValue].codeCount
        let partitions = min(8, max(1, snapshot.consumerCount / 1024 + 1))
        let partials = ConsumerPartitions.map(snapshot, partitions: partitions) { range in
            var acc = Accumulator(channels: channelCount)
            var orders: [UInt32: OrderState] = [:]
            var consumerChannels = Set<UInt32>()
            var buyerChannels = Set<UInt32>()
            for c in range {
                orders.removeAll(keepingCapacity: true)
                consumerChannels.removeAll(keepingCapacity: true)
                buyerChannels.removeAll(keepingCapacity: true)
                for i in snapshot.events(of: c) {
                    let kind = snapshot.kind[i]
                    let channel = snapshot.fields[EventField.channel.rawValue][i]
                    acc.kindCounts[Int(kind.rawValue)] += 1
                    acc.channelEvents[Int(channel)] += 1
                    consumerChannels.insert(channel)
                    acc.minTs = min(acc.minTs, snapshot.ts[i])
                    acc.maxTs = max(acc.maxTs, snapshot.ts[i])
                    guard kind == .pay || kind == .refund else { continue }
                    let order = snapshot.code(.orderID, i)
                    let amount = snapshot.amount(i)
                    var state = orders[order] ?? OrderState(channel: channel)
                    if kind == .pay {
                        if !state.paid { state.channel = channel }
                        state.paid = true
                        if let amount {
                            state.paidFen += amount
                            acc.gmv += amount
                            acc.channelGMV[Int(channel)] += amount
                        } else {
                            state.unknown = true
                            acc.unknownPayments += 1
                        }
                    } else if let amount {
                        state.refundedFen += amount
                        acc.refunds += amount
                    }
                    orders[order] = state
                }
                var isBuyer = false
                for (_, state) in orders where state.paid {
                    if !state.unknown && state.refundedFen > 0 && state.refundedFen >= state.paidFen {
                        acc.fullyRefunded += 1
                        continue
                    }
                    acc.paidOrders += 1
                    acc.channelOrders[Int(state.channel)] += 1
                    buyerChannels.insert(state.channel)
                    isBuyer = true
                }
                if isBuyer { acc.buyers += 1 }
                for channel in consumerChannels { acc.channelConsumers[Int(channel)] += 1 }
                for channel in buyerChannels { acc.channelBuyers[Int(channel)] += 1 }
            }
            return acc
        }
        var total = Accumulator(channels: channelCount)
        for part in partials { total.merge(part) }

        let channelNames = snapshot.dictionaries[EventField.channel.rawValue]
        var channels: [ChannelLine] = []
        for code in 0..<channelCount where total.channelEvents[code] > 0 {
            channels.append(ChannelLine(
                channel: channelNames.string(UInt32(code)) ?? "(none)", events: total.channelEvents[code],
                consumers: total.channelConsumers[code], buyers: total.channelBuyers[code],
                paidOrders: total.channelOrders[code], gmvFen: total.channelGMV[code]))
        }
        channels.sort { ($0.gmvFen, $0.events, $1.channel) > ($1.gmvFen, $1.events, $0.channel) }
        let kinds = EventKind.allCases.compactMap { kind -> KindLine? in
            let n = total.kindCounts[Int(kind.rawValue)]
            return n > 0 ? KindLine(kind: kind.name, chineseName: kind.chineseName, events: n) : nil
        }
        let hasEvents = snapshot.eventCount > 0
        return WorkspaceOverview(
            workspace: snapshot.workspace, timeZone: snapshot.zone.identifier, events: snapshot.eventCount,
            consumers: snapshot.consumerCount,
            firstDay: hasEvents ? snapshot.zone.day(ofUTC: total.minTs) : nil,
            lastDay: hasEvents ? snapshot.zone.day(ofUTC: total.maxTs) : nil,
            gmvFen: total.gmv, refundsFen: total.refunds, netSalesFen: total.gmv - total.refunds,
            paidOrders: total.paidOrders, fullyRefundedOrders: total.fullyRefunded,
            paymentsWithUnknownAmount: total.unknownPayments, buyers: total.buyers, channels: channels, kinds: kinds)
    }

    public func tables() -> [TextTable] {
        var summary = TextTable(headers: ["figure 指标", "value 数值"])
        summary.rows = [
            ["events 事件", Figures.grouped(events)],
            ["consumers 消费者 (OneID)", Figures.grouped(consumers)],
            ["buyers 购买人数", Figures.grouped(buyers)],
            ["paid orders 支付订单", Figures.grouped(paidOrders)],
            ["GMV 成交额", Money.format(fen: gmvFen)],
            ["refunds 退款", Money.format(fen: refundsFen)],
            ["net sales 净销售额", Money.format(fen: netSalesFen)],
            ["average order value 客单价", paidOrders > 0 ? Money.format(fen: gmvFen / Int64(paidOrders)) : "-"],
        ]
        if fullyRefundedOrders > 0 {
            summary.footnotes.append("\(Figures.grouped(fullyRefundedOrders)) orders refunded in full are not counted as purchases.")
        }
        if paymentsWithUnknownAmount > 0 {
            summary.footnotes.append("\(Figures.grouped(paymentsWithUnknownAmount)) payments have no amount in the source; they count as orders, not GMV.")
        }
        var byChannel = TextTable(
            title: "By channel 渠道", headers: ["channel", "events", "consumers", "buyers", "paid orders", "GMV", "GMV share"])
        byChannel.rows = channels.map {
            [
                $0.channel, Figures.grouped($0.events), Figures.grouped($0.consumers), Figures.grouped($0.buyers),
                Figures.grouped($0.paidOrders), Money.format(fen: $0.gmvFen),
                gmvFen > 0 ? Figures.percent(Int($0.gmvFen), Int(gmvFen)) : "-",
            ]
        }
        var byKind = TextTable(title: "By event kind 行为", headers: ["kind", "中文", "events", "share"])
        byKind.alignments = [.left, .left, .right, .right]
        byKind.rows = kinds.map { [$0.kind, $0.chineseName, Figures.grouped($0.events), Figures.percent($0.events, events)] }
        return [summary, byChannel, byKind]
    }
}

private struct OrderState {
    var channel: UInt32
    var paid = false
    var unknown = false
    var paidFen: Int64 = 0
    var refundedFen: Int64 = 0
}

private struct Accumulator: Sendable {
    var kindCounts = [Int](repeating: 0, count: EventKind.allCases.count)
    var channelEvents: [Int]
    var channelConsumers: [Int]
    var channelBuyers: [Int]
    var channelOrders: [Int]
    var channelGMV: [Int64]
    var gmv: Int64 = 0
    var refunds: Int64 = 0
    var paidOrders = 0
    var fullyRefunded = 0
    var unknownPayments = 0
    var buyers = 0
    var minTs = Int64.max
    var maxTs = Int64.min

    init(channels: Int) {
        channelEvents = [Int](repeating: 0, count: channels)
        channelConsumers = channelEvents
        channelBuyers = channelEvents
        channelOrders = channelEvents
        channelGMV = [Int64](repeating: 0, count: channels)
    }

    mutating func merge(_ other: Accumulator) {
        for k in kindCounts.indices { kindCounts[k] += other.kindCounts[k] }
        for c in channelEvents.indices {
            channelEvents[c] += other.channelEvents[c]
            channelConsumers[c] += other.channelConsumers[c]
            channelBuyers[c] += other.channelBuyers[c]
            channelOrders[c] += other.channelOrders[c]
            channelGMV[c] += other.channelGMV[c]
        }
        gmv += other.gmv
        refunds += other.refunds
        paidOrders += other.paidOrders
        fullyRefunded += other.fullyRefunded
        unknownPayments += other.unknownPayments
        buyers += other.buyers
        minTs = min(minTs, other.minTs)
        maxTs = max(maxTs, other.maxTs)
    }
}
