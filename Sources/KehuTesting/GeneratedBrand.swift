import KehuGenerator
import KehuIngest
import KehuModel
import KehuStore

/// Ingests a simulated brand (``BrandSimulator``, ending 2026-11-20) into `workspace`, with
/// phones and emails hashed as at real ingest: for tests that need a whole brand behind a
/// server (the dashboard's pages and browser tests). The same arguments give the same brand.
public func ingestGeneratedBrand(into workspace: Workspace, consumers: Int, days: Int, seed: UInt64 = 20_261_123) throws {
    let simulator = try BrandSimulator(BrandConfig(consumers: consumers, days: days, seed: seed))
    let hasher = KeyHasher(salt: workspace.salt)
    let session = try IngestSession(workspace: workspace)
    var read = 0
    try simulator.forEachChunk(maxEvents: 50_000) { (events: EventBatch) throws(StoreError) in
        read += events.count
        try session.add(events) { (raw: String) throws(StoreError) -> IdentityKey in
            do { return try hasher.identityKey(raw: raw) } catch { fatalError("generated key \(raw): \(error)") }
        }
    }
    _ = try session.commit(.init(sources: ["generated"], read: read, rejected: 0))
}
