import KehuModel

/// Where the simulated brand sells and talks to consumers.
enum Channel: Int, CaseIterable {
    case tmall, jd, douyin, wechatMP, pos

    var name: String {
        switch self {
        case .tmall: "tmall"
        case .jd: "jd"
        case .douyin: "douyin"
        case .wechatMP: "wechat_mp"
        case .pos: "pos"
        }
    }

    /// Prefix of this channel's order ids.
    var orderPrefix: [UInt8] {
        switch self {
        case .tmall: Array("TM".utf8)
        case .jd: Array("JD".utf8)
        case .douyin: Array("DY".utf8)
        case .wechatMP: Array("WX".utf8)
        case .pos: Array("POS".utf8)
        }
    }

    /// Share of consumers whose main channel this is.
    static let primaryShare: [Double] = [0.34, 0.16, 0.26, 0.14, 0.10]
}

/// How an event reached the consumer.
enum Touchpoint: Int, CaseIterable {
    case ad, search, recommend, live, content, push, sms, guide

    var name: String {
        switch self {
        case .ad: "ad"
        case .search: "search"
        case .recommend: "recommend"
        case .live: "live"
        case .content: "content"
        case .push: "push"
        case .sms: "sms"
        case .guide: "guide"
        }
    }

    /// Its code in the touchpoint vocabulary.
    var code: UInt8 { UInt8(rawValue + 1) }
}

/// Kinds of seeding content, one piece of each per day.
enum ContentType: Int, CaseIterable {
    /// The brand's own Douyin live stream (品牌自播).
    case douyinLive
    /// A Douyin short video.
    case douyinVideo
    /// A WeChat official-account article (published Tuesday, Thursday and Saturday).
    case wechatArticle
    /// A Taobao live stream on the Tmall store.
    case tmallLive

    var prefix: String {
        switch self {
        case .douyinLive: "live-"
        case .douyinVideo: "video-"
        case .wechatArticle: "article-"
        case .tmallLive: "tblive-"
        }
    }
}

/// The strings of every dictionary-encoded field except `order_id`, as string tables whose code
/// `i + 1` is the `i`-th value, so simulated events carry small codes and text is built once.
struct BrandVocabulary: Sendable {
    /// Indexed by ``EventField`` raw value; the `order_id` table stays empty.
    let tables: [StringTable]
    /// Content ids start this many days before the range (older articles and videos are viewed).
    static let contentLeadDays = 7

    init(range: DayRange, catalogue: BrandCatalogue, campaigns: [BrandCampaign]) {
        var tables = Array(repeating: StringTable(), count: EventField.allCases.count)
        tables[EventField.channel.rawValue] = StringTable(Channel.allCases.map(\.name))
        tables[EventField.touchpoint.rawValue] = StringTable(Touchpoint.allCases.map(\.name))
        tables[EventField.campaign.rawValue] = StringTable(campaigns.map(\.name))
        tables[EventField.sku.rawValue] = StringTable(catalogue.products.map(\.sku))
        tables[EventField.category.rawValue] = StringTable(BrandCatalogue.categories)
        var content = StringTable()
        var day = range.first.advanced(by: -Self.contentLeadDays)
        while day <= range.last {
            let (y, m, d) = day.civil
            let stamp = String(y * 10_000 + m * 100 + d)
            for type in ContentType.allCases { _ = content.intern(type.prefix + stamp) }
            day = day.advanced(by: 1)
        }
        tables[EventField.content.rawValue] = content
        self.tables = tables
    }

    /// The content code of a piece published on day offset `day` (may be negative, down to
    /// `-contentLeadDays`).
    @inline(__always)
    static func contentCode(day: Int, _ type: ContentType) -> UInt32 {
        UInt32((day + contentLeadDays) * ContentType.allCases.count + type.rawValue + 1)
    }
}
