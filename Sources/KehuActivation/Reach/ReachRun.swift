import Foundation
import KehuModel
import KehuStore

/// The steps behind `kehu reach plan` and `kehu reach deliver`, on a workspace: what the commands
/// run once they have resolved the audience and the suppression lists to consumer sets.
public enum ReachRun {
    /// Schedules `plan` on `snapshot` and, unless `dryRun`, stores the schedule in place of the
    /// previous one.
    /// - Parameters:
    ///   - asOf: the day `audience` was evaluated on (``ReachPlan/audienceDay(lastDataDay:)``).
    ///   - audience: the plan's audience on that day.
    ///   - suppressed: the union of the plan's suppression lists.
    public static func schedule(
        _ plan: ReachPlan, snapshot: Snapshot, asOf: Day, audience: ConsumerSet, suppressed: ConsumerSet,
        in workspace: Workspace, dryRun: Bool = false
    ) throws -> ReachSchedule {
        try plan.validate()
        // A send on day d is limited by sends up to cap.days - 1 days either side of it.
        let reach = plan.cap.days - 1
        let others = try ReachStore.otherSends(
            excluding: plan.name,
            days: DayRange(plan.window.days.first.advanced(by: -reach), plan.window.days.last.advanced(by: reach)),
            zone: snapshot.zone, in: workspace)
        var ids = Set<UInt32>()
        audience.subtracting(suppressed).forEach { ids.insert(snapshot.consumerIDs[$0]) }
        let keys = try ReachStore.channelKeys(plan.channel, prefix: plan.keyPrefix, consumers: ids, in: workspace)
        let schedule = ReachSchedule.build(
            plan: plan, snapshot: snapshot, asOf: asOf, audience: audience, suppressed: suppressed, otherSends: others,
            channelKeys: keys)
        if !dryRun { try ReachStore.save(schedule, in: workspace) }
        return schedule
    }

    /// What a delivery did.
    public struct DeliverySummary: Sendable, Hashable, Codable {
        public var delivered = 0
        public var failed = 0
        /// Delivered by an earlier run, so not sent again.
        public var deliveredBefore = 0
        /// Held out, never sent.
        public var holdout = 0
        /// Reasons of this run's failures, with how many sends each.
        public var failures: [String: Int] = [:]
    }

    /// Writes the plan's pending sends to a file and marks them delivered. A rerun writes only
    /// sends not delivered before (none, after a successful run).
    public static func deliver(_ planName: String, toFile path: String, in workspace: Workspace) throws -> DeliverySummary {
        let (plan, sends) = try planAndSends(planName, in: workspace)
        var summary = counts(sends)
        let items = DeliveryItem.pending(plan: plan, sends: sends, workspace: workspace.name, zone: workspace.zone)
        guard !items.isEmpty else { return summary }
        try FileDelivery.write(items, to: path, format: try FileDelivery.Format(path: path))
        try ReachStore.markDelivered(plan: plan.name, consumers: items.map(\.consumerID), via: "file:" + path, in: workspace)
        summary.delivered = items.count
        return summary
    }

    /// Posts the plan's pending sends to a webhook, recording each outcome as it comes.
    public static func deliver(_ planName: String, to webhook: WebhookDelivery, in workspace: Workspace) async throws -> DeliverySummary {
        let (plan, sends) = try planAndSends(planName, in: workspace)
        var summary = counts(sends)
        let items = DeliveryItem.pending(plan: plan, sends: sends, workspace: workspace.name, zone: workspace.zone)
        guard !items.isEmpty else { return summary }
        // The host only: a URL's path or query may carry a token.
        let via = "webhook:" + (webhook.url.host ?? "?")
        var failures: [String: Int] = [:]
        let result = try await webhook.deliver(items) { finished in
            var delivered: [UInt32] = []
            var attempts: [Int] = []
            for (item, outcome) in finished {
                switch outcome {
                case .delivered(let n):
                    delivered.append(item.consumerID)
                    attempts.append(n)
                case .failed(let reason, let n):
                    failures[reason, default: 0] += 1
                    try ReachStore.markFailed(plan: plan.name, consumer: item.consumerID, reason: reason, attempts: n, in: workspace)
                }
            }
            try ReachStore.markDelivered(plan: plan.name, consumers: delivered, via: via, attempts: attempts, in: workspace)
        }
        summary.delivered = result.delivered
        summary.failed = result.failed
        summary.failures = failures
        return summary
    }

    private static func planAndSends(_ name: String, in workspace: Workspace) throws -> (ReachPlan, [ReachStore.StoredSend]) {
        let plan = try ReachStore.plan(named: name, in: workspace)
        let sends = try ReachStore.sends(of: name, in: workspace)
        guard try ReachStore.plannedAsOf(name, in: workspace) != nil else { throw ReachError.notPlanned(name) }
        return (plan, sends)
    }

    private static func counts(_ sends: [ReachStore.StoredSend]) -> DeliverySummary {
        var summary = DeliverySummary()
        for send in sends {
            if send.holdout { summary.holdout += 1 } else if send.status == .delivered { summary.deliveredBefore += 1 }
        }
        return summary
    }

    /// The plan's sends with each consumer id mapped to the consumer that holds the send's
    /// channel key today, when OneID has merged the original consumer into another since the
    /// plan (the merged consumer's id no longer exists; their key moved with their events).
    public static func currentSends(_ planName: String, snapshot: Snapshot, in workspace: Workspace) throws -> [ReachStore.StoredSend] {
        var sends = try ReachStore.sends(of: planName, in: workspace)
        guard try ReachStore.plannedAsOf(planName, in: workspace) != nil else { throw ReachError.notPlanned(planName) }
        let moved = sends.indices.filter { snapshot.denseIndex(ofConsumer: sends[$0].consumerID) == nil }
        guard !moved.isEmpty else { return sends }
        let current = try ReachStore.consumers(holding: moved.map { sends[$0].channelKey }, in: workspace)
        for (i, consumer) in zip(moved, current) {
            if let consumer { sends[i].consumerID = consumer }
        }
        return sends
    }
}
