import KehuModel

@testable import KehuGenerator

/// One generated brand, spelled out as records with the simulated consumer of each, shared by
/// the invariant tests (generated once: debug builds are slow).
struct GeneratedBrand: Sendable {
    let config: BrandConfig
    let simulator: BrandSimulator
    let summary: GenerationSummary
    let records: [EventRecord]
    let sources: [Int64]
    let consumers: [Int]

    /// 2,000 consumers over the default 365 days ending 2026-11-20 (618-2026 and 双11 2026 inside).
    static let shared = GeneratedBrand(BrandConfig(consumers: 2_000, seed: 20_261_111))

    init(_ config: BrandConfig) {
        self.config = config
        simulator = try! BrandSimulator(config)
        var records: [EventRecord] = []
        var sources: [Int64] = []
        var consumers: [Int] = []
        summary = simulator.forEachGeneratedChunk(maxEvents: 10_000) { chunk in
            for i in 0..<chunk.events.count {
                records.append(chunk.events.record(at: i))
                sources.append(chunk.events.source[i])
                consumers.append(Int(chunk.consumers[i]))
            }
        }
        self.records = records
        self.sources = sources
        self.consumers = consumers
    }

    /// The local day of an event.
    func day(_ record: EventRecord) -> Day { config.zone.day(ofUTC: record.ts) }

    /// Records grouped by simulated consumer, in output order.
    var byConsumer: [[EventRecord]] {
        var groups = [[EventRecord]](repeating: [], count: config.consumers)
        for (i, record) in records.enumerated() { groups[consumers[i]].append(record) }
        return groups
    }

    /// `phone` of `phone:13800000000`.
    static func keyType(_ key: String) -> String { String(key.prefix { $0 != ":" }) }
}
