import KehuModel

/// Sessions: a visit to one channel, a few events a few seconds to minutes apart.
///
/// Aware consumers see ads, search results, feeds and content; with some chance (higher after
/// content and before a campaign) they become interested. Interested consumers and customers
/// search the brand, browse, favourite, cart, claim coupons, follow, join the membership and
/// sometimes buy.
extension ConsumerSimulation {
    var isCampaignPromotion: Bool {
        let phase = world.days[today].phase
        return phase >= BrandCampaign.Phase.seeding.rawValue && phase <= BrandCampaign.Phase.harvest.rawValue
    }

    /// The campaign code when a campaign-driven event (ad, content, coupon) is tagged with it.
    mutating func promotionTag(_ probability: Double = 0.7) -> UInt8 {
        isCampaignPromotion && rng.chance(probability) ? world.days[today].campaign : 0
    }

    /// When a session starts: part of it at the consumer's own hour, otherwise the evening-heavy
    /// hour table; live streams run 19:00-23:00; the last harvest day has a midnight rush.
    mutating func sessionStart(day: Int, live: Bool = false) -> Int64 {
        let plan = world.days[day]
        let hour: Int
        if plan.isPeak, rng.chance(0.2) {
            hour = rng.chance(0.6) ? 0 : 20 + rng.below(4)
        } else if live {
            hour = 19 + rng.below(4)
        } else if profile.preferredHour >= 0, rng.chance(0.35) {
            hour = profile.preferredHour
        } else {
            hour = Int(world.hours[rng.below(world.hours.count)])
        }
        return min(plan.startMs + Int64(hour) * 3_600_000 + Int64(rng.below(3_600_000)), plan.endMs - 1)
    }

    /// The gap between two events of a session: 3 seconds to 2.5 minutes.
    @inline(__always)
    mutating func advance(_ t: inout Int64) { t += 3_000 + Int64(rng.below(150_000)) }

    @inline(__always)
    func follows(_ channel: Channel) -> Bool { state.followed & (1 << channel.rawValue) != 0 }

    /// A product for this consumer: mostly from a favourite category, weighted by popularity.
    mutating func pickProduct() -> Int {
        let r = rng.unit()
        let category: Int? = r < 0.5 ? profile.categories.0 : r < 0.7 ? profile.categories.1 : nil
        return world.catalogue.pickProduct(category: category, &rng)
    }

    mutating func chooseChannel(day: Int) -> Channel {
        let phase = world.days[day].phase
        let r = rng.unit()
        var channel = r < 0.7 ? profile.channels.0 : r < 0.92 ? profile.channels.1 : profile.channels.2
        if phase == BrandCampaign.Phase.seeding.rawValue || phase == BrandCampaign.Phase.growing.rawValue {
            // 种草: seeding content pulls consumers to Douyin and WeChat before the harvest.
            if rng.chance(0.25) {
                if profile.uses(.douyin) { channel = .douyin } else if profile.uses(.wechatMP) { channel = .wechatMP }
            }
        } else if phase == BrandCampaign.Phase.harvest.rawValue, rng.chance(0.2) {
            if profile.uses(.tmall) { channel = .tmall } else if profile.uses(.jd) { channel = .jd }
        }
        if channel == .pos, state.stage == .aware {
            // Nobody is known in the store before showing interest; they meet the brand online.
            for other in [profile.channels.1, profile.channels.2] where other != .pos { return other }
            return .douyin
        }
        return channel
    }

    /// One organic (or, with `entry`, brand-initiated) visit.
    mutating func session(
        day: Int, entry: Touchpoint? = nil, channel forced: Channel? = nil, at start: Int64? = nil
    ) {
        today = day
        let channel = forced ?? chooseChannel(day: day)
        let live = entry == nil && (channel == .douyin ? rng.chance(0.6) : channel == .tmall && rng.chance(0.1))
        var t = start ?? sessionStart(day: day, live: live)
        if channel == .pos {
            // Stores open 10:00-22:00.
            let plan = world.days[day]
            let hour = (t - plan.startMs) / 3_600_000
            if hour < 10 || hour > 20 { t = plan.startMs + Int64(10 + rng.below(11)) * 3_600_000 + Int64(rng.below(3_600_000)) }
        }
        // One person does one thing at a time: a second session the same day starts after the first.
        t = max(t, state.clock + 60_000)
        if state.stage == .aware {
            awareSession(day: day, channel: channel, live: live, &t)
        } else {
            engagedSession(day: day, channel: channel, entry: entry, live: live, &t)
        }
        state.clock = max(state.clock, t)
    }

    // MARK: - Awareness

    mutating func awareSession(day: Int, channel: Channel, live: Bool, _ t: inout Int64) {
        let product = pickProduct()
        switch channel {
        case .tmall, .jd:
            let r = rng.unit()
            if live {
                contentView(channel: channel, type: .tmallLive, at: t)
            } else if r < 0.4 {
                record(.categorySearch, channel, at: t, .search, category: world.catalogue.categoryIndex[product])
                advance(&t)
                record(.impression, channel, at: t, .search, product: product)
                if rng.chance(0.5) {
                    advance(&t)
                    record(.impression, channel, at: t, .search, product: pickProduct())
                }
                if rng.chance(0.4) { clickThrough(channel, .search, product: product, &t) }
            } else if r < 0.75 {
                let touchpoint: Touchpoint = rng.chance(0.55) ? .ad : .recommend
                let campaign = touchpoint == .ad ? promotionTag() : 0
                record(.impression, channel, at: t, touchpoint, product: product, campaign: campaign)
                for _ in 0..<rng.below(3) {
                    advance(&t)
                    record(.impression, channel, at: t, touchpoint, product: pickProduct(), campaign: campaign)
                }
                if rng.chance(0.25) { clickThrough(channel, touchpoint, product: product, campaign: campaign, &t) }
            } else {
                record(.view, channel, at: t, .recommend, product: product)
            }
        case .douyin, .pos:
            if live || rng.chance(0.3) {
                contentView(channel: .douyin, type: live ? .douyinLive : .douyinVideo, at: t)
                if rng.chance(0.3) {
                    advance(&t)
                    contentView(channel: .douyin, type: .douyinVideo, at: t)
                }
            } else {
                let campaign = promotionTag()
                record(.impression, .douyin, at: t, .ad, product: product, campaign: campaign)
                if rng.chance(0.4) {
                    advance(&t)
                    record(.impression, .douyin, at: t, .ad, product: pickProduct(), campaign: campaign)
                }
                if rng.chance(0.2) { clickThrough(.douyin, .ad, product: product, campaign: campaign, &t) }
            }
        case .wechatMP:
            contentView(channel: .wechatMP, type: .wechatArticle, at: t)
            if rng.chance(0.15) { clickThrough(.wechatMP, .content, product: product, &t) }
        }
        let plan = world.days[day]
        var p = (0.004 + 0.04 * profile.affinity) * plan.seeding * world.conversionScale
        if day - state.lastContentDay <= 15 { p *= 1.8 }
        if rng.chance(p) {
            state.stage = .interested
            advance(&t)
            firstInterest(channel: channel == .pos ? .douyin : channel, product: product, at: t)
        }
    }

    mutating func clickThrough(
        _ channel: Channel, _ touchpoint: Touchpoint, product: Int, campaign: UInt8 = 0, _ t: inout Int64
    ) {
        advance(&t)
        record(.click, channel, at: t, touchpoint, product: product, campaign: campaign)
        advance(&t)
        record(.view, channel, at: t, touchpoint, product: product, campaign: campaign)
    }

    /// The event that first shows interest (the A→I step).
    mutating func firstInterest(channel: Channel, product: Int, at t: Int64) {
        switch channel {
        case .tmall, .jd:
            if rng.chance(0.5) {
                record(.brandSearch, channel, at: t, .search)
            } else {
                record(.favorite, channel, at: t, .recommend, product: product)
            }
        case .douyin, .wechatMP, .pos:
            let touchpoint: Touchpoint = channel == .douyin ? .live : .content
            if !follows(channel), rng.chance(0.6) {
                follow(channel, touchpoint, at: t)
            } else {
                record(.interact, channel, at: t, touchpoint, content: lastContent)
            }
        }
    }

    mutating func follow(_ channel: Channel, _ touchpoint: Touchpoint, at t: Int64) {
        state.followed |= 1 << channel.rawValue
        record(.follow, channel, at: t, touchpoint)
    }

    /// A content view (内容浏览): today's live stream, a recent video, the latest article.
    mutating func contentView(channel: Channel, type: ContentType, at t: Int64) {
        var published = today
        switch type {
        case .wechatArticle:
            // Articles go out on Tuesday, Thursday and Saturday; some readers catch an older one.
            published -= Self.daysSinceArticle[world.days[today].weekday]
            if rng.chance(0.3) { published -= 2 }
        case .douyinVideo:
            published -= rng.below(5)
        case .douyinLive, .tmallLive:
            break
        }
        published = max(published, -BrandVocabulary.contentLeadDays)
        let code = BrandVocabulary.contentCode(day: published, type)
        let live = type == .douyinLive || type == .tmallLive
        record(.contentView, channel, at: t, live ? .live : .content, campaign: promotionTag(), content: code)
        state.lastContentDay = today
        lastContent = code
    }

    /// Days back from a weekday (1 = Monday) to the latest Tuesday, Thursday or Saturday.
    static let daysSinceArticle = [0, 2, 0, 1, 0, 1, 0, 1]

    // MARK: - Interest and customers

    mutating func engagedSession(day: Int, channel: Channel, entry: Touchpoint?, live: Bool, _ t: inout Int64) {
        let plan = world.days[day]
        let customer = state.stage == .customer
        let couponSeason = plan.phase == BrandCampaign.Phase.growing.rawValue
            || plan.phase == BrandCampaign.Phase.harvest.rawValue
        let product = state.cartProduct >= 0 && rng.chance(0.5) ? state.cartProduct : pickProduct()
        switch channel {
        case .tmall, .jd:
            var touchpoint = entry ?? .recommend
            if entry == nil {
                if live {
                    touchpoint = .live
                    contentView(channel: channel, type: .tmallLive, at: t)
                    advance(&t)
                } else if rng.chance(customer ? 0.25 : 0.35) {
                    touchpoint = .search
                    record(.brandSearch, channel, at: t, .search)
                    advance(&t)
                } else if rng.chance(0.3) {
                    touchpoint = rng.chance(0.5) ? .ad : .recommend
                    let campaign = touchpoint == .ad ? promotionTag() : 0
                    record(.impression, channel, at: t, touchpoint, product: product, campaign: campaign)
                    advance(&t)
                    record(.click, channel, at: t, touchpoint, product: product, campaign: campaign)
                    advance(&t)
                }
            }
            record(.view, channel, at: t, touchpoint, product: product)
            if rng.chance(0.35) {
                advance(&t)
                record(.view, channel, at: t, touchpoint, product: pickProduct())
            }
            if rng.chance(0.15) {
                advance(&t)
                record(.favorite, channel, at: t, touchpoint, product: product)
            }
            if rng.chance(0.3) {
                advance(&t)
                record(.cart, channel, at: t, touchpoint, product: product, campaign: couponSeason ? promotionTag(0.5) : 0)
                state.cartProduct = product
            }
            if rng.chance(couponSeason ? 0.35 : 0.05) { claimCoupon(channel, touchpoint, &t) }
            if channel == .tmall, !customer, rng.chance(0.03) {
                advance(&t)
                record(.trial, channel, at: t, touchpoint, product: product)
            }
            if !follows(channel), rng.chance(0.08) {
                advance(&t)
                follow(channel, touchpoint, at: t)
            }
            maybeJoin(channel, touchpoint, chance: 0.003 + 0.01 * profile.memberAffinity, &t)
            considerPurchase(channel, touchpoint, product: product, factor: 1, &t)
        case .douyin:
            let touchpoint = entry ?? (live ? .live : .content)
            if entry == nil {
                contentView(channel: .douyin, type: live ? .douyinLive : .douyinVideo, at: t)
            }
            if rng.chance(0.35) {
                advance(&t)
                record(.interact, .douyin, at: t, touchpoint, content: lastContent)
            }
            if !follows(.douyin), rng.chance(0.15) {
                advance(&t)
                follow(.douyin, touchpoint, at: t)
            }
            if rng.chance(0.015) {
                advance(&t)
                record(.share, .douyin, at: t, touchpoint, content: lastContent)
            }
            if rng.chance(0.6) {
                advance(&t)
                record(.view, .douyin, at: t, touchpoint, product: product)
                if rng.chance(0.25) {
                    advance(&t)
                    record(.cart, .douyin, at: t, touchpoint, product: product)
                    state.cartProduct = product
                }
            }
            maybeJoin(.douyin, touchpoint, chance: 0.004, &t)
            considerPurchase(.douyin, touchpoint, product: product, factor: live ? 1.3 : 0.9, &t)
        case .wechatMP:
            let touchpoint = entry ?? .content
            if entry == nil { contentView(channel: .wechatMP, type: .wechatArticle, at: t) }
            if rng.chance(0.15) {
                advance(&t)
                record(.interact, .wechatMP, at: t, touchpoint, content: lastContent)
            }
            if !follows(.wechatMP), rng.chance(0.2) {
                advance(&t)
                follow(.wechatMP, touchpoint, at: t)
            }
            if state.isMember, rng.chance(0.15) {
                // Daily sign-in (签到) earns a few points.
                advance(&t)
                points(.wechatMP, amount: Int32(5 + rng.below(16)), order: 0, campaign: 0, at: t)
            }
            if rng.chance(0.5) {
                advance(&t)
                record(.view, .wechatMP, at: t, touchpoint, product: product)
            }
            if rng.chance(couponSeason ? 0.25 : 0.06) { claimCoupon(.wechatMP, touchpoint, &t) }
            maybeJoin(.wechatMP, touchpoint, chance: 0.01 + 0.02 * profile.memberAffinity, &t)
            considerPurchase(.wechatMP, touchpoint, product: product, factor: 0.6, &t)
        case .pos:
            // A store visit served by a guide, who records it on the store's shared tablet.
            record(.view, .pos, at: t, .guide, product: product)
            if rng.chance(0.2) {
                advance(&t)
                record(.trial, .pos, at: t, .guide, product: product)
            }
            if rng.chance(0.1) { claimCoupon(.pos, .guide, &t) }
            maybeJoin(.pos, .guide, chance: 0.05 + 0.1 * profile.memberAffinity, &t)
            considerPurchase(.pos, .guide, product: product, factor: 2.2, &t)
        }
    }

    /// Brand outreach during the growing and harvest phases: an SMS to the phone or a WeChat push
    /// to followers. It can wake a dormant customer (唤醒) and lead into a session.
    mutating func outreach(day: Int) {
        today = day
        let plan = world.days[day]
        let push = follows(.wechatMP) && rng.chance(0.5)
        let channel: Channel
        if push {
            channel = .wechatMP
        } else if profile.uses(.tmall) || !(profile.uses(.jd) || profile.uses(.douyin)) {
            channel = .tmall
        } else {
            channel = profile.uses(.jd) ? .jd : .douyin
        }
        let touchpoint: Touchpoint = push ? .push : .sms
        let keys = (key(push ? KeySlot.openid : KeySlot.phone), SimulatedEvent.noKey)
        var t = max(sessionStart(day: day), state.clock + 60_000)
        record(.impression, channel, at: t, touchpoint, campaign: plan.campaign, keys: keys)
        state.clock = max(state.clock, t)
        if !state.active, rng.chance(0.1) {
            // 唤醒: a recalled customer comes back, usually with a purchase in mind.
            setActive(true)
            state.recalledUntil = day + 30
        }
        guard state.active, rng.chance(0.12) else { return }
        advance(&t)
        record(.click, channel, at: t, touchpoint, campaign: plan.campaign, keys: keys)
        advance(&t)
        engagedSession(day: day, channel: channel, entry: touchpoint, live: false, &t)
        state.clock = max(state.clock, t)
    }
}
