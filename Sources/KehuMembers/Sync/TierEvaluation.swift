import GRDB
import KehuAnalytics
import KehuModel
import KehuStore

extension MemberSync {
    /// Re-evaluates one member's tier as of `asOf`: first a downgrade at `review` (if one passed
    /// since the last sync), then an upgrade. Members who have left keep their last tier.
    ///
    /// - Downgrade at review day R: the member drops to the tier their qualifying value as of R
    ///   reaches, unless they entered their tier on or after R − grace days (保级期).
    /// - Upgrade as of D: a member whose qualifying value as of D reaches a higher tier moves up
    ///   to the highest one it reaches, dated D.
    static func evaluateTier(
        _ db: Database, member key: String, consumer c: Int?, snapshot: Snapshot, purchases: PurchaseIndex,
        programme: MemberProgramme, asOf: Day, review: Day?, zone: ZoneRules, summary: inout SyncSummary
    ) throws {
        guard var member = try MemberStore.member(db, key), member.isMember(at: zone.end(of: asOf) - 1) else { return }
        let entries = programme.basis == .points ? try PointsLedger.entries(db, member: key) : []
        func qualifying(_ day: Day) -> Int64 {
            Qualifying.value(
                programme: programme, member: member, consumer: c, snapshot: snapshot, purchases: purchases, entries: entries,
                asOf: day, zone: zone)
        }
        var current = programme.index(ofTier: member.tier) ?? 0
        if programme.index(ofTier: member.tier) == nil {
            try change(db, &member, to: 0, on: asOf, programme: programme, reason: "the programme has no tier '\(member.tier)' any more")
        }
        if let review, review >= member.tierSince {
            let value = qualifying(review)
            let target = programme.qualifiedTier(value)
            if target < current {
                if member.tierSince >= review.advanced(by: -programme.graceDays) {
                    summary.keptInGrace += 1
                } else {
                    let tier = programme.tiers[current]
                    try change(
                        db, &member, to: target, on: review, programme: programme,
                        reason: "review \(review): \(programme.format(qualifying: value)) over \(programme.windowDays) days is below \(tier.name) (\(programme.format(qualifying: tier.threshold)))")
                    summary.downgrades += 1
                    current = target
                }
            }
        }
        let value = qualifying(asOf)
        let target = programme.qualifiedTier(value)
        if target > current {
            let tier = programme.tiers[target]
            try change(
                db, &member, to: target, on: asOf, programme: programme,
                reason: "\(programme.format(qualifying: value)) over \(programme.windowDays) days reached \(tier.name) (\(programme.format(qualifying: tier.threshold)))")
            summary.upgrades += 1
        }
    }

    static func change(_ db: Database, _ member: inout Member, to tier: Int, on day: Day, programme: MemberProgramme, reason: String) throws {
        let code = programme.tiers[tier].code
        try MemberStore.recordTierChange(db, TierChange(member: member.key, fromTier: member.tier, toTier: code, day: day, reason: reason))
        try db.execute(sql: "UPDATE member SET tier = ?, tier_since = ? WHERE key = ?", arguments: [code, "\(day)", member.key])
        member.tier = code
        member.tierSince = day
    }
}

/// The qualifying value of a tier threshold (docs/members.md).
public enum Qualifying {
    /// As of the end of `asOf`, over the programme's window of days ending it:
    /// - `spend`: the net paid amount (fen) of the member's purchases whose first payment falls in
    ///   the window and at or after joining, counting refunds made by the end of `asOf`;
    /// - `points`: the points of `earn` entries dated in the window, less the refund reversals
    ///   (dated by the end of `asOf`) of orders whose earning is dated in the window.
    public static func value(
        programme: MemberProgramme, member: Member, consumer c: Int?, snapshot: Snapshot, purchases: PurchaseIndex,
        entries: [PointsEntry], asOf: Day, zone: ZoneRules
    ) -> Int64 {
        let window = AnalysisCalendar(zone: zone).window(days: programme.windowDays, ending: asOf)
        switch programme.basis {
        case .spend:
            guard let c else { return 0 }
            var total: Int64 = 0
            for o in purchases.orders(of: c) {
                let payTs = purchases.payTs[o]
                guard window.contains(payTs), payTs >= member.joinedAt, purchases.isPurchase(o, before: window.upperBound) else { continue }
                total += purchases.netFen(o, before: window.upperBound, in: snapshot, consumer: c)
            }
            return total
        case .points:
            var total: Int64 = 0
            var orders = Set<String>()
            for entry in entries where entry.kind == .earn && window.contains(entry.at) {
                total += entry.points
                if let order = entry.orderID { orders.insert(order) }
            }
            for entry in entries where entry.kind == .adjust && entry.at < window.upperBound {
                if let order = entry.orderID, orders.contains(order) { total += entry.points }
            }
            return max(0, total)
        }
    }
}
