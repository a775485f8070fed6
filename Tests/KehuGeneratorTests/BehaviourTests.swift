import KehuModel
import Testing

@testable import KehuGenerator

/// The simulated brand behaves like one: funnel, campaign rhythm, discounts, channels, time of day.
@Suite struct BehaviourTests {
    let brand = GeneratedBrand.shared

    /// Events per consumer-year are near the configured rate (default 50).
    @Test func eventRateIsNearTheConfiguredRate() throws {
        #expect(abs(brand.summary.eventsPerConsumerYear - 50) < 10, "\(brand.summary.eventsPerConsumerYear)")
        let busy = try BrandSimulator(BrandConfig(consumers: 400, seed: 3, eventsPerConsumerYear: 150))
        let rate = busy.forEachChunk { _ in }.eventsPerConsumerYear
        #expect(abs(rate - 150) < 30, "\(rate)")
    }

    /// AIPL over the year: most consumers only ever show A signals, fewer show interest, fewer buy,
    /// and some buy again.
    @Test func theFunnelNarrows() {
        var deepest = [Int](repeating: 0, count: brand.config.consumers)  // 1 A, 2 I, 3 bought, 4 bought twice
        var pays = [Int](repeating: 0, count: brand.config.consumers)
        for (i, record) in brand.records.enumerated() {
            let c = brand.consumers[i]
            var stage = 0
            switch record.kind.defaultStageSignal {
            case .aware: stage = 1
            case .interested: stage = 2
            default: break
            }
            if record.kind == .pay {
                pays[c] += 1
                stage = pays[c] >= 2 ? 4 : 3
            }
            deepest[c] = max(deepest[c], stage)
        }
        let counts = (1...4).map { s in deepest.filter { $0 == s }.count }
        let (awareOnly, interestedOnly, once, repeated) = (counts[0], counts[1], counts[2], counts[3])
        #expect(awareOnly > interestedOnly)
        #expect(interestedOnly > once)
        #expect(once > repeated)
        #expect(repeated > 50)
        #expect(Double(awareOnly) > 0.4 * Double(brand.config.consumers))
    }

    /// 拔草: harvest days have far more payments than days outside any campaign rhythm.
    @Test func harvestDaysHaveMorePayments() {
        let campaigns = brand.simulator.campaigns
        var harvest = 0
        var ordinary = 0
        for record in brand.records where record.kind == .pay {
            let day = brand.day(record)
            if campaigns.contains(where: { $0.harvest.contains(day) }) { harvest += 1 }
            if !campaigns.contains(where: { $0.fullRhythm.contains(day) }) { ordinary += 1 }
        }
        let harvestDays = campaigns.reduce(0) { $0 + ($1.harvest.first >= brand.config.range.first ? $1.harvest.dayCount : 0) }
        var ordinaryDays = 0
        var day = brand.config.range.first
        while day <= brand.config.range.last {
            if !campaigns.contains(where: { $0.fullRhythm.contains(day) }) { ordinaryDays += 1 }
            day = day.advanced(by: 1)
        }
        #expect(harvestDays == 29)  // 06-01..06-18 and 11-01..11-11
        let ratio = (Double(harvest) / Double(harvestDays)) / (Double(ordinary) / Double(ordinaryDays))
        #expect(ratio > 4, "harvest/ordinary pays per day = \(ratio)")
    }

    /// Discounts deepen in the harvest; harvest payments carry the campaign, ordinary ones none.
    @Test func harvestPaymentsAreDiscountedAndTagged() {
        let campaigns = brand.simulator.campaigns
        var harvestDepth: [Double] = []
        var ordinaryDepth: [Double] = []
        var tagged = 0
        for record in brand.records where record.kind == .pay {
            let day = brand.day(record)
            let full = Double(record.listPrice! * Int64(record.quantity!))
            let depth = 1 - Double(record.amount!) / full
            if let campaign = campaigns.first(where: { $0.harvest.contains(day) }) {
                harvestDepth.append(depth)
                if record.campaign == campaign.name { tagged += 1 }
            } else if !campaigns.contains(where: { $0.fullRhythm.contains(day) }) {
                ordinaryDepth.append(depth)
                #expect(record.campaign == nil)
            }
        }
        let meanHarvest = harvestDepth.reduce(0, +) / Double(harvestDepth.count)
        let meanOrdinary = ordinaryDepth.reduce(0, +) / Double(ordinaryDepth.count)
        #expect(meanHarvest > meanOrdinary + 0.1, "\(meanHarvest) vs \(meanOrdinary)")
        #expect(Double(tagged) > 0.8 * Double(harvestDepth.count))
    }

    /// 种草: content and ads ramp up in seeding and growing, tagged with the coming campaign.
    @Test func seedingRampsUpContentBeforeTheHarvest() throws {
        let campaign = try #require(brand.simulator.campaigns.first { $0.name == "618-2026" })
        var beforeSeeding = 0
        var seedingAndGrowing = 0
        var tagged = 0
        let before = DayRange(campaign.seeding.first.advanced(by: -30), campaign.seeding.first.advanced(by: -1))
        let rampUp = DayRange(campaign.seeding.first, campaign.growing.last)
        for record in brand.records where record.kind == .contentView {
            let day = brand.day(record)
            if before.contains(day) { beforeSeeding += 1 }
            if rampUp.contains(day) {
                seedingAndGrowing += 1
                if record.campaign == "618-2026" { tagged += 1 }
            }
        }
        // Both windows are 30 days long.
        #expect(Double(seedingAndGrowing) > 1.2 * Double(beforeSeeding))
        #expect(Double(tagged) > 0.5 * Double(seedingAndGrowing))
    }

    /// Coupons are claimed, and pays below the day's discounted price follow a claim.
    @Test func couponsAreClaimedBeforeTheyAreUsed() {
        let world = brand.simulator.world
        var claimed: Set<Int> = []
        var couponPays = 0
        for (i, record) in brand.records.enumerated() {
            let consumer = brand.consumers[i]
            if record.kind == .couponClaim { claimed.insert(consumer) }
            guard record.kind == .order else { continue }
            let product = world.catalogue.products.firstIndex { $0.sku == record.sku }!
            let dayOffset = brand.config.range.first.distance(to: brand.day(record))
            let maxDepth = min(6_000, world.discount(day: dayOffset, product: product) + 500)
            let lowest = record.listPrice! * Int64(10_000 - maxDepth) / 10_000 / 10 * 10 * Int64(record.quantity!)
            if record.amount! < lowest {
                couponPays += 1
                #expect(claimed.contains(consumer), "a coupon discount without a claim")
            }
        }
        #expect(couponPays > 20)
    }

    /// Consumers show several kinds of identity key, so linking is needed to see them whole.
    @Test func consumersHaveSeveralKeyTypes() {
        var types = [Set<String>](repeating: [], count: brand.config.consumers)
        for (i, record) in brand.records.enumerated() {
            for key in record.keys where !key.hasPrefix("device:pad-") {
                types[brand.consumers[i]].insert(GeneratedBrand.keyType(key))
            }
        }
        let several = types.filter { $0.count >= 3 }.count
        #expect(Double(several) > 0.15 * Double(brand.config.consumers))
        let all = types.reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(all == ["member", "phone", "unionid", "openid", "buyer", "device", "anon"])
    }

    @Test func everyChannelAndTouchpointIsUsed() {
        let channels = Set(brand.records.compactMap(\.channel))
        #expect(channels == ["tmall", "jd", "douyin", "wechat_mp", "pos"])
        let touchpoints = Set(brand.records.compactMap(\.touchpoint))
        #expect(touchpoints == ["ad", "search", "recommend", "live", "content", "push", "sms", "guide"])
        let contentKinds = Set(brand.records.compactMap { $0.content?.prefix { $0 != "-" } })
        #expect(contentKinds == ["live", "video", "article", "tblive"])
    }

    /// More evening activity than night-time activity.
    @Test func eveningsAreBusy() {
        var evening = 0
        var night = 0
        for record in brand.records {
            let hour = brand.config.zone.hour(ofUTC: record.ts)
            if (19...23).contains(hour) { evening += 1 }
            if (2...5).contains(hour) { night += 1 }
        }
        let total = Double(brand.records.count)
        #expect(Double(evening) / total > 0.3)
        #expect(Double(night) / total < 0.05)
    }

    /// 休眠: some buyers go quiet for 90 days or more and then buy again.
    @Test func dormantBuyersComeBack() {
        var returning = 0
        let day: Int64 = 86_400_000
        for events in brand.byConsumer {
            var paid = false
            var quietAfterPaying = false
            var previous: Int64? = nil
            for event in events {
                if paid, let previous, event.ts - previous >= 90 * day { quietAfterPaying = true }
                if event.kind == .pay {
                    if quietAfterPaying {
                        returning += 1
                        break
                    }
                    paid = true
                }
                previous = event.ts
            }
        }
        #expect(returning >= 3)
    }
}
