import Foundation
import KehuGenerator
import KehuIngest
import KehuModel
import KehuStore

/// A workspace filled straight from generator batches: each batch goes through one
/// ``IngestSession`` whose keys are resolved by ``KeyHasher``, exactly as `FileIngest.run` does
/// with decoded chunks, but without writing and parsing a CSV file. This is how the 100M-event
/// store is made (a 100M-event CSV would be about 10 GB to write and read back).
public struct GeneratedStore: Sendable, Codable {
    public var dataDirectory: String
    public var workspace: String
    public var events: Int
    public var consumers: Int
    /// Seconds simulating, hashing keys, deduplicating and writing segments.
    public var ingestSeconds: Double
    /// Seconds of the one catalogue commit.
    public var commitSeconds: Double
    /// Seconds compacting afterwards, as `kehu ingest` does when 8 or more small segments exist.
    public var compactSeconds: Double
    public var segmentsWritten: Int
    public var segmentsAfterCompaction: Int

    /// Builds the store for about `events` events in `dataDirectory` (which must not hold the
    /// workspace yet).
    /// - Parameters:
    ///   - chunkSize: events per batch, hence per level-0 segment (`kehu ingest`'s default).
    ///   - compact: compact afterwards like `kehu ingest` (8 or more small segments).
    ///   - progress: called with the events ingested so far, after each batch.
    public static func build(
        events: Int, dataDirectory: String, workspace name: String = "default", chunkSize: Int = 262_144,
        compact: Bool = true, progress: ((Int) -> Void)? = nil
    ) throws -> GeneratedStore {
        let workspace = try Workspace(dataDirectory: dataDirectory, name: name, create: true)
        // The session holds the workspace's writer lock until it is released, so it lives only
        // inside `ingest` (as in FileIngest.run); compaction takes the same lock afterwards.
        let (committed, ingestSeconds, commitSeconds) = try ingest(
            events: events, into: workspace, chunkSize: chunkSize, progress: progress)
        var compactSeconds = 0.0
        if compact {
            compactSeconds = try Stopwatch.time { () throws(StoreError) in try Compactor.compact(workspace, minSegments: 8) }.seconds
        }
        return GeneratedStore(
            dataDirectory: dataDirectory, workspace: name, events: committed.accepted, consumers: committed.consumers,
            ingestSeconds: ingestSeconds, commitSeconds: commitSeconds, compactSeconds: compactSeconds,
            segmentsWritten: committed.segments, segmentsAfterCompaction: try workspace.segments().count)
    }

    /// Feeds the simulator's batches through one session and commits it.
    private static func ingest(
        events: Int, into workspace: Workspace, chunkSize: Int, progress: ((Int) -> Void)?
    ) throws -> (committed: IngestSession.CommitSummary, ingestSeconds: Double, commitSeconds: Double) {
        let simulator = try BenchmarkBrand.simulator(events: events)
        let session = try IngestSession(workspace: workspace)
        let hasher = KeyHasher(salt: workspace.salt)
        var ingested = 0
        let ingest = Stopwatch()
        // forEachChunk's body may only throw its own error type, so a failure is carried out.
        var failure: StoreError?
        let summary = simulator.forEachChunk(maxEvents: chunkSize) { (batch: EventBatch) in
            guard failure == nil else { return }
            do throws(StoreError) {
                // As FileIngest.run: each distinct raw key is resolved (and hashed) once per session.
                try session.add(batch) { text throws(StoreError) in
                    do {
                        return try hasher.identityKey(raw: text)
                    } catch {
                        throw .invalidArgument("a generated identity key cannot be normalised: \(error)")
                    }
                }
                ingested += batch.count
                progress?(ingested)
            } catch {
                failure = error
            }
        }
        if let failure {
            session.abandon()
            throw failure
        }
        let ingestSeconds = ingest.seconds
        let (committed, commitSeconds) = try Stopwatch.time { () throws(StoreError) in
            try session.commit(.init(
                sources: ["generator:\(summary.consumers)c-\(BenchmarkBrand.days)d-s\(BenchmarkBrand.seed)"],
                read: summary.events, rejected: 0))
        }
        return (committed, ingestSeconds, commitSeconds)
    }
}
