import KehuModel

/// Purchases and what follows them: order and pay, points, refunds, reviews, shares, membership.
extension ConsumerSimulation {
    /// Decides whether an engaged session ends in a purchase. The chance grows with affinity, the
    /// harvest, the discount (for price-sensitive consumers), recent content (内容种草) and a
    /// coupon in hand; in the growing phase Tmall and JD buyers often place pre-sale orders.
    mutating func considerPurchase(
        _ channel: Channel, _ touchpoint: Touchpoint, product: Int, factor: Double, _ t: inout Int64
    ) {
        let plan = world.days[today]
        var p = state.stage == .customer ? 0.006 + 0.04 * profile.affinity : 0.003 + 0.03 * profile.affinity
        p *= plan.buying * factor * world.conversionScale
        let depth = world.discount(day: today, product: product)
        p *= 1 + 3 * profile.priceSensitivity * Double(depth) / 10_000
        if profile.priceSensitivity > 0.6, plan.phase != BrandCampaign.Phase.harvest.rawValue { p *= 0.6 }
        if today - state.lastContentDay <= 15 { p *= 1.6 }
        if let coupon = state.coupon, coupon.expires >= today { p *= 1.25 }
        if today < state.stockedUntil { p *= 0.12 }
        if today <= state.recalledUntil { p *= 3 }
        guard rng.chance(min(p, 0.85)) else { return }
        let presale = plan.harvestStart >= 0 && depth > 0 && (channel == .tmall || channel == .jd) && rng.chance(0.6)
        purchase(channel, touchpoint, product: product, presale: presale, &t)
    }

    /// An order (下单) and usually its payment (支付), priced at list price less the day's discount
    /// and any coupon. Pre-sale orders (预售) are paid on the evening the harvest starts.
    mutating func purchase(_ channel: Channel, _ touchpoint: Touchpoint, product: Int, presale: Bool, _ t: inout Int64) {
        let plan = world.days[today]
        let item = world.catalogue.products[product]
        let r = rng.unit()
        let quantity: Int64 = r < 0.8 ? 1 : r < 0.95 ? 2 : 3
        var depth = world.discount(day: today, product: product)
        if channel == .pos { depth /= 2 }
        if touchpoint == .live { depth = min(6_000, depth + 500) }
        // Prices end in whole jiao (角), as shelf prices do.
        let unit = item.listPriceFen * Int64(10_000 - depth) / 10_000 / 10 * 10
        var amount = unit * quantity
        if let coupon = state.coupon, coupon.expires >= today, amount >= coupon.threshold {
            amount -= coupon.value
            state.coupon = nil
        }
        let harvest = plan.phase == BrandCampaign.Phase.harvest.rawValue
        let campaign = presale || (harvest && rng.chance(0.95)) ? plan.campaign : 0
        state.orders += 1
        let order = state.orders
        advance(&t)
        commerce(.order, channel, at: t, touchpoint, product: product, order: order, amount: amount,
                 listPrice: item.listPriceFen, quantity: quantity, campaign: campaign)
        // Abandoned orders: more in the harvest rush, most for pre-sale deposits never completed.
        if rng.chance(presale ? 0.15 : harvest ? 0.1 : 0.06) { return }

        var payTs: Int64
        if presale {
            // A harvest start beyond the range means the balance is paid after it: not recorded.
            payTs = plan.harvestStart < world.dayCount
                ? world.days[plan.harvestStart].startMs + 20 * 3_600_000 + Int64(rng.below(3 * 3_600_000))
                : world.rangeEndMs
        } else if rng.chance(0.04) {
            payTs = t + 3_600_000 + Int64(rng.below(20 * 3_600_000))
        } else {
            payTs = t + 5_000 + Int64(rng.below(300_000))
        }
        commerce(.pay, channel, at: payTs, touchpoint, product: product, order: order, amount: amount,
                 listPrice: item.listPriceFen, quantity: quantity, campaign: campaign, now: !presale)
        state.stage = .customer
        state.stockedUntil = today + 30 + rng.below(61)
        state.recalledUntil = Int.min / 2
        if state.cartProduct == product { state.cartProduct = -1 }
        if state.isMember, !presale {
            points(channel, amount: Int32(max(1, amount / 100)), order: order, campaign: campaign, at: payTs + 1_000)
        }

        var fullyRefunded = false
        if payTs < world.rangeEndMs, rng.chance(profile.refundRate + (harvest ? 0.03 : 0)) {
            let refundTs = payTs + 86_400_000 + Int64(rng.below(11 * 86_400_000))
            fullyRefunded = rng.chance(0.65)
            let refund = fullyRefunded ? amount : max(1, amount * Int64(rng.inRange(20...60)) / 100)
            commerce(.refund, channel, at: refundTs, nil, product: product, order: order, amount: refund,
                     listPrice: Money.unknownFen, quantity: 0, campaign: campaign, now: false)
        }
        if payTs < world.rangeEndMs, !fullyRefunded, channel != .pos, rng.chance(0.08 + 0.15 * profile.affinity) {
            let reviewTs = payTs + 2 * 86_400_000 + Int64(rng.below(12 * 86_400_000))
            record(.review, channel, at: reviewTs, nil, product: product, campaign: campaign, now: false)
        }
        if payTs < world.rangeEndMs, rng.chance(0.02 + 0.05 * profile.affinity) {
            let shareTs = payTs + Int64(rng.below(3 * 86_400_000))
            let shareChannel: Channel = profile.uses(.wechatMP) ? .wechatMP : channel == .pos ? .douyin : channel
            record(.share, shareChannel, at: shareTs, nil, product: product, campaign: campaign, now: false)
        }
        if !presale {
            t = max(t, min(payTs, t + 600_000))
            maybeJoin(channel, touchpoint, chance: 0.04 + 0.1 * profile.memberAffinity, perSession: false, &t)
        }
    }

    /// Records an order, pay or refund.
    @inline(__always)
    mutating func commerce(
        _ kind: EventKind, _ channel: Channel, at ts: Int64, _ touchpoint: Touchpoint?, product: Int, order: UInt32,
        amount: Int64, listPrice: Int64, quantity: Int64, campaign: UInt8, now: Bool = true
    ) {
        let k = keys(kind, on: channel, now: now)
        var e = SimulatedEvent(ts: ts, key1: k.0, key2: k.1, kind: kind, channel: channel)
        e.touchpoint = touchpoint?.code ?? 0
        e.campaign = campaign
        e.sku = UInt8(product + 1)
        e.category = UInt8(world.catalogue.categoryIndex[product] + 1)
        e.order = order
        e.amount = amount
        e.listPrice = listPrice
        e.quantity = Int32(quantity)
        emit(e)
    }

    /// A points change (积分变动) for a member: `amount` points, tied to an order when earned by one.
    mutating func points(_ channel: Channel, amount: Int32, order: UInt32, campaign: UInt8, at ts: Int64) {
        let second = rng.chance(0.25) ? key(KeySlot.phone) : SimulatedEvent.noKey
        var e = SimulatedEvent(ts: ts, key1: key(KeySlot.member), key2: second, kind: .points, channel: channel)
        e.campaign = campaign
        e.order = order
        e.quantity = amount
        emit(e)
    }

    /// Joins the membership programme (入会) with some chance, unless already a member or once
    /// left. The join links the new `member:` key to the channel's own key.
    /// `perSession` chances are scaled with the event rate (see ``BrandWorld/conversionScale``).
    mutating func maybeJoin(
        _ channel: Channel, _ touchpoint: Touchpoint?, chance: Double, perSession: Bool = true, _ t: inout Int64
    ) {
        guard !state.isMember, !state.leftMembership else { return }
        let plan = world.days[today]
        var p = perSession ? chance * world.conversionScale : chance
        if plan.phase == BrandCampaign.Phase.nurturing.rawValue { p *= 1.5 }
        guard rng.chance(p) else { return }
        advance(&t)
        let other = channel == .pos ? key(KeySlot.phone) : accountKey(channel)
        state.isMember = true
        state.memberChannel = channel
        state.leaveClock = rng.exponential(mean: 1)
        let campaign = plan.phase >= BrandCampaign.Phase.harvest.rawValue && rng.chance(0.5) ? plan.campaign : 0
        record(.memberJoin, channel, at: t, touchpoint, campaign: campaign, keys: (key(KeySlot.member), other))
        if rng.chance(0.6) {
            // Welcome points (入会礼).
            advance(&t)
            points(channel, amount: 100, order: 0, campaign: 0, at: t)
        }
    }

    /// Leaves the membership programme (退会), after the last use of the member key.
    mutating func leaveMembership(day: Int) {
        let plan = world.days[day]
        var ts = plan.startMs + Int64(rng.below(Int(plan.endMs - plan.startMs)))
        ts = max(ts, state.lastMemberTs + 60_000)
        let keys = (key(KeySlot.member), SimulatedEvent.noKey)
        state.isMember = false
        state.leftMembership = true
        state.clock = max(state.clock, ts)
        record(.memberLeave, state.memberChannel, at: ts, nil, keys: keys)
    }

    /// Claims a coupon unless a usable one is held: campaign coupons (满减) before and during the
    /// harvest, a small store coupon otherwise.
    mutating func claimCoupon(_ channel: Channel, _ touchpoint: Touchpoint, _ t: inout Int64) {
        if let coupon = state.coupon, coupon.expires >= today { return }
        let plan = world.days[today]
        advance(&t)
        if plan.phase == BrandCampaign.Phase.growing.rawValue || plan.phase == BrandCampaign.Phase.harvest.rawValue {
            let tier = Self.campaignCoupons[rng.below(Self.campaignCoupons.count)]
            state.coupon = HeldCoupon(threshold: tier.threshold, value: tier.value, expires: today + 25)
            record(.couponClaim, channel, at: t, touchpoint, campaign: plan.campaign)
        } else {
            state.coupon = HeldCoupon(threshold: 19_900, value: 2_000, expires: today + 30)
            record(.couponClaim, channel, at: t, touchpoint)
        }
    }

    /// 满299减30, 满499减60, 满999减150 (fen).
    static let campaignCoupons: [(threshold: Int64, value: Int64)] = [(29_900, 3_000), (49_900, 6_000), (99_900, 15_000)]
}
