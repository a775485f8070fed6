import KehuModel

/// A member (会员) of the workspace's programme.
public struct Member: Sendable, Codable, Hashable {
    /// The member's identity key (`member:1001`): stable, and how OneID finds their events.
    public var key: String
    /// UTC ms of joining (the first `member_join`, or `kehu member join`).
    public var joinedAt: Int64
    /// UTC ms of leaving (the latest `member_leave` not followed by a new join), nil while a member.
    public var leftAt: Int64?
    /// The channel they joined through.
    public var channel: String?
    /// The member key of whoever referred them, when known.
    public var referrer: String?
    /// The tier code.
    public var tier: String
    /// The day the member entered the tier.
    public var tierSince: Day
    /// Points balance (always the sum of the member's ledger entries, never negative).
    public var balance: Int64

    /// Whether the member is in the programme at `instant` (UTC ms).
    public func isMember(at instant: Int64) -> Bool {
        joinedAt <= instant && (leftAt.map { $0 > instant } ?? true)
    }
}

/// One change of a member's tier, as recorded in the tier history.
public struct TierChange: Sendable, Codable, Hashable {
    public var member: String
    /// Nil for the first tier on joining.
    public var fromTier: String?
    public var toTier: String
    public var day: Day
    public var reason: String
}
