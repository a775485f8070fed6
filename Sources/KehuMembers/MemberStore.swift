import Foundation
import GRDB
import KehuModel
import KehuStore

/// Members, the programme and the tier history in the workspace's catalogue (migration
/// "v3 members"). The ledger is in ``PointsLedger``.
public enum MemberStore {
    // MARK: Programme

    /// Sets `programme` as the one in force; earlier ones stay in the table as history.
    public static func setProgramme(_ programme: MemberProgramme, source: String, in workspace: Workspace) throws(MemberError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: String
        do { json = String(decoding: try encoder.encode(programme), as: UTF8.self) } catch { throw .invalid("cannot encode the programme: \(error)") }
        try immediate(workspace.catalogue) { db in
            try db.execute(
                sql: "INSERT INTO member_programme (set_at, source, definition) VALUES (?, ?, ?)",
                arguments: [now(), source, json])
        }
    }

    /// The programme in force, or nil when none was set.
    public static func programme(in workspace: Workspace) throws(MemberError) -> MemberProgramme? {
        try read(workspace.catalogue) { db in try programme(db) }
    }

    static func programme(_ db: Database) throws -> MemberProgramme? {
        guard let json = try String.fetchOne(db, sql: "SELECT definition FROM member_programme ORDER BY id DESC LIMIT 1") else { return nil }
        return try JSONDecoder().decode(MemberProgramme.self, from: Data(json.utf8))
    }

    // MARK: Members

    /// Enrols a member by hand (e.g. from a CRM export) in the base tier. Enrolling a key that is
    /// already a member with the same details does nothing; different details are an error.
    public static func join(
        key: IdentityKey, at: Int64, channel: String?, referrer: IdentityKey?, in workspace: Workspace
    ) throws(MemberError) -> Member {
        if let referrer, referrer == key { throw .invalid("a member cannot refer themselves ('\(key)')") }
        return try immediate(workspace.catalogue) { db in
            guard let programme = try programme(db) else { throw MemberError.noProgramme }
            if let existing = try member(db, key.description) {
                guard existing.joinedAt == at, existing.channel == channel, existing.referrer == referrer?.description else {
                    throw MemberError.invalid(
                        "'\(key)' is already a member (joined \(workspace.zone.day(ofUTC: existing.joinedAt))) with other details; members are enrolled once")
                }
                return existing
            }
            let member = Member(
                key: key.description, joinedAt: at, leftAt: nil, channel: channel, referrer: referrer?.description,
                tier: programme.baseTier.code, tierSince: workspace.zone.day(ofUTC: at), balance: 0)
            try insert(db, member, key: key)
            return member
        }
    }

    static func insert(_ db: Database, _ member: Member, key: IdentityKey) throws {
        try db.execute(
            sql: """
                INSERT INTO member (key, key_type, key_value, joined_at, left_at, channel, referrer, tier, tier_since, balance)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                """,
            arguments: [
                member.key, Int64(key.type.rawValue), key.value, member.joinedAt, member.leftAt, member.channel, member.referrer,
                member.tier, "\(member.tierSince)",
            ])
        try recordTierChange(db, TierChange(member: member.key, fromTier: nil, toTier: member.tier, day: member.tierSince, reason: "joined"))
    }

    /// One member, or nil.
    public static func member(_ key: String, in workspace: Workspace) throws(MemberError) -> Member? {
        try read(workspace.catalogue) { db in try member(db, key) }
    }

    /// Every member, by key; only those in `tier` when given.
    public static func members(tier: String? = nil, in workspace: Workspace) throws(MemberError) -> [Member] {
        try read(workspace.catalogue) { db in
            let rows = tier == nil
                ? try Row.fetchAll(db, sql: "SELECT \(columns) FROM member ORDER BY key")
                : try Row.fetchAll(db, sql: "SELECT \(columns) FROM member WHERE tier = ? ORDER BY key", arguments: [tier])
            return try rows.map(member(from:))
        }
    }

    /// The tier history of a member, oldest first.
    public static func tierHistory(of key: String, in workspace: Workspace) throws(MemberError) -> [TierChange] {
        try read(workspace.catalogue) { db in
            try Row.fetchAll(
                db, sql: "SELECT member, from_tier, to_tier, day, reason FROM member_tier_change WHERE member = ? ORDER BY id",
                arguments: [key]
            ).map { row in
                TierChange(member: row[0], fromTier: row[1], toTier: row[2], day: try Day.parse(row[3] as String), reason: row[4])
            }
        }
    }

    static let columns = "key, joined_at, left_at, channel, referrer, tier, tier_since, balance"

    static func member(_ db: Database, _ key: String) throws -> Member? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM member WHERE key = ?", arguments: [key]).map(member(from:))
    }

    static func member(from row: Row) throws -> Member {
        Member(
            key: row[0], joinedAt: row[1], leftAt: row[2], channel: row[3], referrer: row[4], tier: row[5],
            tierSince: try Day.parse(row[6] as String), balance: row[7])
    }

    static func recordTierChange(_ db: Database, _ change: TierChange) throws {
        try db.execute(
            sql: "INSERT INTO member_tier_change (member, from_tier, to_tier, day, reason, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [change.member, change.fromTier, change.toTier, "\(change.day)", change.reason, now()])
    }

    // MARK: Transactions

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: the write lock is taken before the first
    /// read, so two writers (threads or processes) never decide on the same stale balance; the
    /// second waits (up to the catalogue's 30 s busy timeout) and then sees the first's entries.
    static func immediate<T>(_ catalogue: Catalogue, _ body: (Database) throws -> T) throws(MemberError) -> T {
        do {
            return try catalogue.writer.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as MemberError {
            throw error
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .store(.database("\(error)"))
        }
    }

    static func read<T>(_ catalogue: Catalogue, _ body: (Database) throws -> T) throws(MemberError) -> T {
        do {
            return try catalogue.writer.read(body)
        } catch let error as MemberError {
            throw error
        } catch {
            throw .store(.database("\(error)"))
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
