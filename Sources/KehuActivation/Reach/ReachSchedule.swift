import KehuAnalytics
import KehuModel
import KehuStore

/// A plan's schedule: who gets what, when and where, and who is held out.
///
/// Built from the audience as of the plan's day, step by step (each count is of the consumers
/// left by the step before):
/// 1. **suppressed**: audience members in a suppression list;
/// 2. **capped**: consumers for whom the frequency cap, counting every send other plans have
///    scheduled, refuses every day of the window;
/// 3. **no channel key**: consumers with no identity key the channel is addressed by;
/// 4. the rest are **eligible** and split by ``Holdout``: the holdout is not sent, the others
///    are **scheduled**.
/// Capped and unreachable consumers are removed before the split so that treatment and holdout
/// are drawn from the same reachable population, and the effect compares like with like.
/// Each eligible consumer's send (or, in the holdout, would-be send) is on the first window day
/// the cap allows, at their best hour (``BestHours``).
public struct ReachSchedule: Sendable {
    /// One consumer's send, or would-be send when held out.
    public struct Send: Sendable, Hashable, Codable {
        /// The consumer's stable catalogue id (dense indices change between snapshots).
        public var consumerID: UInt32
        public var holdout: Bool
        /// The identity key the channel addresses the consumer by (its value, without the type).
        public var channelKey: String
        /// UTC ms.
        public var sendAt: Int64
        /// Whether the hour came from the consumer's own history (else the audience's).
        public var ownHour: Bool

        public init(consumerID: UInt32, holdout: Bool, channelKey: String, sendAt: Int64, ownHour: Bool) {
            self.consumerID = consumerID
            self.holdout = holdout
            self.channelKey = channelKey
            self.sendAt = sendAt
            self.ownHour = ownHour
        }
    }

    public var plan: ReachPlan
    /// The day the audience was evaluated on.
    public var asOf: Day
    public var zone: ZoneRules
    public var audience: Int
    public var suppressed: Int
    public var capped: Int
    public var noChannelKey: Int
    /// Eligible consumers with more than one key of the channel's type (the first seen is used).
    public var severalKeys: Int
    public var holdout: Int
    public var scheduled: Int
    /// Scheduled and held-out consumers whose hour is the audience's (too little history).
    public var audienceHourUsed: Int
    public var audienceHour: Int
    /// Every eligible consumer, by consumer id.
    public var sends: [Send]

    /// Schedules a plan.
    /// - Parameters:
    ///   - audience: the audience as of `asOf`.
    ///   - suppressed: everyone in the plan's suppression lists.
    ///   - otherSends: per consumer id, the days of sends other plans have scheduled (not holdouts).
    ///   - channelKey: the channel's key of a consumer id, if they have one.
    /// - Complexity: O(audience events in the best-hour lookback + audience × cap checks).
    public static func build(
        plan: ReachPlan, snapshot: Snapshot, asOf: Day, audience: ConsumerSet, suppressed: ConsumerSet,
        otherSends: [UInt32: [Day]], channelKeys: ChannelKeys
    ) -> ReachSchedule {
        let hours = BestHours(snapshot, consumers: audience, asOf: asOf, hours: plan.window.hours)
        let candidates = audience.subtracting(suppressed)
        var schedule = ReachSchedule(
            plan: plan, asOf: asOf, zone: snapshot.zone, audience: audience.count,
            suppressed: audience.count - candidates.count, capped: 0, noChannelKey: 0, severalKeys: 0, holdout: 0,
            scheduled: 0, audienceHourUsed: 0, audienceHour: hours.audienceHour, sends: [])
        candidates.forEach { c in
            let id = snapshot.consumerIDs[c]
            guard let day = plan.cap.firstAllowedDay(in: plan.window.days, existing: otherSends[id] ?? []) else {
                schedule.capped += 1
                return
            }
            guard let key = channelKeys.key(of: id) else {
                schedule.noChannelKey += 1
                return
            }
            if channelKeys.hasSeveral(id) { schedule.severalKeys += 1 }
            let held = Holdout.contains(consumerID: id, seed: plan.seed, share: plan.holdoutShare)
            let (hour, own) = hours.hour(of: c)
            if !own { schedule.audienceHourUsed += 1 }
            if held { schedule.holdout += 1 } else { schedule.scheduled += 1 }
            let sendAt = snapshot.zone.utc(fromLocal: Int64(day.index) * 86_400_000 + Int64(hour) * 3_600_000)
            schedule.sends.append(Send(consumerID: id, holdout: held, channelKey: key, sendAt: sendAt, ownHour: own))
        }
        // Dense indices follow catalogue ids, so the sends are already by consumer id.
        return schedule
    }

    /// Scheduled (not held-out) sends per (day, hour), by day then hour.
    public var sendsPerDayHour: [(day: Day, hour: Int, sends: Int)] {
        var tally: [Int64: Int] = [:]
        for send in sends where !send.holdout { tally[send.sendAt, default: 0] += 1 }
        return tally.keys.sorted().map { at in (zone.day(ofUTC: at), zone.hour(ofUTC: at), tally[at]!) }
    }
}

/// The identity keys a channel addresses consumers by: per consumer id, the chosen key's value.
public struct ChannelKeys: Sendable {
    private var keys: [UInt32: String]
    private var several: Set<UInt32>

    /// - Parameters:
    ///   - keys: per consumer id, the chosen key value.
    ///   - several: consumer ids that had more than one candidate key.
    public init(keys: [UInt32: String], several: Set<UInt32> = []) {
        self.keys = keys
        self.several = several
    }

    public func key(of consumerID: UInt32) -> String? { keys[consumerID] }
    public func hasSeveral(_ consumerID: UInt32) -> Bool { several.contains(consumerID) }
    public var count: Int { keys.count }
}
