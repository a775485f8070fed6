/// What a consumer did, or had done to them: the fixed event vocabulary of DESIGN section 2.
///
/// The raw values are stored in segments on disk. They are append-only: never renumber a case.
public enum EventKind: UInt8, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    case impression = 0
    case click = 1
    case categorySearch = 2
    case view = 3
    case contentView = 4
    case brandSearch = 5
    case favorite = 6
    case cart = 7
    case follow = 8
    case interact = 9
    case trial = 10
    case couponClaim = 11
    case memberJoin = 12
    case order = 13
    case pay = 14
    case refund = 15
    case review = 16
    case share = 17
    case memberLeave = 18
    case points = 19

    /// The name used in files, the API and the CLI (`category_search`).
    public var name: String {
        switch self {
        case .impression: "impression"
        case .click: "click"
        case .categorySearch: "category_search"
        case .view: "view"
        case .contentView: "content_view"
        case .brandSearch: "brand_search"
        case .favorite: "favorite"
        case .cart: "cart"
        case .follow: "follow"
        case .interact: "interact"
        case .trial: "trial"
        case .couponClaim: "coupon_claim"
        case .memberJoin: "member_join"
        case .order: "order"
        case .pay: "pay"
        case .refund: "refund"
        case .review: "review"
        case .share: "share"
        case .memberLeave: "member_leave"
        case .points: "points"
        }
    }

    /// The Chinese name operations teams use.
    public var chineseName: String {
        switch self {
        case .impression: "曝光"
        case .click: "点击"
        case .categorySearch: "品类词搜索"
        case .view: "浏览"
        case .contentView: "内容浏览"
        case .brandSearch: "品牌词搜索"
        case .favorite: "收藏"
        case .cart: "加购"
        case .follow: "关注"
        case .interact: "互动"
        case .trial: "领取试用"
        case .couponClaim: "领券"
        case .memberJoin: "入会"
        case .order: "下单"
        case .pay: "支付"
        case .refund: "退款"
        case .review: "评价"
        case .share: "分享"
        case .memberLeave: "退会"
        case .points: "积分变动"
        }
    }

    /// The AIPL stage this kind signals by default (DESIGN 4.1); `nil` for kinds that signal none.
    ///
    /// `pay` signals P only through a paid order; `review` and `share` signal L only after a purchase.
    public var defaultStageSignal: AIPLStage? {
        switch self {
        case .impression, .click, .categorySearch, .view, .contentView: .aware
        case .brandSearch, .favorite, .cart, .follow, .interact, .trial, .couponClaim, .memberJoin: .interested
        case .pay: .purchased
        case .review, .share: .loyal
        case .order, .refund, .memberLeave, .points: nil
        }
    }

    public var description: String { name }

    private static let byName: [String: EventKind] = {
        var names: [String: EventKind] = [:]
        for kind in EventKind.allCases { names[kind.name] = kind }
        return names
    }()

    /// Parses a kind by its file name (`cart`) or Chinese name (`加购`); case-insensitive for the former.
    public init?(name: some StringProtocol) {
        if let kind = Self.byName[String(name)] ?? Self.byName[name.lowercased()] {
            self = kind
            return
        }
        guard let kind = EventKind.allCases.first(where: { $0.chineseName == name }) else { return nil }
        self = kind
    }

    /// Parses a kind from the bytes of a field without allocating for the common names.
    public init?(bytes: UnsafeRawBufferPointer) {
        // Names are ASCII and short; compare against the table by length first.
        for kind in EventKind.allCases {
            let utf8 = kind.name.utf8
            if utf8.count == bytes.count, utf8.elementsEqual(bytes) {
                self = kind
                return
            }
        }
        self.init(name: String(decoding: bytes, as: UTF8.self))
    }

    /// Every name accepted, for error messages.
    public static var allNames: String { allCases.map(\.name).joined(separator: ", ") }
}

/// The AIPL consumer-asset stages (品牌数据银行), shallowest to deepest.
public enum AIPLStage: UInt8, CaseIterable, Sendable, Codable, Comparable, CustomStringConvertible {
    case none = 0
    /// A 认知: aware of the brand.
    case aware = 1
    /// I 兴趣: interested.
    case interested = 2
    /// P 购买: purchased.
    case purchased = 3
    /// L 忠诚: loyal.
    case loyal = 4

    public static func < (lhs: AIPLStage, rhs: AIPLStage) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The one-letter label (`A`, `I`, `P`, `L`, `-` for none).
    public var letter: String {
        switch self {
        case .none: "-"
        case .aware: "A"
        case .interested: "I"
        case .purchased: "P"
        case .loyal: "L"
        }
    }

    public var chineseName: String {
        switch self {
        case .none: "无"
        case .aware: "认知"
        case .interested: "兴趣"
        case .purchased: "购买"
        case .loyal: "忠诚"
        }
    }

    public var description: String { letter }
}
