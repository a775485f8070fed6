import KehuModel
import KehuStore

/// Orders placed but not paid within a time limit (未支付订单, DESIGN 4.5): count, amount, by
/// channel, and the largest ones.
///
/// An order is a consumer's order id with an `order` event; it is placed at its first `order`
/// event, worth that event's amount. It is **paid within W** when the same consumer has a `pay`
/// event with the same order id at most W after the order was placed (a payment stamped earlier
/// than the order event counts too). It is **awaiting** when it has no such payment yet but its W
/// reaches past the end of the data; otherwise it is **unpaid**.
public struct UnpaidOrdersReport: Report {
    public var workspace: String
    /// Orders placed on these days.
    public var period: DayRange
    public var withinMs: Int64
    public var top: Int
    public var dataLastDay: Day
    /// Orders placed in the period.
    public var orders: Int
    public var paidWithin: Int
    public var unpaid: Int
    public var awaiting: Int
    /// unpaid / (orders - awaiting); nil when no order has had its whole W.
    public var unpaidShare: Double?
    /// Sum of the unpaid orders' amounts (unknown amounts count 0).
    public var unpaidFen: Int64
    /// Unpaid orders whose order event carried no amount.
    public var unpaidWithoutAmount: Int
    /// Per channel of the order event, most unpaid amount first.
    public var channels: [Channel]
    /// The `top` unpaid orders by amount, largest first.
    public var largest: [Order]

    public struct Channel: Sendable, Codable, Hashable {
        public var channel: String
        public var orders: Int
        public var unpaid: Int
        public var awaiting: Int
        public var unpaidShare: Double?
        public var unpaidFen: Int64
    }

    public struct Order: Sendable, Codable, Hashable {
        /// The stable catalogue consumer id.
        public var consumerID: UInt32
        public var orderID: String
        /// ISO-8601 in the workspace time zone.
        public var orderedAt: String
        public var channel: String
        /// nil when the order event carried no amount.
        public var amountFen: Int64?
    }

    public var title: String { "Unpaid orders (未支付订单) · \(workspace)" }

    public var parameters: [ReportParameter] {
        [
            ReportParameter("ordered on", "\(period)"), ReportParameter("paid within", Figures.duration(ms: withinMs)),
            ReportParameter("top", "\(top)"),
        ]
    }

    public func tables() -> [TextTable] {
        var summary = TextTable(headers: ["orders", "count", "share", "amount"])
        let settled = orders - awaiting
        summary.rows = [
            ["placed", Figures.grouped(orders), "", ""],
            ["paid within \(Figures.duration(ms: withinMs))", Figures.grouped(paidWithin), Figures.percent(paidWithin, settled), ""],
            ["unpaid 未支付", Figures.grouped(unpaid), Figures.percent(unpaid, settled), Money.format(fen: unpaidFen)],
            ["awaiting payment (window not over)", Figures.grouped(awaiting), "", ""],
        ]
        summary.footnotes.append("shares are of the orders whose whole window lies within the data (through \(dataLastDay))")
        if unpaidWithoutAmount > 0 { summary.footnotes.append("\(unpaidWithoutAmount) unpaid orders have no amount (counted as ¥0.00)") }
        var byChannel = TextTable(title: "by channel", headers: ["channel", "orders", "unpaid", "unpaid share", "unpaid amount", "awaiting"])
        for row in channels {
            byChannel.rows.append([
                row.channel, Figures.grouped(row.orders), Figures.grouped(row.unpaid), Figures.percent(row.unpaid, row.orders - row.awaiting),
                Money.format(fen: row.unpaidFen), Figures.grouped(row.awaiting),
            ])
        }
        var list = TextTable(
            title: "largest unpaid orders", headers: ["consumer", "order", "ordered at", "channel", "amount"],
            alignments: [.right, .left, .left, .left, .right])
        for order in largest {
            list.rows.append([
                "\(order.consumerID)", order.orderID, Self.localTime(order.orderedAt), order.channel,
                order.amountFen.map { Money.format(fen: $0) } ?? "-",
            ])
        }
        return [summary, byChannel, list]
    }

    /// `2026-06-01T10:00:00.000+08:00` -> `2026-06-01 10:00:00`.
    static func localTime(_ iso: String) -> String {
        String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// Finds every order placed in `period` and whether it was paid within `within` ms.
    /// - Complexity: O(events up to the end of the period plus `within`), on all cores; a
    ///   consumer's orders and payments are sorted by order id once.
    public static func compute(_ snapshot: Snapshot, period: DayRange, within: Int64 = 86_400_000, top: Int = 20) throws(AnalysisError) -> UnpaidOrdersReport {
        guard let dataDays = snapshot.dataDays else {
            throw .insufficientData("the workspace has no events yet; run `kehu ingest` first.")
        }
        let calendar = AnalysisCalendar(snapshot)
        let periodStart = calendar.start(of: period.first)
        let periodEnd = calendar.end(of: period.last)
        let dataEnd = calendar.end(of: dataDays.last)
        let channelCount = max(1, snapshot.dictionaries[EventField.channel.rawValue].codeCount)

        struct Part: Sendable {
            var orders = 0, paid = 0, unpaid = 0, awaiting = 0, withoutAmount = 0
            var unpaidFen: Int64 = 0
            var channel: [Int]  // per channel code: orders, unpaid, awaiting, unpaid fen
            var candidates: [(amount: Int64, row: Int, consumer: Int)] = []
        }
        let parts = ConsumerPartitions.map(snapshot, partitions: 16) { range -> Part in
            var part = Part(channel: [Int](repeating: 0, count: channelCount * 4))
            var placed: [(code: UInt32, ts: Int64, row: Int)] = []
            var payments: [(code: UInt32, ts: Int64)] = []
            for c in range {
                placed.removeAll(keepingCapacity: true)
                payments.removeAll(keepingCapacity: true)
                let rows = snapshot.events(of: c)
                var i = rows.lowerBound
                while i < rows.upperBound && snapshot.ts[i] < periodEnd + within {
                    let kind = snapshot.kind[i]
                    if kind == .order || kind == .pay {
                        let code = snapshot.code(.orderID, i)
                        if code != 0 {
                            if kind == .order { placed.append((code, snapshot.ts[i], i)) } else { payments.append((code, snapshot.ts[i])) }
                        }
                    }
                    i += 1
                }
                guard !placed.isEmpty else { continue }
                placed.sort { ($0.code, $0.ts, $0.row) < ($1.code, $1.ts, $1.row) }
                payments.sort { ($0.code, $0.ts) < ($1.code, $1.ts) }
                var p = 0
                var previous: UInt32 = 0
                for order in placed where order.code != previous {
                    // The first order event of each id places the order.
                    previous = order.code
                    guard order.ts >= periodStart && order.ts < periodEnd else { continue }
                    while p < payments.count && payments[p].code < order.code { p += 1 }
                    let paid = p < payments.count && payments[p].code == order.code && payments[p].ts - order.ts <= within
                    let channel = Int(snapshot.fields[EventField.channel.rawValue][order.row]) * 4
                    part.orders += 1
                    part.channel[channel] += 1
                    if paid {
                        part.paid += 1
                    } else if order.ts + within >= dataEnd {
                        part.awaiting += 1
                        part.channel[channel + 2] += 1
                    } else {
                        let amount = snapshot.amount(order.row)
                        part.unpaid += 1
                        part.unpaidFen += amount ?? 0
                        if amount == nil { part.withoutAmount += 1 }
                        part.channel[channel + 1] += 1
                        part.channel[channel + 3] += Int(amount ?? 0)
                        part.candidates.append((amount ?? -1, order.row, c))
                    }
                }
            }
            part.candidates.sort { ($0.amount, $1.row) > ($1.amount, $0.row) }
            if part.candidates.count > top { part.candidates.removeLast(part.candidates.count - top) }
            return part
        }

        var orders = 0, paid = 0, unpaid = 0, awaiting = 0, withoutAmount = 0
        var unpaidFen: Int64 = 0
        var channel = [Int](repeating: 0, count: channelCount * 4)
        var candidates: [(amount: Int64, row: Int, consumer: Int)] = []
        for part in parts {
            orders += part.orders
            paid += part.paid
            unpaid += part.unpaid
            awaiting += part.awaiting
            withoutAmount += part.withoutAmount
            unpaidFen += part.unpaidFen
            for k in 0..<channel.count { channel[k] += part.channel[k] }
            candidates += part.candidates
        }
        candidates.sort { ($0.amount, $1.row) > ($1.amount, $0.row) }
        let channels = snapshot.dictionaries[EventField.channel.rawValue]
        var channelRows: [Channel] = []
        for code in 0..<channelCount where channel[code * 4] > 0 {
            let settled = channel[code * 4] - channel[code * 4 + 2]
            channelRows.append(Channel(
                channel: channels.string(UInt32(code)) ?? "(none)", orders: channel[code * 4], unpaid: channel[code * 4 + 1],
                awaiting: channel[code * 4 + 2], unpaidShare: settled > 0 ? Double(channel[code * 4 + 1]) / Double(settled) : nil,
                unpaidFen: Int64(channel[code * 4 + 3])))
        }
        channelRows.sort { ($0.unpaidFen, $0.unpaid, $1.channel) > ($1.unpaidFen, $1.unpaid, $0.channel) }
        let largest = candidates.prefix(top).map { candidate in
            Order(
                consumerID: snapshot.consumerIDs[candidate.consumer], orderID: snapshot.value(.orderID, candidate.row) ?? "",
                orderedAt: Timestamp.format(snapshot.ts[candidate.row], zone: snapshot.zone),
                channel: snapshot.value(.channel, candidate.row) ?? "(none)", amountFen: snapshot.amount(candidate.row))
        }
        let settled = orders - awaiting
        return UnpaidOrdersReport(
            workspace: snapshot.workspace, period: period, withinMs: within, top: top, dataLastDay: dataDays.last,
            orders: orders, paidWithin: paid, unpaid: unpaid, awaiting: awaiting,
            unpaidShare: settled > 0 ? Double(unpaid) / Double(settled) : nil, unpaidFen: unpaidFen,
            unpaidWithoutAmount: withoutAmount, channels: channelRows, largest: largest)
    }
}

extension Analysis {
    public static let ordersUnpaid = Analysis(
        name: "orders-unpaid", title: "Unpaid orders",
        summary: "Orders with no payment within a time limit (default 24h): count, amount, by channel, and the largest.",
        parameters: [
            AnalysisParameter("from", .day, help: "First day orders were placed (default: 30 days ending --to)."),
            AnalysisParameter("to", .day, help: "Last day orders were placed (default: the last day with data)."),
            AnalysisParameter("within", .duration, help: "An order is paid when a payment for it follows within this long, e.g. 24h, 3d.", default: "24h"),
            AnalysisParameter("top", .integer, help: "How many of the largest unpaid orders to list.", default: "20"),
        ]
    ) { snapshot, arguments throws(AnalysisError) in
        try UnpaidOrdersReport.compute(
            snapshot, period: try arguments.period(defaultDays: 30, in: snapshot),
            within: try arguments.duration("within", default: 86_400_000), top: try arguments.integer("top", default: 20, in: 0...10_000))
    }
}
