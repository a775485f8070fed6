import KehuModel

/// A reach plan (PCT: right people, right content, right time): whom to reach (an audience minus
/// suppressions), with what (a content id), where (a channel), when (a send window and each
/// consumer's best hour), how often (a frequency cap across plans), and a random holdout that
/// is not reached so the effect can be measured (docs/activation.md, "Reach plans").
public struct ReachPlan: Sendable, Hashable, Codable {
    /// The plan's name, unique in the workspace.
    public var name: String
    /// The audience: the name of a saved audience, or an audience expression.
    public var audience: String
    /// The content to send (a content id the delivery side knows, e.g. a coupon or an article).
    public var content: String
    public var channel: ReachChannel
    public var window: SendWindow
    public var cap: FrequencyCap
    public var suppressions: [Suppression]
    /// The share of eligible consumers held out (not sent), in [0, 0.5].
    public var holdoutShare: Double
    /// The seed of the holdout split: the same seed gives the same split.
    public var seed: UInt64
    /// The day the audience is evaluated; nil means the day before the window, or the last day
    /// with data when that is earlier.
    public var asOf: Day?
    /// Only channel keys starting with this text count (e.g. `tm_` when Tmall and JD buyer ids
    /// share the `buyer` key type and the source prefixes them).
    public var keyPrefix: String?

    public init(
        name: String, audience: String, content: String, channel: ReachChannel, window: SendWindow,
        cap: FrequencyCap = FrequencyCap(sends: 1, days: 7), suppressions: [Suppression] = [], holdoutShare: Double = 0.1,
        seed: UInt64? = nil, asOf: Day? = nil, keyPrefix: String? = nil
    ) {
        self.name = name
        self.audience = audience
        self.content = content
        self.channel = channel
        self.window = window
        self.cap = cap
        self.suppressions = suppressions
        self.holdoutShare = holdoutShare
        self.seed = seed ?? ReachHash.text(name)
        self.asOf = asOf
        self.keyPrefix = keyPrefix
    }

    /// Checks the plan's values; the message names the field and what it accepts.
    public func validate() throws(ReachError) {
        let nameOK = !name.isEmpty && name.count <= 64 && !name.contains(where: { $0.isNewline || $0 == "\0" })
        guard nameOK else { throw .invalid("a reach plan name is 1-64 characters on one line (got '\(name.prefix(64))')") }
        guard audience.contains(where: { !$0.isWhitespace }) else { throw .invalid("plan \(name): the audience is empty") }
        guard !content.isEmpty, !content.contains(where: \.isNewline) else {
            throw .invalid("plan \(name): the content id is empty or spans lines")
        }
        try window.validate()
        try cap.validate()
        guard holdoutShare >= 0, holdoutShare <= 0.5, holdoutShare.isFinite else {
            throw .invalid("plan \(name): the holdout share must be between 0% and 50% (got \(holdoutShare))")
        }
        if let asOf, asOf >= window.days.first {
            throw .invalid("plan \(name): --as-of \(asOf) must be before the send window's first day \(window.days.first)")
        }
    }

    /// The day the audience is evaluated on, given the last day with data.
    public func audienceDay(lastDataDay: Day) -> Day {
        asOf ?? min(window.days.first.advanced(by: -1), lastDataDay)
    }
}

/// The channels a plan can send on, and the identity keys each is addressed by (first type
/// preferred).
public enum ReachChannel: String, CaseIterable, Sendable, Hashable, Codable, CustomStringConvertible {
    case tmall
    case jd
    case douyin
    case wechatMP = "wechat_mp"
    case sms
    case email
    case appPush = "app_push"

    /// The identity key types a send on this channel is addressed to, most preferred first:
    /// platform buyer ids for the marketplaces, openid then unionid for a WeChat official
    /// account, the (hashed) phone for SMS, the (hashed) email, and the device id for app push.
    public var keyTypes: [IdentityKeyType] {
        switch self {
        case .tmall, .jd, .douyin: [.buyer]
        case .wechatMP: [.openid, .unionid]
        case .sms: [.phone]
        case .email: [.email]
        case .appPush: [.device]
        }
    }

    public var description: String { rawValue }

    /// Every channel name, for messages.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// When sends may go out: days `days.first ... days.last` and, on each, the hours
/// `firstHour ... lastHour` (a send goes out at the start of an hour, workspace time zone).
public struct SendWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var days: DayRange
    public var firstHour: Int
    public var lastHour: Int

    public init(days: DayRange, firstHour: Int = 9, lastHour: Int = 21) {
        self.days = days
        self.firstHour = firstHour
        self.lastHour = lastHour
    }

    public var hours: ClosedRange<Int> { firstHour...lastHour }

    public func validate() throws(ReachError) {
        guard days.first <= days.last else { throw .invalid("the send window \(days) ends before it starts") }
        guard days.dayCount <= 366 else { throw .invalid("the send window \(days) is longer than a year") }
        guard (0...23).contains(firstHour), (0...23).contains(lastHour), firstHour <= lastHour else {
            throw .invalid("the allowed hours must be H1-H2 with 0 <= H1 <= H2 <= 23 (got \(firstHour)-\(lastHour))")
        }
    }

    /// `2026-06-10..2026-06-12 09-21h`.
    public var description: String {
        "\(days) " + (firstHour < 10 ? "0" : "") + "\(firstHour)-" + (lastHour < 10 ? "0" : "") + "\(lastHour)h"
    }

    /// Parses hours `9-21` or `09-21`.
    public static func parseHours(_ text: String) throws(ReachError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let first = Int(parts[0]), let last = Int(parts[1]), (0...23).contains(first),
            (0...23).contains(last), first <= last
        else { throw .invalid("hours must be H1-H2 with 0 <= H1 <= H2 <= 23, e.g. 9-21 (got '\(text)')") }
        return first...last
    }
}

/// At most `sends` sends to a consumer in any `days` consecutive days, counting the sends of
/// every plan (holdout consumers are not sent, so they do not count).
public struct FrequencyCap: Sendable, Hashable, Codable, CustomStringConvertible {
    public var sends: Int
    public var days: Int

    public init(sends: Int, days: Int) {
        self.sends = sends
        self.days = days
    }

    public func validate() throws(ReachError) {
        guard sends >= 1, sends <= 1_000, days >= 1, days <= 366 else {
            throw .invalid("a frequency cap is N/Pd with 1 <= N <= 1000 and 1 <= P <= 366 (got \(sends)/\(days)d)")
        }
    }

    /// `2/7d`.
    public var description: String { "\(sends)/\(days)d" }

    /// Parses `N/Pd` (or `N/P`).
    public static func parse(_ text: String) throws(ReachError) -> FrequencyCap {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        var period = parts.count == 2 ? parts[1] : ""
        if period.hasSuffix("d") { period.removeLast() }
        guard parts.count == 2, let sends = Int(parts[0]), let days = Int(period) else {
            throw .invalid("a frequency cap is N/Pd, e.g. 2/7d for at most 2 sends in any 7 days (got '\(text)')")
        }
        let cap = FrequencyCap(sends: sends, days: days)
        try cap.validate()
        return cap
    }
}

/// Consumers a plan must not reach: members of a tag, of a saved audience, or the consumers
/// holding any identity key listed in a file (one `type:value` per line; phones and emails in
/// clear, hashed like at ingest).
public struct Suppression: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case tag, audience, keys
    }

    public var kind: Kind
    /// The tag or audience name, or the key file's path.
    public var value: String

    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// `tag:complained`, `audience:recent-buyers`, `keys:/path/unsubscribed.txt`.
    public var description: String { "\(kind.rawValue):\(value)" }

    public static func parse(_ text: String) throws(ReachError) -> Suppression {
        guard let colon = text.firstIndex(of: ":"), let kind = Kind(rawValue: String(text[..<colon])),
            !text[text.index(after: colon)...].isEmpty
        else {
            throw .invalid("a suppression is tag:NAME, audience:NAME or keys:FILE (got '\(text)')")
        }
        return Suppression(kind: kind, value: String(text[text.index(after: colon)...]))
    }
}

/// What went wrong with a reach plan, its schedule or its delivery.
public enum ReachError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value of the plan or a command is out of range; the text says which and what fits.
    case invalid(String)
    case noSuchPlan(String, known: [String])
    /// The plan has delivered sends, so its schedule can no longer change.
    case alreadyDelivered(plan: String, delivered: Int)
    case notPlanned(String)
    /// A suppression key file has a bad line.
    case badKeyFile(path: String, line: Int, reason: String)
    case io(String)

    public var description: String {
        switch self {
        case .invalid(let text): text
        case .noSuchPlan(let name, let known):
            "no reach plan named '\(name)'" + (known.isEmpty ? "; define one with `kehu reach define`" : "; there are: \(known.joined(separator: ", "))")
        case .alreadyDelivered(let plan, let delivered):
            "plan '\(plan)' already has \(delivered) delivered sends, so its schedule stays as it is; define a new plan to reach more consumers"
        case .notPlanned(let plan): "plan '\(plan)' has no schedule yet; run `kehu reach plan \(plan)` first"
        case .badKeyFile(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .io(let text): text
        }
    }
}
