import GRDB
import KehuModel
import KehuStore

/// The points ledger (积分账本): append-only, idempotent by operation id, never negative.
///
/// - **Append-only**: entries are only inserted; triggers in the catalogue refuse UPDATE and
///   DELETE. A member's balance is the sum of their entries; `member.balance` keeps it running and
///   is updated in the same transaction as each entry (``verify(_:)`` re-derives and compares).
/// - **Idempotent**: each entry has a unique operation id. Posting an id again with the same
///   member, kind, points and order returns the original entry and posts nothing; with different
///   content it is ``MemberError/operationConflict(operationID:difference:)``.
/// - **Never negative**: a debit (redeem, negative adjust) that would take the balance below 0
///   is refused whole. Each post runs in one `BEGIN IMMEDIATE` transaction, so concurrent posts,
///   from threads or processes, are serialised and each sees the ones before it.
/// - **Expiry, FIFO**: every credit is a lot with an expiry day (from the programme when it was
///   posted). Debits spend the lots that expire first (then the oldest); a lot's unspent points
///   expire at the end of its expiry day (an `expire` entry, operation id `expire:<lot's id>`).
///   Before a debit, lots that expired by its time are expired, so a debit never spends them.
public struct PointsLedger: Sendable {
    let catalogue: Catalogue
    let zone: ZoneRules

    public init(_ workspace: Workspace) {
        catalogue = workspace.catalogue
        zone = workspace.zone
    }

    /// Posts `operation` (or returns its original entry when replayed).
    public func post(_ operation: PointsOperation) throws(MemberError) -> PostResult {
        try operation.validate()
        for prefix in Self.reservedPrefixes where operation.operationID.hasPrefix(prefix) {
            throw .invalid("operation '\(operation.operationID)': ids starting with '\(prefix)' are reserved for what `kehu member sync` posts; choose another id")
        }
        return try MemberStore.immediate(catalogue) { db in try Self.post(db, operation, zone: zone) }
    }

    /// Operation id prefixes the ledger and `kehu member sync` post under: `earn:<order id>`,
    /// `refund:<order id>`, `expire:<lot's operation id>`.
    public static let reservedPrefixes = ["earn:", "refund:", "expire:"]

    /// The member's entries in ledger order.
    public func entries(of member: String) throws(MemberError) -> [PointsEntry] {
        try MemberStore.read(catalogue) { db in try Self.entries(db, member: member) }
    }

    /// The entry of an operation id, or nil.
    public func entry(operationID: String) throws(MemberError) -> PointsEntry? {
        try MemberStore.read(catalogue) { db in try Self.entry(db, operationID: operationID) }
    }

    /// Members whose running balance differs from the sum of their entries, or whose entries'
    /// `balanceAfter` do not follow from the entries before (empty when the ledger is consistent).
    public func verify() throws(MemberError) -> [String] {
        try MemberStore.read(catalogue) { db in
            var broken: [String] = []
            let balances = try Row.fetchAll(db, sql: "SELECT key, balance FROM member ORDER BY key")
            for row in balances {
                let key: String = row[0]
                var running: Int64 = 0
                var consistent = true
                for entry in try Self.entries(db, member: key) {
                    running += entry.points
                    if running != entry.balanceAfter || running < 0 { consistent = false }
                }
                if !consistent || running != row[1] as Int64 { broken.append(key) }
            }
            return broken
        }
    }

    /// Expires every member's lots whose expiry day ended by `instant` (UTC ms).
    /// - Returns: the expire entries posted.
    public func expire(by instant: Int64) throws(MemberError) -> [PointsEntry] {
        try MemberStore.immediate(catalogue) { db in
            let keys = try String.fetchAll(db, sql: "SELECT key FROM member WHERE balance > 0 ORDER BY key")
            var posted: [PointsEntry] = []
            for key in keys { posted += try Self.expireDue(db, member: key, by: instant, zone: zone) }
            return posted
        }
    }

    // MARK: Inside a transaction

    static func post(_ db: Database, _ operation: PointsOperation, zone: ZoneRules) throws -> PostResult {
        if let existing = try entry(db, operationID: operation.operationID) {
            var differences: [String] = []
            if existing.member != operation.member { differences.append("another member") }
            if existing.kind != operation.kind { differences.append("kind \(existing.kind.rawValue), now \(operation.kind.rawValue)") }
            if existing.points != operation.points { differences.append("points \(existing.points), now \(operation.points)") }
            if existing.orderID != operation.orderID { differences.append("another order") }
            guard differences.isEmpty else {
                throw MemberError.operationConflict(operationID: operation.operationID, difference: differences.joined(separator: "; "))
            }
            return PostResult(entry: existing, replayed: true, expired: [])
        }
        guard let member = try MemberStore.member(db, operation.member) else { throw MemberError.unknownMember(operation.member) }
        if operation.kind == .earn || operation.kind == .redeem, let left = member.leftAt, left <= operation.at {
            throw MemberError.memberLeft(member: member.key, operationID: operation.operationID)
        }
        var expired: [PointsEntry] = []
        if operation.points < 0 { expired = try expireDue(db, member: member.key, by: operation.at, zone: zone) }
        let balance = try Int64.fetchOne(db, sql: "SELECT balance FROM member WHERE key = ?", arguments: [member.key]) ?? 0
        guard balance + operation.points >= 0 else {
            throw MemberError.insufficientPoints(
                member: member.key, operationID: operation.operationID, balance: balance, requested: -operation.points)
        }
        var expiresOn: Day?
        if operation.points > 0 {
            guard let programme = try MemberStore.programme(db) else { throw MemberError.noProgramme }
            expiresOn = programme.expiresOn(earnedOn: zone.day(ofUTC: operation.at))
        }
        let entry = try insert(
            db, operationID: operation.operationID, member: member.key, kind: operation.kind, points: operation.points,
            at: operation.at, orderID: operation.orderID, reason: operation.reason, balanceBefore: balance, expiresOn: expiresOn,
            lot: nil, rate: operation.rate)
        return PostResult(entry: entry, replayed: false, expired: expired)
    }

    static func insert(
        _ db: Database, operationID: String, member: String, kind: PointsKind, points: Int64, at: Int64, orderID: String?,
        reason: String?, balanceBefore: Int64, expiresOn: Day?, lot: Int64?, rate: PointsOperation.EarnRate?
    ) throws -> PointsEntry {
        let after = balanceBefore + points
        try db.execute(
            sql: """
                INSERT INTO points_entry
                    (operation_id, member, kind, points, at, order_id, reason, balance_after, expires_on, lot, rate_points, rate_fen, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                operationID, member, kind.rawValue, points, at, orderID, reason, after, expiresOn.map { "\($0)" }, lot,
                rate?.points, rate?.fen, MemberStore.now(),
            ])
        let id = db.lastInsertedRowID
        try db.execute(sql: "UPDATE member SET balance = ? WHERE key = ?", arguments: [after, member])
        return PointsEntry(
            id: id, operationID: operationID, member: member, kind: kind, points: points, at: at, orderID: orderID, reason: reason,
            balanceAfter: after, expiresOn: expiresOn, lot: lot)
    }

    static let entryColumns = "id, operation_id, member, kind, points, at, order_id, reason, balance_after, expires_on, lot"

    static func entry(from row: Row) throws -> PointsEntry {
        let expires: String? = row[9]
        return PointsEntry(
            id: row[0], operationID: row[1], member: row[2], kind: PointsKind(rawValue: row[3]) ?? .adjust, points: row[4], at: row[5],
            orderID: row[6], reason: row[7], balanceAfter: row[8], expiresOn: try expires.map { try Day.parse($0) }, lot: row[10])
    }

    static func entry(_ db: Database, operationID: String) throws -> PointsEntry? {
        try Row.fetchOne(db, sql: "SELECT \(entryColumns) FROM points_entry WHERE operation_id = ?", arguments: [operationID])
            .map(entry(from:))
    }

    static func entries(_ db: Database, member: String) throws -> [PointsEntry] {
        try Row.fetchAll(db, sql: "SELECT \(entryColumns) FROM points_entry WHERE member = ? ORDER BY id", arguments: [member])
            .map(entry(from:))
    }

    /// A credit and what is left of it.
    struct Lot: Sendable, Hashable {
        var entryID: Int64
        var operationID: String
        var expiresOn: Day?
        var remaining: Int64
    }

    /// The member's credits with points left, replaying the entries in ledger order: an expire
    /// entry takes its own lot; other debits take from the lots that expire first (lots that never
    /// expire last), then the oldest.
    static func openLots(_ entries: [PointsEntry]) -> [Lot] {
        var lots: [Lot] = []
        for entry in entries {
            if entry.points > 0 {
                lots.append(Lot(entryID: entry.id, operationID: entry.operationID, expiresOn: entry.expiresOn, remaining: entry.points))
                continue
            }
            var owed = -entry.points
            if entry.kind == .expire, let lot = entry.lot, let i = lots.firstIndex(where: { $0.entryID == lot }) {
                let taken = min(owed, lots[i].remaining)
                lots[i].remaining -= taken
                owed -= taken
            }
            guard owed > 0 else { continue }
            let order = lots.indices.filter { lots[$0].remaining > 0 }.sorted { a, b in
                let ea = lots[a].expiresOn?.index ?? .max
                let eb = lots[b].expiresOn?.index ?? .max
                return (ea, lots[a].entryID) < (eb, lots[b].entryID)
            }
            for i in order where owed > 0 {
                let taken = min(owed, lots[i].remaining)
                lots[i].remaining -= taken
                owed -= taken
            }
        }
        return lots.filter { $0.remaining > 0 }
    }

    /// Posts an expire entry for each of the member's lots whose expiry day ended by `instant`.
    static func expireDue(_ db: Database, member: String, by instant: Int64, zone: ZoneRules) throws -> [PointsEntry] {
        let lots = openLots(try entries(db, member: member))
        var balance = try Int64.fetchOne(db, sql: "SELECT balance FROM member WHERE key = ?", arguments: [member]) ?? 0
        var posted: [PointsEntry] = []
        for lot in lots {
            guard let day = lot.expiresOn, zone.end(of: day) <= instant else { continue }
            let entry = try insert(
                db, operationID: "expire:\(lot.operationID)", member: member, kind: .expire, points: -lot.remaining,
                at: zone.end(of: day) - 1, orderID: nil, reason: "unspent points of \(lot.operationID) expired at the end of \(day)",
                balanceBefore: balance, expiresOn: nil, lot: lot.entryID, rate: nil)
            balance = entry.balanceAfter
            posted.append(entry)
        }
        return posted
    }
}
