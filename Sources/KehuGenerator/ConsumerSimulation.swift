import KehuModel

/// How far a simulated consumer has come with the brand (the simulation's own state, which the
/// AIPL analysis later infers back from the events).
enum JourneyStage: Int {
    /// Has seen the brand: impressions, searches, views, content.
    case aware
    /// Has shown interest: brand search, favourite, cart, follow, coupon, trial, membership.
    case interested
    /// Has bought at least once (before or during the range).
    case customer
}

/// Traits drawn once per consumer.
struct ConsumerProfile {
    /// Multiplier on how often the consumer shows up (log-normal, mean 1).
    var engagement = 1.0
    /// How well the brand fits them (skewed low): drives interest, purchase and loyalty.
    var affinity = 0.0
    /// 0 ... 1; price-sensitive consumers wait for discounts (价格敏感).
    var priceSensitivity = 0.0
    /// Chance that a paid order is refunded.
    var refundRate = 0.0
    /// Inclination to join the membership programme.
    var memberAffinity = 0.0
    /// Main, second and third channel (the second and third may repeat the main one).
    var channels: (Channel, Channel, Channel) = (.tmall, .tmall, .tmall)
    /// Bit per ``Channel`` raw value.
    var channelMask = 0
    /// Favourite categories (indices into ``BrandCatalogue/categories``).
    var categories = (0, 0)
    /// A personal hour of day, used for part of their sessions; -1 for none.
    var preferredHour = -1
    /// Home store for `pos` visits.
    var store = 0
    /// Shifts when they change phones and when their web cookie resets.
    var keyShift = 0
    /// Already knew the brand before the range starts.
    var existing = false
    /// Day offset of the first contact (0 for existing consumers).
    var arrival = 0

    func uses(_ channel: Channel) -> Bool { channelMask & (1 << channel.rawValue) != 0 }
}

/// A coupon (优惠券) the consumer holds: `value` off an order of at least `threshold`, in fen.
struct HeldCoupon {
    var threshold: Int64
    var value: Int64
    /// Last day offset it can be used.
    var expires: Int
}

/// Mutable journey state of the consumer being simulated.
struct ConsumerState {
    var stage = JourneyStage.aware
    /// Dormant (休眠) consumers produce no organic sessions until something brings them back.
    var active = true
    var isMember = false
    var leftMembership = false
    var memberChannel = Channel.tmall
    /// Latest instant a `member:` key was used, so a leave is never dated before it.
    var lastMemberTs = Int64.min
    /// Bit per ``Channel`` raw value: follows the brand there.
    var followed = 0
    var lastContentDay = Int.min / 2
    var coupon: HeldCoupon?
    /// Product left in the cart, -1 for none.
    var cartProduct = -1
    /// Orders placed so far (the next order's number is `orders + 1`).
    var orders: UInt32 = 0
    /// Cumulative hazard left until the consumer next falls dormant or wakes up, until a member
    /// leaves, and until the next session. Subtracting each day's hazard and switching at zero
    /// simulates the time-varying rates with a draw per switch instead of a draw per day.
    var switchClock = 0.0
    var leaveClock = 0.0
    var sessionClock = 0.0
    /// The end of the latest session (UTC ms): the next session starts after it.
    var clock = Int64.min / 2
    /// Day offset until which a customer recalled from dormancy is more likely to buy.
    var recalledUntil = Int.min / 2
    /// Day offset until which the last purchase lasts (skincare runs out in one to three months);
    /// before it, another purchase is much less likely.
    var stockedUntil = Int.min / 2
}

/// Simulates a run of consecutive consumers into one ``SimulatedBlock``.
///
/// Each consumer has its own random stream derived from (seed, consumer index), so a consumer's
/// events do not depend on which thread or block simulates it.
struct ConsumerSimulation {
    let world: BrandWorld
    /// See ``BrandWorld/calibratedSessionRate()``.
    let sessionRate: Double
    let firstConsumer: Int
    var events: [SimulatedEvent] = []
    var keyBytes: [UInt8] = []
    var keyOffsets: [Int] = [0]
    var totals = SimulationTotals()

    var rng = Xoshiro256StarStar(seed: 0)
    var consumer = 0
    var local: UInt32 = 0
    var consumerStart = 0
    var seq: UInt32 = 0
    var today = 0
    var slots = [UInt32](repeating: SimulatedEvent.noKey, count: KeySlot.count)
    var profile = ConsumerProfile()
    var state = ConsumerState()
    /// The content code of the consumer's latest content view, for interactions and shares.
    var lastContent: UInt32 = 0

    init(world: BrandWorld, sessionRate: Double, firstConsumer: Int, expectedEvents: Int) {
        self.world = world
        self.sessionRate = sessionRate
        self.firstConsumer = firstConsumer
        events.reserveCapacity(expectedEvents)
    }

    /// Simulates `count` consumers starting at `firstConsumer` and returns their block.
    static func block(world: BrandWorld, sessionRate: Double, firstConsumer: Int, count: Int) -> SimulatedBlock {
        let perConsumer = world.config.eventsPerConsumerYear * Double(world.dayCount) / 365
        var simulation = ConsumerSimulation(
            world: world, sessionRate: sessionRate, firstConsumer: firstConsumer,
            expectedEvents: Int(perConsumer * Double(count) * 1.1) + 16)
        for c in firstConsumer..<(firstConsumer + count) { simulation.simulate(consumer: c) }
        return SimulatedBlock(
            firstConsumer: firstConsumer, consumerCount: count, events: simulation.events,
            keyBytes: simulation.keyBytes, keyOffsets: simulation.keyOffsets, totals: simulation.totals)
    }

    // MARK: - One consumer

    mutating func simulate(consumer index: Int) {
        consumer = index
        local = UInt32(index - firstConsumer)
        consumerStart = events.count
        seq = 0
        for s in 0..<slots.count { slots[s] = SimulatedEvent.noKey }
        rng = Xoshiro256StarStar(seed: world.config.seed, stream: UInt64(index))
        state = ConsumerState()
        lastContent = 0
        drawProfile()
        state.switchClock = rng.exponential(mean: 1)
        state.sessionClock = rng.exponential(mean: 1)

        var firstDay = 0
        if !profile.existing {
            firstDay = profile.arrival + 1
            today = profile.arrival
            if profile.channels.0 == .pos { state.stage = .interested }
            session(day: profile.arrival)
        }
        if firstDay < world.dayCount {
            for day in firstDay..<world.dayCount { step(day: day) }
        }
        finishConsumer()
    }

    mutating func drawProfile() {
        var p = ConsumerProfile()
        p.engagement = StableMath.exp(0.75 * rng.standardNormal() - 0.28)
        let a = rng.unit()
        p.affinity = a * a
        p.priceSensitivity = rng.unit()
        p.refundRate = rng.chance(0.05) ? 0.3 : 0.06
        p.memberAffinity = rng.unit()
        let primary = Channel(rawValue: BrandCatalogue.pick(Self.channelCumulative, rng.unit()))!
        var secondary = primary
        var tertiary = primary
        if rng.chance(0.55) { secondary = otherChannel(than: primary, primary) }
        if secondary != primary, rng.chance(0.25) { tertiary = otherChannel(than: primary, secondary) }
        p.channels = (primary, secondary, tertiary)
        p.channelMask = 1 << primary.rawValue | 1 << secondary.rawValue | 1 << tertiary.rawValue
        let category = BrandCatalogue.categories.count
        p.categories = (rng.below(category), rng.below(category))
        p.preferredHour = rng.chance(0.6) ? Int(world.hours[rng.below(world.hours.count)]) : -1
        p.store = rng.below(world.config.stores)
        p.keyShift = rng.below(400)
        p.existing = rng.chance(0.35)
        p.arrival = p.existing ? 0 : BrandCatalogue.pick(world.arrivals, rng.unit())
        profile = p
        if p.existing {
            let r = rng.unit()
            state.stage = r < 0.55 ? .aware : r < 0.82 ? .interested : .customer
            if state.stage == .customer, rng.chance(0.4) { state.active = false }  // 休眠 at the start
        }
    }

    static let channelCumulative = BrandCatalogue.cumulative(Channel.primaryShare)

    private mutating func otherChannel(than first: Channel, _ second: Channel) -> Channel {
        while true {
            let c = Channel(rawValue: BrandCatalogue.pick(Self.channelCumulative, rng.unit()))!
            if c != first && c != second { return c }
        }
    }

    /// One day in the consumer's life: dormancy, membership churn, brand outreach, sessions.
    mutating func step(day: Int) {
        today = day
        let plan = world.days[day]
        // Active consumers fall dormant at 0.25-0.4% a day (customers least); dormant ones wake
        // at 0.15% a day on their own, more often when the brand reaches out.
        state.switchClock -= state.active
            ? (state.stage == .customer ? 0.0025 : state.stage == .interested ? 0.003 : 0.004) : 0.0015
        if state.switchClock <= 0 { setActive(!state.active) }
        if state.isMember {
            state.leaveClock -= 0.0004
            if state.leaveClock <= 0 { leaveMembership(day: day) }
        }
        if plan.phase == BrandCampaign.Phase.growing.rawValue || plan.phase == BrandCampaign.Phase.harvest.rawValue,
            state.stage == .customer || state.isMember, rng.chance(0.07)
        {
            outreach(day: day)
        }
        guard state.active else { return }
        // Sessions arrive as a Poisson process whose daily rate follows engagement, stage and calendar.
        let stageRate = state.stage == .customer ? 1.25 : state.stage == .interested ? 1.15 : 0.8
        state.sessionClock -= sessionRate * profile.engagement * plan.activity * stageRate
        while state.sessionClock <= 0 {
            session(day: day)
            state.sessionClock += rng.exponential(mean: 1)
        }
    }

    mutating func setActive(_ active: Bool) {
        state.active = active
        state.switchClock = rng.exponential(mean: 1)
    }

    /// Sorts the consumer's events by time and adds them to the block totals.
    mutating func finishConsumer() {
        let start = consumerStart
        guard start < events.count else { return }
        events[start..<events.count].sort { ($0.ts, $0.seq) < ($1.ts, $1.seq) }
        var bought = false
        var joined = false
        for i in start..<events.count {
            let event = events[i]
            totals.kinds[Int(event.kind.rawValue)] += 1
            switch event.kind {
            case .pay:
                totals.grossFen += event.amount
                bought = true
            case .refund: totals.refundedFen += event.amount
            case .memberJoin: joined = true
            default: break
            }
        }
        if bought { totals.buyers += 1 }
        if joined { totals.members += 1 }
        totals.firstTs = min(totals.firstTs, events[start].ts)
        totals.lastTs = max(totals.lastTs, events[events.count - 1].ts)
    }

    // MARK: - Emitting

    /// Adds an event unless it falls after the range (follow-ups such as refunds can).
    @inline(__always)
    mutating func emit(_ event: SimulatedEvent) {
        guard event.ts < world.rangeEndMs else { return }
        var e = event
        e.seq = seq
        e.consumer = local
        seq &+= 1
        let member = slots[KeySlot.member]
        if member != SimulatedEvent.noKey, e.key1 == member || e.key2 == member {
            state.lastMemberTs = max(state.lastMemberTs, e.ts)
        }
        events.append(e)
    }

    /// The pool index of one of the consumer's keys, creating its text on first use.
    @inline(__always)
    mutating func key(_ slot: Int) -> UInt32 {
        let existing = slots[slot]
        if existing != SimulatedEvent.noKey { return existing }
        KeySlot.append(slot: slot, consumer: consumer, salt: world.salt, to: &keyBytes)
        keyOffsets.append(keyBytes.count)
        let index = UInt32(keyOffsets.count - 2)
        slots[slot] = index
        return index
    }

    /// The phone the consumer uses on `today` (people change phones about every 14 months).
    mutating func deviceKey() -> UInt32 {
        key(KeySlot.firstDevice + min(KeySlot.deviceCount - 1, (today + profile.keyShift) / 420))
    }

    /// The web cookie of `today`, reset every 120 days.
    mutating func anonKey() -> UInt32 {
        key(KeySlot.firstAnon + min(KeySlot.anonCount - 1, (today + profile.keyShift) / KeySlot.anonRotationDays))
    }

    /// The store's guide tablet, shared by everyone the guides serve there.
    var tabletKey: UInt32 { SimulatedEvent.sharedBit | UInt32(profile.store) }

    /// The key that identifies the consumer on a channel once they are logged in.
    mutating func accountKey(_ channel: Channel) -> UInt32 {
        switch channel {
        case .tmall: key(KeySlot.tmallBuyer)
        case .jd: key(KeySlot.jdBuyer)
        case .douyin: key(KeySlot.douyinBuyer)
        case .wechatMP: key(KeySlot.unionid)
        case .pos: key(state.isMember ? KeySlot.member : KeySlot.phone)
        }
    }

    /// The one or two keys an event carries on a channel. Only a few events link two keys, so
    /// seeing one consumer across channels takes identity resolution. `now` is false for
    /// follow-ups dated later (refunds, reviews), which never carry the `member:` key.
    mutating func keys(_ kind: EventKind, on channel: Channel, now: Bool = true) -> (UInt32, UInt32) {
        let none = SimulatedEvent.noKey
        let memberNow = now && state.isMember
        let browsing = kind == .impression || kind == .click || kind == .view || kind == .contentView
        switch channel {
        case .tmall, .jd:
            let account = accountKey(channel)
            if memberNow, kind == .order || kind == .pay, rng.chance(channel == .tmall ? 0.6 : 0.3) {
                return (account, key(KeySlot.member))
            }
            return (account, none)
        case .douyin:
            if browsing {
                let r = rng.unit()
                if r < 0.55 { return (deviceKey(), none) }
                if r < 0.65 { return (deviceKey(), key(KeySlot.douyinBuyer)) }
                return (key(KeySlot.douyinBuyer), none)
            }
            if kind == .order || kind == .pay, rng.chance(0.4) { return (key(KeySlot.douyinBuyer), key(KeySlot.phone)) }
            return (key(KeySlot.douyinBuyer), none)
        case .wechatMP:
            let follower = state.followed & (1 << Channel.wechatMP.rawValue) != 0
            if browsing {
                if !follower, rng.chance(0.35) { return (anonKey(), none) }
                return (key(KeySlot.openid), follower && rng.chance(0.2) ? key(KeySlot.unionid) : none)
            }
            if kind == .follow { return (key(KeySlot.openid), key(KeySlot.unionid)) }
            return (key(KeySlot.unionid), rng.chance(0.3) ? key(KeySlot.openid) : none)
        case .pos:
            let personal = key(memberNow ? KeySlot.member : KeySlot.phone)
            if kind == .view || kind == .trial || kind == .couponClaim { return (personal, tabletKey) }
            if memberNow, kind == .pay, rng.chance(0.3) { return (personal, key(KeySlot.phone)) }
            return (personal, none)
        }
    }

    /// Records a non-commerce event; keys default to the channel's usual keys for the kind.
    @inline(__always)
    mutating func record(
        _ kind: EventKind, _ channel: Channel, at ts: Int64, _ touchpoint: Touchpoint?,
        product: Int = -1, category: Int = -1, campaign: UInt8 = 0, content: UInt32 = 0,
        keys: (UInt32, UInt32)? = nil, now: Bool = true
    ) {
        let k = keys ?? self.keys(kind, on: channel, now: now)
        var e = SimulatedEvent(ts: ts, key1: k.0, key2: k.1, kind: kind, channel: channel)
        e.touchpoint = touchpoint?.code ?? 0
        e.campaign = campaign
        e.content = content
        if product >= 0 {
            e.sku = UInt8(product + 1)
            e.category = UInt8(world.catalogue.categoryIndex[product] + 1)
        } else if category >= 0 {
            e.category = UInt8(category + 1)
        }
        emit(e)
    }
}
