import KehuModel

/// One simulated day: when it starts and ends, and how the campaign calendar shapes behaviour on it.
struct DayPlan: Sendable {
    /// First instant of the local day (UTC ms).
    var startMs: Int64
    /// First instant after the local day.
    var endMs: Int64
    /// ``BrandCampaign/Phase`` raw value, 0 outside any campaign rhythm.
    var phase: Int
    /// Code of the campaign in the vocabulary, 0 outside any campaign rhythm.
    var campaign: UInt8
    /// The last harvest day (06-18, 11-11): the midnight rush and the deepest discounts.
    var isPeak: Bool
    /// Day offset of the next harvest start when in the growing phase (where pre-sale orders are
    /// paid), otherwise -1.
    var harvestStart: Int
    /// Multiplier on how often consumers show up.
    var activity: Double
    /// Multiplier on the chance that a session ends in a purchase.
    var buying: Double
    /// Multiplier on the chance that an aware consumer becomes interested.
    var seeding: Double
    /// ISO weekday, 1 = Monday ... 7 = Sunday.
    var weekday: Int
}

/// Everything shared by all consumers of one simulation: days, campaigns, catalogue, prices,
/// vocabulary and lookup tables. Immutable, built once per ``BrandSimulator``.
final class BrandWorld: Sendable {
    let config: BrandConfig
    let dayCount: Int
    let rangeStartMs: Int64
    let rangeEndMs: Int64
    let days: [DayPlan]
    let campaigns: [BrandCampaign]
    let catalogue: BrandCatalogue
    let vocabulary: BrandVocabulary
    /// Discount depth in basis points, `discounts[day * products + product]`.
    let discounts: [UInt16]
    /// 1,024 hours of day (0-23) in proportion to when consumers are active: evening-heavy.
    let hours: [UInt8]
    /// Cumulative weights of the day new consumers first meet the brand (more during campaigns).
    let arrivals: [Double]
    /// Multiplier on per-session conversion chances (interest, purchase, membership), so that a
    /// higher event rate means busier consumers, not a different funnel: 1 at 50 events a year.
    let conversionScale: Double
    /// Per-seed salts so that ids differ between seeds.
    let salt: UInt64
    /// The guide tablets' keys, one per store.
    let storeTablets: StringTable

    /// Roughly the events per session of an average consumer: the first guess of the calibration.
    static let eventsPerSession = 1.2
    /// The calibration's pilot population: its own consumer indices (streams), far above any real one.
    static let pilotFirstConsumer = 1 << 40
    static let pilotConsumers = 400

    /// Relative activity by hour of day in the brand's zone.
    static let hourWeights: [Double] = [
        2.0, 1.0, 0.5, 0.3, 0.25, 0.35, 0.8, 1.8, 2.6, 3.2, 3.8, 3.8,
        4.4, 3.9, 3.4, 3.4, 3.5, 3.8, 4.2, 5.2, 6.8, 7.6, 6.6, 4.2,
    ]

    init(config: BrandConfig) {
        self.config = config
        let range = config.range
        dayCount = range.dayCount
        rangeStartMs = config.zone.start(of: range.first)
        rangeEndMs = config.zone.end(of: range.last)
        salt = SplitMix64.mix(config.seed ^ 0x7361_6C74_7361_6C74)
        storeTablets = StringTable((0..<config.stores).map(KeySlot.storeTablet))
        campaigns = BrandCampaign.campaigns(overlapping: range)
        catalogue = BrandCatalogue(seed: config.seed)
        vocabulary = BrandVocabulary(range: range, catalogue: catalogue, campaigns: campaigns)
        conversionScale = 50 / config.eventsPerConsumerYear

        var days: [DayPlan] = []
        days.reserveCapacity(dayCount)
        var day = range.first
        for offset in 0..<dayCount {
            var plan = DayPlan(
                startMs: config.zone.start(of: day), endMs: config.zone.end(of: day), phase: 0, campaign: 0,
                isPeak: false, harvestStart: -1, activity: 1, buying: 1, seeding: 1, weekday: day.isoWeekday)
            for (c, campaign) in campaigns.enumerated() {
                guard let phase = campaign.phase(of: day) else { continue }
                plan.phase = phase.rawValue
                plan.campaign = UInt8(c + 1)
                plan.isPeak = day == campaign.harvest.last
                switch phase {
                case .seeding:
                    (plan.activity, plan.buying, plan.seeding) = (1.25, 0.8, 1.6)
                case .growing:
                    (plan.activity, plan.buying, plan.seeding) = (1.45, 0.5, 1.8)
                    plan.harvestStart = offset + day.distance(to: campaign.harvest.first)
                case .harvest:
                    (plan.activity, plan.buying, plan.seeding) = plan.isPeak ? (3.0, 3.2, 1.3) : (1.9, 2.2, 1.3)
                case .nurturing:
                    (plan.activity, plan.buying, plan.seeding) = (1.1, 0.9, 1.1)
                }
            }
            switch plan.weekday {
            case 6, 7: plan.activity *= 1.12
            case 1: plan.activity *= 0.95
            default: break
            }
            days.append(plan)
            day = day.advanced(by: 1)
        }
        self.days = days

        var arrivalWeights: [Double] = []
        arrivalWeights.reserveCapacity(dayCount)
        for plan in days {
            let boost: Double = switch plan.phase {
            case 1: 1.8
            case 2: 2.2
            case 3: 2.5
            case 4: 1.3
            default: 1
            }
            arrivalWeights.append(boost)
        }
        arrivals = BrandCatalogue.cumulative(arrivalWeights)

        let total = Self.hourWeights.reduce(0, +)
        var hours: [UInt8] = []
        var cumulative = 0.0
        for (hour, weight) in Self.hourWeights.enumerated() {
            cumulative += weight
            while Double(hours.count) < cumulative / total * 1_024 - 1e-9 { hours.append(UInt8(hour)) }
        }
        while hours.count < 1_024 { hours.append(23) }
        self.hours = hours

        discounts = Self.discountTable(days: days, catalogue: catalogue, seed: config.seed)
    }

    /// Per day and product, the brand's discount depth in basis points:
    /// - ordinary days: occasional 3-7 day promotions of 10-25% on single SKUs (以价换量);
    /// - growing: pre-sale prices of 10-15% on about 40% of SKUs;
    /// - harvest: 20-35% on every SKU, 5% deeper on the last day;
    /// - nurturing: 5-10% "返场" on about half of the SKUs.
    static func discountTable(days: [DayPlan], catalogue: BrandCatalogue, seed: UInt64) -> [UInt16] {
        let products = catalogue.products.count
        var rng = Xoshiro256StarStar(seed: SplitMix64.mix(seed ^ 0x6469_7363_6F75_6E74))
        var table = [UInt16](repeating: 0, count: days.count * products)
        for p in 0..<products {
            var promotionLeft = 0
            var promotionDepth: UInt16 = 0
            var campaignDepth: UInt16 = 0
            var presale = false
            var encore = false
            var lastCampaign: UInt8 = 0
            for (d, plan) in days.enumerated() {
                if plan.campaign != lastCampaign {
                    lastCampaign = plan.campaign
                    campaignDepth = UInt16(rng.inRange(2_000...3_500))
                    presale = rng.chance(0.4)
                    encore = rng.chance(0.5)
                }
                var depth: UInt16 = 0
                switch plan.phase {
                case BrandCampaign.Phase.growing.rawValue:
                    if presale { depth = UInt16(1_000 + Int(campaignDepth) % 500) }
                case BrandCampaign.Phase.harvest.rawValue:
                    depth = campaignDepth + (plan.isPeak ? 500 : 0)
                case BrandCampaign.Phase.nurturing.rawValue:
                    if encore { depth = UInt16(500 + Int(campaignDepth) % 500) }
                default:
                    break
                }
                if promotionLeft == 0, plan.phase == 0, rng.chance(1.0 / 45) {
                    promotionLeft = rng.inRange(3...7)
                    promotionDepth = UInt16(rng.inRange(10...25) * 100)
                }
                if promotionLeft > 0 {
                    depth = max(depth, promotionDepth)
                    promotionLeft -= 1
                }
                table[d * products + p] = depth
            }
        }
        return table
    }

    /// Sessions per day of an average consumer (before stage and calendar multipliers) that give
    /// the configured events per consumer-year over this range.
    ///
    /// How many events a session rate yields depends on the range: its campaigns, and how long
    /// consumers have to arrive, convert and fall dormant. So the rate is measured on a pilot
    /// population of 400 consumers with their own random streams, and corrected twice.
    /// Deterministic: the pilot depends only on the configuration.
    func calibratedSessionRate() -> Double {
        var rate = config.eventsPerConsumerYear / 365 / Self.eventsPerSession
        let years = Double(dayCount) / 365
        for _ in 0..<2 {
            let groups = 4
            let size = Self.pilotConsumers / groups
            let counts = Parallel.map(groups, threads: groups) { [self, rate] g in
                ConsumerSimulation.block(
                    world: self, sessionRate: rate, firstConsumer: Self.pilotFirstConsumer + g * size, count: size
                ).events.count
            }
            let measured = Double(counts.reduce(0, +)) / (Double(Self.pilotConsumers) * years)
            rate *= config.eventsPerConsumerYear / max(measured, 0.1)
        }
        return rate
    }

    /// Discount depth (basis points) of a product on a day.
    @inline(__always)
    func discount(day: Int, product: Int) -> Int {
        Int(discounts[day * catalogue.products.count + product])
    }
}
