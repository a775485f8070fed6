import KehuModel
import KehuStore

/// A deliberately plain second implementation of the AIPL and FAST definitions
/// (docs/definitions.md), for checking the engine on generated data: strings and dictionaries,
/// one consumer at a time, no purchase index and no AIPL kernel.
struct AIPLReference {
    let snapshot: Snapshot

    static let aKinds: Set<EventKind> = [.impression, .click, .categorySearch, .view, .contentView]
    static let iKinds: Set<EventKind> = [.brandSearch, .favorite, .cart, .follow, .interact, .trial, .couponClaim, .memberJoin]
    static let lKinds: Set<EventKind> = [.review, .share]
    static let activeKinds: Set<EventKind> = [.cart, .favorite, .couponClaim, .points, .interact, .pay]

    struct Event {
        var ts: Int64
        var kind: EventKind
        var order: String?
        var amount: Int64?
        var category: String?
    }

    func events(of c: Int) -> [Event] {
        snapshot.events(of: c).map { i in
            Event(
                ts: snapshot.ts[i], kind: snapshot.kind[i], order: snapshot.value(.orderID, i), amount: snapshot.amount(i),
                category: snapshot.value(.category, i))
        }
    }

    /// Midnight starting `day` in the workspace zone.
    func midnight(_ day: Day) -> Int64 { snapshot.zone.start(of: day) }

    /// Orders as of `end`: per order, its first payment and whether it is a purchase (paid before
    /// `end`, and refunds before `end` do not cover the payments before `end`).
    func purchases(_ events: [Event], before end: Int64) -> [(key: String, firstPay: Int64)] {
        var pays: [String: [Event]] = [:]
        var refunds: [String: [Event]] = [:]
        for (n, e) in events.enumerated() where e.ts < end {
            if e.kind == .pay { pays[e.order ?? "loose-\(n)", default: []].append(e) }
            if e.kind == .refund, let order = e.order { refunds[order, default: []].append(e) }
        }
        var out: [(String, Int64)] = []
        for (key, list) in pays {
            let paid = list.reduce(Int64(0)) { $0 + ($1.amount ?? 0) }
            let unknown = list.contains { $0.amount == nil }
            let refunded = (refunds[key] ?? []).reduce(Int64(0)) { $0 + ($1.amount ?? 0) }
            let fullyRefunded = !unknown && refunded > 0 && refunded >= paid
            if !fullyRefunded { out.append((key, list.map(\.ts).min()!)) }
        }
        return out
    }

    /// The stage of a consumer's events (optionally only one category's) as of the end of `day`.
    func stage(_ all: [Event], asOf day: Day, category: String? = nil, aDays: Int = 15, iDays: Int = 15, pDays: Int = 365) -> AIPLStage {
        let end = midnight(day.advanced(by: 1))
        let aStart = midnight(day.advanced(by: -(aDays - 1)))
        let iStart = midnight(day.advanced(by: -(iDays - 1)))
        let pStart = midnight(day.advanced(by: -(pDays - 1)))
        let events = category == nil ? all : all.filter { $0.category == category }
        var paidInWindow: [Int64] = []
        for order in purchases(all, before: end) where order.firstPay >= pStart {
            if let category {
                // The order counts for the category when one of its payments before `end` is in it;
                // its purchase time there is the first such payment.
                let inCategory = all.enumerated().filter { n, e in
                    e.kind == .pay && e.ts < end && e.category == category && (e.order ?? "loose-\(n)") == order.key
                }
                if let first = inCategory.map(\.element.ts).min() { paidInWindow.append(first) }
            } else {
                paidInWindow.append(order.firstPay)
            }
        }
        if paidInWindow.count >= 2 { return .loyal }
        if let first = paidInWindow.min() {
            let advocacy = events.contains { Self.lKinds.contains($0.kind) && $0.ts >= first && $0.ts < end }
            return advocacy ? .loyal : .purchased
        }
        if events.contains(where: { Self.iKinds.contains($0.kind) && $0.ts >= iStart && $0.ts < end }) { return .interested }
        if events.contains(where: { Self.aKinds.contains($0.kind) && $0.ts >= aStart && $0.ts < end }) { return .aware }
        return .none
    }

    /// Consumers per stage (none ... L) as of `day`.
    func counts(asOf day: Day) -> [Int] {
        var tally = [0, 0, 0, 0, 0]
        for c in 0..<snapshot.consumerCount { tally[Int(stage(events(of: c), asOf: day).rawValue)] += 1 }
        return tally
    }

    /// The flow matrix from `from` to `to`.
    func flow(from: Day, to: Day) -> [[Int]] {
        var matrix = Array(repeating: [0, 0, 0, 0, 0], count: 5)
        for c in 0..<snapshot.consumerCount {
            let e = events(of: c)
            matrix[Int(stage(e, asOf: from).rawValue)][Int(stage(e, asOf: to).rawValue)] += 1
        }
        return matrix
    }

    /// F, advancing consumers, advancing base, members, active members as of `day`.
    func fast(asOf day: Day, periodDays: Int = 30, activeDays: Int = 180) -> [Int] {
        let end = midnight(day.advanced(by: 1))
        let activeStart = midnight(day.advanced(by: -(activeDays - 1)))
        var f = 0, advancing = 0, base = 0, members = 0, active = 0
        for c in 0..<snapshot.consumerCount {
            let e = events(of: c)
            let now = stage(e, asOf: day)
            let before = stage(e, asOf: day.advanced(by: -periodDays))
            if now != .none { f += 1 }
            if before == .aware || before == .interested || before == .purchased {
                base += 1
                if now.rawValue > before.rawValue { advancing += 1 }
            }
            // The last join or leave by the end of the day decides membership.
            let status = e.filter { ($0.kind == .memberJoin || $0.kind == .memberLeave) && $0.ts < end }.last
            if status?.kind == .memberJoin {
                members += 1
                if e.contains(where: { Self.activeKinds.contains($0.kind) && $0.ts >= activeStart && $0.ts < end }) { active += 1 }
            }
        }
        return [f, advancing, base, members, active]
    }
}
