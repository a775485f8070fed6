import KehuModel

/// The kinds of points ledger entry.
public enum PointsKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Points earned (积分获取): from a paid order by the earn rule, or granted by operation id.
    case earn
    /// Points spent (积分兑换).
    case redeem
    /// Points that reached their expiry day unspent (积分过期); posted by the ledger itself.
    case expire
    /// A correction either way (积分调整), including the reversal of points earned by a refunded order.
    case adjust

    public var chineseName: String {
        switch self {
        case .earn: "获取"
        case .redeem: "兑换"
        case .expire: "过期"
        case .adjust: "调整"
        }
    }
}

/// One posted ledger entry. Entries are never updated or deleted; their order (`id`) is the
/// ledger's order.
public struct PointsEntry: Sendable, Codable, Hashable {
    public var id: Int64
    /// Unique across the workspace: replaying it returns this entry.
    public var operationID: String
    public var member: String
    public var kind: PointsKind
    /// The signed change: positive for earn, negative for redeem and expire, either for adjust.
    public var points: Int64
    /// When it took effect (UTC ms): the payment of an earning order, the time of a redemption.
    public var at: Int64
    public var orderID: String?
    public var reason: String?
    /// The member's balance right after this entry.
    public var balanceAfter: Int64
    /// For credits (positive points): the last day they can be used; nil when they never expire.
    public var expiresOn: Day?
    /// For expire entries: the id of the credit entry that expired.
    public var lot: Int64?
}

/// A points operation to post: earn, redeem or adjust, named by its operation id.
public struct PointsOperation: Sendable, Hashable {
    public var operationID: String
    public var member: String
    public var kind: PointsKind
    /// The signed change (redeem is negative).
    public var points: Int64
    public var at: Int64
    public var orderID: String?
    public var reason: String?
    /// For earn entries posted from orders: the rate (points = ⌊net fen × ratePoints / rateFen⌋),
    /// kept so a later refund takes back exactly what the order no longer earns.
    var rate: EarnRate?

    struct EarnRate: Sendable, Hashable {
        var points: Int64
        var fen: Int64
    }

    init(operationID: String, member: String, kind: PointsKind, points: Int64, at: Int64, orderID: String?, reason: String?, rate: EarnRate? = nil) {
        self.operationID = operationID
        self.member = member
        self.kind = kind
        self.points = points
        self.at = at
        self.orderID = orderID
        self.reason = reason
        self.rate = rate
    }

    /// Grants `points` (> 0).
    public static func earn(_ operationID: String, member: String, points: Int64, at: Int64, reason: String? = nil) -> PointsOperation {
        .init(operationID: operationID, member: member, kind: .earn, points: points, at: at, orderID: nil, reason: reason)
    }

    /// Spends `points` (> 0; posted as a negative change).
    public static func redeem(_ operationID: String, member: String, points: Int64, at: Int64, reason: String? = nil) -> PointsOperation {
        .init(operationID: operationID, member: member, kind: .redeem, points: -points, at: at, orderID: nil, reason: reason)
    }

    /// Corrects the balance by `points` (either sign, not 0).
    public static func adjust(_ operationID: String, member: String, points: Int64, at: Int64, reason: String? = nil) -> PointsOperation {
        .init(operationID: operationID, member: member, kind: .adjust, points: points, at: at, orderID: nil, reason: reason)
    }

    /// Checks what does not need the database.
    func validate() throws(MemberError) {
        guard !operationID.isEmpty, operationID.utf8.count <= 128, !operationID.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw .invalid("an operation id is 1-128 bytes on one line (got '\(operationID.prefix(40))')")
        }
        guard points != 0 else { throw .invalid("operation '\(operationID)': points must not be 0") }
        guard points.magnitude <= 1_000_000_000_000 else {
            throw .invalid("operation '\(operationID)': \(points) points is beyond the ledger's limit of 10^12 per operation")
        }
        switch kind {
        case .earn: guard points > 0 else { throw .invalid("operation '\(operationID)': an earn grants a positive number of points") }
        case .redeem: guard points < 0 else { throw .invalid("operation '\(operationID)': a redeem spends a positive number of points") }
        case .expire: throw .invalid("operation '\(operationID)': expiry is posted by the ledger itself (kehu member sync), not by an operation")
        case .adjust: break
        }
        if let reason, reason.count > 500 { throw .invalid("operation '\(operationID)': the reason is longer than 500 characters") }
    }
}

/// What posting an operation did.
public struct PostResult: Sendable, Hashable, Codable {
    /// The entry of the operation: new, or the original one when the operation id was replayed.
    public var entry: PointsEntry
    /// The operation id had been posted before with the same content; nothing new was posted.
    public var replayed: Bool
    /// Expiry entries posted first because the member held points that had expired by the
    /// operation's time (a debit never spends expired points).
    public var expired: [PointsEntry]
}
