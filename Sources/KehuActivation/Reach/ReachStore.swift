import Foundation
import GRDB
import KehuModel
import KehuStore

/// Reach plans and their sends in the workspace's catalogue (migration "v3 reach"): plan
/// definitions in `reach_plan`, one row per eligible consumer per plan in `reach_send`.
public enum ReachStore {
    /// A stored send: a scheduled row with its delivery state.
    public struct StoredSend: Sendable, Hashable {
        public var consumerID: UInt32
        public var holdout: Bool
        public var channelKey: String
        public var sendAt: Int64
        public var status: Status
        public var attempts: Int
    }

    /// Where a send is: `holdout` rows are never sent; `scheduled` ones wait for delivery;
    /// `failed` ones were refused or ran out of retries and are tried again by the next delivery.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case scheduled, delivered, failed, holdout
    }

    /// Stores (or replaces) a plan's definition. Replacing a plan drops its schedule, which no
    /// longer matches; a plan with delivered sends cannot be replaced.
    public static func define(_ plan: ReachPlan, in workspace: Workspace) throws {
        try plan.validate()
        let suppress = String(decoding: try JSONEncoder().encode(plan.suppressions.map(\.description)), as: UTF8.self)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // The writer itself, not Catalogue.write, so a ReachError thrown inside keeps its type.
        try workspace.catalogue.writer.write { db in
            let delivered = try deliveredCount(plan.name, db)
            guard delivered == 0 else { throw ReachError.alreadyDelivered(plan: plan.name, delivered: delivered) }
            try db.execute(sql: "DELETE FROM reach_send WHERE plan = ?", arguments: [plan.name])
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO reach_plan (
                        name, audience, content, channel, window_first, window_last, hour_first, hour_last,
                        cap_sends, cap_days, suppress, holdout_share, seed, as_of, key_prefix, created_at, planned_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    plan.name, plan.audience, plan.content, plan.channel.rawValue, "\(plan.window.days.first)",
                    "\(plan.window.days.last)", plan.window.firstHour, plan.window.lastHour, plan.cap.sends, plan.cap.days,
                    suppress, plan.holdoutShare, Int64(bitPattern: plan.seed), plan.asOf.map { "\($0)" }, plan.keyPrefix, now,
                ])
        }
    }

    /// Every plan, by name.
    public static func plans(in workspace: Workspace) throws -> [ReachPlan] {
        try workspace.catalogue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM reach_plan ORDER BY name") }.map(plan(from:))
    }

    /// The plan named `name`.
    public static func plan(named name: String, in workspace: Workspace) throws -> ReachPlan {
        let row = try workspace.catalogue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM reach_plan WHERE name = ?", arguments: [name])
        }
        guard let row else { throw ReachError.noSuchPlan(name, known: try plans(in: workspace).map(\.name)) }
        return try plan(from: row)
    }

    private static func plan(from row: Row) throws -> ReachPlan {
        let name: String = row["name"]
        func day(_ column: String) throws -> Day {
            do { return try Day.parse(row[column] as String) } catch {
                throw ReachError.invalid("reach_plan '\(name)': column \(column) is not a day (\(error))")
            }
        }
        guard let channel = ReachChannel(rawValue: row["channel"]) else {
            throw ReachError.invalid("reach_plan '\(name)': unknown channel '\(row["channel"] as String)'")
        }
        let suppress = try JSONDecoder().decode([String].self, from: Data((row["suppress"] as String).utf8))
        let asOf: String? = row["as_of"]
        return ReachPlan(
            name: name, audience: row["audience"], content: row["content"], channel: channel,
            window: SendWindow(days: DayRange(try day("window_first"), try day("window_last")), firstHour: row["hour_first"], lastHour: row["hour_last"]),
            cap: FrequencyCap(sends: row["cap_sends"], days: row["cap_days"]),
            suppressions: try suppress.map { try Suppression.parse($0) }, holdoutShare: row["holdout_share"],
            seed: UInt64(bitPattern: row["seed"] as Int64), asOf: try asOf.map { _ in try day("as_of") }, keyPrefix: row["key_prefix"])
    }

    private static func deliveredCount(_ plan: String, _ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM reach_send WHERE plan = ? AND status = 'delivered'", arguments: [plan]) ?? 0
    }

    /// Per consumer id, the days (in `zone`) of the sends other plans scheduled from
    /// `range.first` through `range.last` (holdouts are not sent and do not count).
    /// - Complexity: O(sends in the range), through the (send_at) index.
    public static func otherSends(
        excluding plan: String, days range: DayRange, zone: ZoneRules, in workspace: Workspace
    ) throws -> [UInt32: [Day]] {
        try workspace.catalogue.read { db in
            var out: [UInt32: [Day]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT consumer_id, send_at FROM reach_send WHERE holdout = 0 AND plan <> ? AND send_at >= ? AND send_at < ?",
                arguments: [plan, zone.start(of: range.first), zone.end(of: range.last)])
            while let row = try rows.next() {
                out[UInt32(row[0] as Int64), default: []].append(zone.day(ofUTC: row[1]))
            }
            return out
        }
    }

    /// Stores a plan's schedule, replacing the previous one, in one transaction. Refused when
    /// the plan already has delivered sends.
    public static func save(_ schedule: ReachSchedule, in workspace: Workspace) throws {
        let name = schedule.plan.name
        try workspace.catalogue.writer.write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM reach_plan WHERE name = ?", arguments: [name]) == 1 else {
                throw ReachError.noSuchPlan(name, known: [])
            }
            let delivered = try deliveredCount(name, db)
            guard delivered == 0 else { throw ReachError.alreadyDelivered(plan: name, delivered: delivered) }
            try db.execute(sql: "DELETE FROM reach_send WHERE plan = ?", arguments: [name])
            let insert = try db.makeStatement(
                sql: "INSERT INTO reach_send (plan, consumer_id, holdout, channel_key, send_at, status) VALUES (?, ?, ?, ?, ?, ?)")
            for send in schedule.sends {
                try insert.execute(arguments: [
                    name, Int64(send.consumerID), send.holdout, send.channelKey, send.sendAt,
                    (send.holdout ? Status.holdout : Status.scheduled).rawValue,
                ])
            }
            try db.execute(
                sql: "UPDATE reach_plan SET planned_at = ?, as_of_used = ? WHERE name = ?",
                arguments: [Int64(Date().timeIntervalSince1970 * 1000), "\(schedule.asOf)", name])
        }
    }

    /// The plan's sends by consumer id.
    public static func sends(of plan: String, in workspace: Workspace) throws -> [StoredSend] {
        try workspace.catalogue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT consumer_id, holdout, channel_key, send_at, status, attempts FROM reach_send WHERE plan = ? ORDER BY consumer_id",
                arguments: [plan]
            ).map { row in
                StoredSend(
                    consumerID: UInt32(row[0] as Int64), holdout: row[1], channelKey: row[2], sendAt: row[3],
                    status: Status(rawValue: row[4]) ?? .scheduled, attempts: row[5])
            }
        }
    }

    /// The day the plan's stored schedule evaluated its audience on, if it has one.
    public static func plannedAsOf(_ plan: String, in workspace: Workspace) throws -> Day? {
        let text = try workspace.catalogue.read { db in
            try String.fetchOne(db, sql: "SELECT as_of_used FROM reach_plan WHERE name = ?", arguments: [plan])
        }
        return try text.map { try Day.parse($0) }
    }

    /// Marks sends delivered (through `via`, e.g. `file:/path` or the webhook URL's host).
    public static func markDelivered(plan: String, consumers: [UInt32], via: String, attempts: [Int]? = nil, in workspace: Workspace) throws {
        guard !consumers.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try workspace.catalogue.write { db in
            let update = try db.makeStatement(
                sql: """
                    UPDATE reach_send SET status = 'delivered', delivered_at = ?, delivered_via = ?, attempts = attempts + ?,
                        last_error = NULL
                    WHERE plan = ? AND consumer_id = ? AND holdout = 0
                    """)
            for (i, consumer) in consumers.enumerated() {
                try update.execute(arguments: [now, via, attempts?[i] ?? 1, plan, Int64(consumer)])
            }
        }
    }

    /// Marks one send failed, keeping the reason (an HTTP status or a transport error, never
    /// the key) for `kehu reach list`.
    public static func markFailed(plan: String, consumer: UInt32, reason: String, attempts: Int, in workspace: Workspace) throws {
        try workspace.catalogue.write { db in
            try db.execute(
                sql: """
                    UPDATE reach_send SET status = 'failed', attempts = attempts + ?, last_error = ?
                    WHERE plan = ? AND consumer_id = ? AND holdout = 0 AND status <> 'delivered'
                    """,
                arguments: [attempts, reason, plan, Int64(consumer)])
        }
    }

    /// Sends per status for each plan: `[plan: [status: count]]`.
    public static func statusCounts(in workspace: Workspace) throws -> [String: [Status: Int]] {
        try workspace.catalogue.read { db in
            var out: [String: [Status: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT plan, status, count(*) FROM reach_send GROUP BY plan, status") {
                if let status = Status(rawValue: row[1]) { out[row[0], default: [:]][status] = row[2] }
            }
            return out
        }
    }

    /// The consumer id holding each `type:value` key now (nil for a key no longer stored).
    public static func consumers(holding keys: [String], in workspace: Workspace) throws -> [UInt32?] {
        try workspace.catalogue.read { db in
            try keys.map { text -> UInt32? in
                guard let key = try? IdentityKey.parse(text) else { return nil }
                return try IdentityKeyIndex.find(key, db).map { UInt32($0.consumer) }
            }
        }
    }

    /// The channel's key of each consumer id in `consumers`: among the consumer's keys of the
    /// channel's types (most preferred type first) that start with `prefix`, the first seen
    /// (ties: the smaller value). Keys the shared-key guard keeps out of linking (a store's guide
    /// tablet, say) are never used: they do not reach one person.
    /// - Complexity: O(keys of the channel's types), one indexed scan per type.
    public static func channelKeys(
        _ channel: ReachChannel, prefix: String?, consumers: Set<UInt32>, in workspace: Workspace
    ) throws -> ChannelKeys {
        try workspace.catalogue.read { db in
            var keys: [UInt32: String] = [:]
            var several: Set<UInt32> = []
            for type in channel.keyTypes {
                // Consumers whose key comes from this type (an earlier, preferred type wins).
                var fromThisType: Set<UInt32> = []
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT k.consumer_id, k.value FROM identity_key k
                        WHERE k.type = ? AND k.id NOT IN (SELECT key_id FROM guarded_key)
                        ORDER BY k.consumer_id, k.first_seen, k.value
                        """,
                    arguments: [Int64(type.rawValue)])
                while let row = try rows.next() {
                    let consumer = UInt32(row[0] as Int64)
                    guard consumers.contains(consumer) else { continue }
                    let value: String = row[1]
                    if let prefix, !value.hasPrefix(prefix) { continue }
                    if fromThisType.contains(consumer) {
                        several.insert(consumer)
                    } else if keys[consumer] == nil {
                        keys[consumer] = type.name + ":" + value
                        fromThisType.insert(consumer)
                    }
                }
            }
            return ChannelKeys(keys: keys, several: several)
        }
    }
}
