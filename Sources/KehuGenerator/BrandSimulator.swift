import Foundation
import KehuModel

/// A deterministic simulated brand: consumers moving through AIPL across Tmall, JD, Douyin,
/// WeChat and offline stores, with 618 and 双11 campaigns, discounts, coupons, content, members,
/// orders, refunds and several identity keys per consumer. The model is described in
/// `KehuGenerator.docc`.
///
/// Events come out in consumer order (consumer 0's events by time, then consumer 1's ...), in
/// chunks of bounded size, so any number of events can be streamed in constant memory. Event
/// `n` (1-based) has the id `g<seed>-<n>` and `source` `n + 1`: its line in the CSV file.
///
/// ```swift
/// let simulator = try BrandSimulator(BrandConfig(consumers: 1_000, seed: 7))
/// try simulator.forEachChunk(maxEvents: 50_000) { batch in ingest(batch) }
/// let summary = try simulator.writeCSV(to: "brand.csv")
/// ```
public struct BrandSimulator: Sendable {
    /// The configuration being simulated.
    public let config: BrandConfig
    let world: BrandWorld
    let sessionRate: Double

    /// Validates `config`, prepares the shared tables (catalogue, calendar, prices) and
    /// calibrates the session rate on a pilot population (see ``BrandConfig/eventsPerConsumerYear``).
    public init(_ config: BrandConfig = .default) throws(GeneratorError) {
        try config.validate()
        self.config = config
        world = BrandWorld(config: config)
        sessionRate = world.calibratedSessionRate()
    }

    /// The brand's products.
    public var catalogue: BrandCatalogue { world.catalogue }

    /// The 618 and 双11 campaigns whose rhythm overlaps the range, in date order.
    public var campaigns: [BrandCampaign] { world.campaigns }

    /// The offline stores' guide-tablet keys (`device:pad-store0001` ...), each shared by many consumers.
    public var sharedDeviceKeys: [String] { world.storeTablets.strings }

    /// The `event_id` of event number `n` (1-based): `g<seed>-<n>`.
    public func eventID(number n: Int64) -> String { "g\(config.seed)-\(n)" }

    /// The writer settings that reproduce this simulator's files from its batches.
    public func writer(_ format: CanonicalEventWriter.Format) -> CanonicalEventWriter {
        CanonicalEventWriter(format: format, zone: config.zone, eventIDs: .generated(seed: config.seed))
    }

    /// Calls `body` with every event, in order, in batches of at most `maxEvents` events.
    ///
    /// Chunk boundaries fall every `maxEvents` events (a consumer's events may span two chunks);
    /// the events are the same for every `maxEvents` and `threads`.
    /// - Parameters:
    ///   - maxEvents: the largest batch (at least 1).
    ///   - threads: threads to simulate on; 0 means one per processor. `body` always runs on the
    ///     calling thread.
    /// - Returns: totals over all events.
    /// - Complexity: O(events); memory O(`maxEvents` x `threads`).
    @discardableResult
    public func forEachChunk<E: Error>(
        maxEvents: Int = 65_536, threads: Int = 0, _ body: (EventBatch) throws(E) -> Void
    ) throws(E) -> GenerationSummary {
        let assembler = ChunkAssembler(world: world)
        let totals = try run(maxEvents: maxEvents, threads: threads, make: { assembler.assemble($0).events }, deliver: body)
        return GenerationSummary(consumers: config.consumers, range: config.range, totals: totals, bytesWritten: 0)
    }

    /// Like ``forEachChunk(maxEvents:threads:_:)``, with the simulated consumer behind each event.
    @discardableResult
    public func forEachGeneratedChunk<E: Error>(
        maxEvents: Int = 65_536, threads: Int = 0, _ body: (GeneratedChunk) throws(E) -> Void
    ) throws(E) -> GenerationSummary {
        let assembler = ChunkAssembler(world: world)
        let totals = try run(maxEvents: maxEvents, threads: threads, make: { assembler.assemble($0) }, deliver: body)
        return GenerationSummary(consumers: config.consumers, range: config.range, totals: totals, bytesWritten: 0)
    }

    /// All events in one batch: for tests and small simulations only.
    public func allEvents() -> EventBatch {
        var all = EventBatch()
        forEachChunk(maxEvents: 1 << 20) { (batch: EventBatch) in all.append(contentsOf: batch) }
        return all
    }

    // MARK: - Pipeline

    /// Simulates windows of consumers in parallel, cuts their events into chunks of `maxEvents`,
    /// makes each chunk's output in parallel, and delivers outputs in order on this thread. While
    /// a window's outputs are delivered (written to a file, say), the next window is simulated.
    func run<Output: Sendable, E: Error>(
        maxEvents: Int, threads requested: Int, make: @escaping @Sendable (ChunkPlan) -> Output,
        deliver: (Output) throws(E) -> Void
    ) throws(E) -> SimulationTotals {
        let maxEvents = max(1, maxEvents)
        let threads = requested > 0 ? min(requested, 64) : max(1, min(64, ProcessInfo.processInfo.activeProcessorCount))
        let expectedPerConsumer = max(1, config.eventsPerConsumerYear * Double(world.dayCount) / 365 * 0.8)
        let windowEvents = Double(max(maxEvents, 8_192) * 2 * threads)
        let windowConsumers = max(64, min(1 << 20, Int(windowEvents / expectedPerConsumer)))
        let unitConsumers = max(16, windowConsumers / (threads * 4))
        let world = self.world
        let sessionRate = self.sessionRate
        let consumers = config.consumers

        @Sendable func simulate(_ first: Int) -> [SimulatedBlock] {
            let count = min(windowConsumers, consumers - first)
            let units = (count + unitConsumers - 1) / unitConsumers
            return Parallel.map(units, threads: threads) { u in
                let start = first + u * unitConsumers
                return ConsumerSimulation.block(
                    world: world, sessionRate: sessionRate, firstConsumer: start,
                    count: min(unitConsumers, first + count - start))
            }
        }

        var totals = SimulationTotals()
        var pending: [ChunkPiece] = []
        var pendingCount = 0
        var number: Int64 = 1
        var next: Background<[SimulatedBlock]>? = Background(simulate(0), async: threads > 1)
        var nextConsumer = windowConsumers
        while let window = next {
            let blocks = window.value()
            let first = nextConsumer
            next = first < consumers ? Background(simulate(first), async: threads > 1) : nil
            nextConsumer += windowConsumers
            for block in blocks {
                totals.add(block.totals)
                guard !block.events.isEmpty else { continue }
                pending.append(ChunkPiece(block: block, range: 0..<block.events.count))
                pendingCount += block.events.count
            }

            var plans: [ChunkPlan] = []
            let finished = next == nil
            while pendingCount >= maxEvents || (finished && pendingCount > 0) {
                var plan = ChunkPlan(firstNumber: number)
                while plan.count < maxEvents, !pending.isEmpty {
                    let piece = pending[0]
                    let take = min(piece.range.count, maxEvents - plan.count)
                    plan.pieces.append(ChunkPiece(block: piece.block, range: piece.range.lowerBound..<(piece.range.lowerBound + take)))
                    plan.count += take
                    if take == piece.range.count {
                        pending.removeFirst()
                    } else {
                        pending[0] = ChunkPiece(block: piece.block, range: (piece.range.lowerBound + take)..<piece.range.upperBound)
                    }
                }
                pendingCount -= plan.count
                number += Int64(plan.count)
                plans.append(plan)
            }
            let ready = plans
            let outputs = Parallel.map(ready.count, threads: threads) { make(ready[$0]) }
            for output in outputs { try deliver(output) }
        }
        return totals
    }
}
