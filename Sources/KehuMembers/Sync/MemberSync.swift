import Foundation
import GRDB
import KehuAnalytics
import KehuModel
import KehuStore

/// `kehu member sync`: brings the operational member data up to a day from the events.
///
/// 1. **Membership**: consumers with a `member_join` by the end of the day become members (key:
///    their `member:` key seen first, else their strongest other key; joined at the first join,
///    through its channel); a `member_leave` after the latest join sets the leaving time, a later
///    join clears it.
/// 2. **Earning**: each member's orders paid while a member earn points by the rule, as
///    `earn:<order id>` dated at the payment, at the multiplier of the tier held on the payment day.
///    An order whose net amount later falls (a refund) holds fewer points: the difference is taken
///    back as `refund:<order id>` (then `refund:<order id>#2` ...), at most the balance; what the
///    balance cannot cover stays owed and is taken at a later sync. Running twice posts nothing new.
/// 3. **Expiry** of lots whose expiry day ended by the end of the day.
/// 4. **Tiers**: downgrades at a review day passed since the last sync, then upgrades; each change
///    recorded with its reason.
public enum MemberSync {
    /// Runs the sync as of `asOf` (through the end of that day).
    public static func run(
        _ snapshot: Snapshot, workspace: Workspace, asOf: Day, progress: ((String) -> Void)? = nil
    ) throws(MemberError) -> SyncSummary {
        let catalogue = workspace.catalogue
        let zone = workspace.zone
        guard let programme = try MemberStore.programme(in: workspace) else { throw .noProgramme }
        let end = zone.end(of: asOf)
        var summary = SyncSummary(asOf: asOf, programme: programme.name)

        // 1. Membership from events.
        var eventful: [UInt32: Membership] = [:]
        for c in 0..<snapshot.consumerCount {
            var state = Membership()
            for i in snapshot.events(of: c) {
                let ts = snapshot.ts[i]
                if ts >= end { break }
                switch snapshot.kind[i] {
                case .memberJoin:
                    if state.firstJoin == nil {
                        state.firstJoin = ts
                        state.channel = snapshot.value(.channel, i)
                    }
                    state.lastJoin = ts
                case .memberLeave:
                    state.lastLeave = ts
                default: continue
                }
            }
            if state.firstJoin != nil { eventful[snapshot.consumerIDs[c]] = state }
        }
        progress?("\(eventful.count) consumers joined by \(asOf)")
        try MemberStore.immediate(catalogue) { db in
            let existing = try memberConsumers(db)
            var byConsumer: [UInt32: String] = [:]
            for (key, consumer) in existing.sorted(by: { $0.key < $1.key }) {
                if let consumer, byConsumer[consumer] == nil { byConsumer[consumer] = key }
            }
            let newConsumers = eventful.keys.filter { byConsumer[$0] == nil }.sorted()
            let keys = try memberKeys(db, consumers: newConsumers)
            for consumer in eventful.keys.sorted() {
                let state = eventful[consumer]!
                let leftAt = state.lastLeave.flatMap { $0 > state.lastJoin! ? $0 : nil }
                if let key = byConsumer[consumer] {
                    guard let member = try MemberStore.member(db, key) else { continue }
                    let joinedAt = min(member.joinedAt, state.firstJoin!)
                    guard joinedAt != member.joinedAt || leftAt != member.leftAt else { continue }
                    if leftAt != nil && member.leftAt == nil { summary.left += 1 }
                    if leftAt == nil && member.leftAt != nil { summary.rejoined += 1 }
                    try db.execute(
                        sql: "UPDATE member SET joined_at = ?, left_at = ? WHERE key = ?", arguments: [joinedAt, leftAt, key])
                } else if let key = keys[consumer] {
                    let member = Member(
                        key: key.description, joinedAt: state.firstJoin!, leftAt: leftAt, channel: state.channel, referrer: nil,
                        tier: programme.baseTier.code, tierSince: zone.day(ofUTC: state.firstJoin!), balance: 0)
                    try MemberStore.insert(db, member, key: key)
                    summary.joined += 1
                    if leftAt != nil { summary.left += 1 }
                }
            }
        }

        // 2-4, a batch of members per transaction.
        let purchases = PurchaseIndex.of(snapshot)
        let all = try MemberStore.read(catalogue) { db in try memberConsumers(db) }.sorted { $0.key < $1.key }
        let lastAsOf = try MemberStore.read(catalogue) { db in
            try String.fetchOne(db, sql: "SELECT as_of FROM member_sync ORDER BY id DESC LIMIT 1")
        }.flatMap { try? Day.parse($0) }
        let review = programme.latestReview(after: lastAsOf, through: asOf)
        var done = 0
        for batch in stride(from: 0, to: all.count, by: 500).map({ all[$0..<min($0 + 500, all.count)] }) {
            try MemberStore.immediate(catalogue) { db in
                for (key, consumer) in batch {
                    let c = consumer.flatMap { snapshot.denseIndex(ofConsumer: $0) }
                    if let c { try earn(db, member: key, consumer: c, snapshot: snapshot, purchases: purchases, programme: programme, end: end, zone: zone, summary: &summary) }
                    let expired = try PointsLedger.expireDue(db, member: key, by: end, zone: zone)
                    summary.expiredEntries += expired.count
                    summary.expiredPoints -= expired.reduce(0) { $0 + $1.points }
                    try evaluateTier(
                        db, member: key, consumer: c, snapshot: snapshot, purchases: purchases, programme: programme, asOf: asOf,
                        review: review, zone: zone, summary: &summary)
                }
            }
            done += batch.count
            progress?("\(done) of \(all.count) members")
        }
        summary.members = all.count
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: (try? encoder.encode(summary)) ?? Data(), as: UTF8.self)
        try MemberStore.immediate(catalogue) { db in
            try db.execute(
                sql: "INSERT INTO member_sync (as_of, ran_at, summary) VALUES (?, ?, ?)", arguments: ["\(asOf)", MemberStore.now(), json])
        }
        return summary
    }

    struct Membership {
        var firstJoin: Int64?
        var lastJoin: Int64?
        var lastLeave: Int64?
        var channel: String?
    }

    /// Every member key and the catalogue consumer its identity key belongs to now (nil when the
    /// key was never seen in events).
    static func memberConsumers(_ db: Database) throws -> [String: UInt32?] {
        var out: [String: UInt32?] = [:]
        for row in try Row.fetchAll(
            db, sql: """
                SELECT m.key, k.consumer_id FROM member m
                LEFT JOIN identity_key k ON k.id = \(IdentityKeyIndex.keyIDSQL(type: "m.key_type", value: "m.key_value"))
                """)
        {
            let consumer: Int64? = row[1]
            out[row[0]] = consumer.map { UInt32($0) }
        }
        return out
    }

    /// The member key of each consumer: their `member:` key seen first, else their strongest other
    /// key (by OneID's anchor rank; never a device key, which may be shared).
    static func memberKeys(_ db: Database, consumers: [UInt32]) throws -> [UInt32: IdentityKey] {
        var best: [UInt32: (rank: Int, firstSeen: Int64, key: IdentityKey)] = [:]
        for chunk in stride(from: 0, to: consumers.count, by: 500).map({ consumers[$0..<min($0 + 500, consumers.count)] }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db, sql: "SELECT consumer_id, type, value, first_seen FROM identity_key WHERE consumer_id IN (\(marks))",
                arguments: StatementArguments(chunk.map { Int64($0) }))
            for row in rows {
                guard let type = IdentityKeyType(rawValue: UInt8(row[1] as Int64)), type != .device else { continue }
                let consumer = UInt32(row[0] as Int64)
                let candidate = (rank: type.anchorRank, firstSeen: row[3] as Int64, key: IdentityKey(type: type, value: row[2]))
                if let current = best[consumer],
                    (current.rank, current.firstSeen, current.key.value) <= (candidate.rank, candidate.firstSeen, candidate.key.value)
                {
                    continue
                }
                best[consumer] = candidate
            }
        }
        return best.mapValues(\.key)
    }

    /// Posts the earnings, top-ups and refund reversals of one member's orders.
    static func earn(
        _ db: Database, member key: String, consumer c: Int, snapshot: Snapshot, purchases: PurchaseIndex,
        programme: MemberProgramme, end: Int64, zone: ZoneRules, summary: inout SyncSummary
    ) throws {
        guard let member = try MemberStore.member(db, key) else { return }
        let orders = purchases.orders(of: c)
        guard !orders.isEmpty else { return }
        let entries = try PointsLedger.entries(db, member: key)
        var linked: [String: [PointsEntry]] = [:]
        for entry in entries { if let order = entry.orderID { linked[order, default: []].append(entry) } }
        let history = try tierHistory(db, member: key)
        for o in orders {
            let payTs = purchases.payTs[o]
            guard payTs >= member.joinedAt, payTs < end, member.leftAt.map({ payTs < $0 }) ?? true else { continue }
            let code = purchases.orderCode[o]
            guard code != 0, let orderID = snapshot.dictionaries[EventField.orderID.rawValue].string(code) else {
                if purchases.isPurchase(o, before: end) { summary.ordersWithoutID += 1 }
                continue
            }
            let net = purchases.isPurchase(o, before: end) ? purchases.netFen(o, before: end, in: snapshot, consumer: c) : 0
            let held = linked[orderID] ?? []
            let rate: PointsOperation.EarnRate
            if held.isEmpty {
                let tier = programme.index(ofTier: tierCode(history, on: zone.day(ofUTC: payTs)) ?? "") ?? 0
                let r = programme.earnRate(tier: tier)
                rate = .init(points: r.points, fen: r.fen)
            } else {
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT rate_points, rate_fen FROM points_entry WHERE operation_id = ?", arguments: ["earn:\(orderID)"]),
                    let points = row[0] as Int64?, let fen = row[1] as Int64?
                else { continue }
                rate = .init(points: points, fen: fen)
            }
            let target = MemberProgramme.points(netFen: net, rate: (rate.points, rate.fen))
            let delta = target - held.reduce(0) { $0 + $1.points }
            if delta > 0 {
                let earns = held.filter { $0.kind == .earn }.count
                let operation = PointsOperation(
                    operationID: earns == 0 ? "earn:\(orderID)" : "earn:\(orderID)#\(earns + 1)", member: key, kind: .earn,
                    points: delta, at: payTs, orderID: orderID,
                    reason: "order paid \(Money.format(fen: net)) net earns \(target) points", rate: rate)
                if try post(db, operation, zone: zone, summary: &summary) {
                    summary.earnedEntries += 1
                    summary.earnedPoints += delta
                }
            } else if delta < 0 {
                let at = min(purchases.lastMoneyTs[o], end - 1)
                // Points that expired by then are gone first: the reversal can only take what is left.
                let expired = try PointsLedger.expireDue(db, member: key, by: at, zone: zone)
                summary.expiredEntries += expired.count
                summary.expiredPoints -= expired.reduce(0) { $0 + $1.points }
                let balance = try Int64.fetchOne(db, sql: "SELECT balance FROM member WHERE key = ?", arguments: [key]) ?? 0
                let take = min(-delta, balance)
                if take < -delta { summary.owedPoints += -delta - take }
                guard take > 0 else { continue }
                let reversals = held.filter { $0.kind == .adjust }.count
                let short = -delta - take
                let operation = PointsOperation(
                    operationID: reversals == 0 ? "refund:\(orderID)" : "refund:\(orderID)#\(reversals + 1)", member: key, kind: .adjust,
                    points: -take, at: at, orderID: orderID,
                    reason: "order refunded: \(Money.format(fen: net)) net now earns \(target) points"
                        + (short > 0 ? "; \(short) points still owed" : ""))
                if try post(db, operation, zone: zone, summary: &summary) {
                    summary.reversedEntries += 1
                    summary.reversedPoints += take
                }
            }
        }
    }

    /// Posts inside the sync's transaction; an operation id already used by another member (two
    /// channels reusing an order id) is counted and skipped, not fatal.
    static func post(_ db: Database, _ operation: PointsOperation, zone: ZoneRules, summary: inout SyncSummary) throws -> Bool {
        do {
            let result = try PointsLedger.post(db, operation, zone: zone)
            summary.expiredEntries += result.expired.count
            summary.expiredPoints -= result.expired.reduce(0) { $0 + $1.points }
            return !result.replayed
        } catch MemberError.operationConflict {
            summary.conflicts += 1
            return false
        }
    }

    static func tierHistory(_ db: Database, member: String) throws -> [(tier: String, day: Day)] {
        try Row.fetchAll(db, sql: "SELECT to_tier, day FROM member_tier_change WHERE member = ? ORDER BY id", arguments: [member])
            .map { ($0[0], try Day.parse($0[1] as String)) }
    }

    /// The tier held on `day`: the latest change dated on or before it.
    static func tierCode(_ history: [(tier: String, day: Day)], on day: Day) -> String? {
        history.last { $0.day <= day }?.tier
    }
}
