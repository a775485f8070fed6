import Foundation
import KehuCommands
import KehuIngest
import KehuModel
import KehuStore

#if canImport(Glibc)
import Glibc
#endif

/// Where the time of a CSV ingest goes, from outside the store with public APIs only.
///
/// `FileIngest.run` is a two-stage pipeline: a decoding thread produces chunks (CSV parsing on
/// every core) and hashes each new identity key, while the calling thread adds the previous chunk
/// to ``IngestSession`` (dedupe by fingerprint, key ids, links, rows queued); full segments are
/// encoded, written and fsynced by a background writer; after the last chunk one commit writes
/// what is queued and registers everything. The stages of its own split (`Outcome.stages`)
/// overlap, so they add up to more than its wall time; "store waiting for decode" is the calling
/// thread's idle time. Beside it: reading the file alone and `decodeFile` alone, to show the
/// floor under each.
public struct IngestStages: Sendable, Codable {
    public var file: String
    public var bytes: Int
    public var events: Int
    /// Reading the file's bytes in 16 MiB blocks, nothing else (the page cache's speed once warm).
    public var readSeconds: Double
    /// `decodeFile` alone: CSV to batches, no store.
    public var decodeOnlySeconds: Double
    /// `FileIngest.run` into a fresh workspace: the real path, end to end.
    public var fileIngestSeconds: Double
    /// Its own split: decode and keys (normalise + hash) on the decoding thread; store (dedupe,
    /// key ids, links, rows queued), store waiting for decode, and commit (last segment, waiting
    /// for the segment writer, catalogue transaction, OneID) on the calling thread.
    public var fileIngestStages: [Stage]
    public var segments: Int

    /// One stage of `FileIngest.Outcome.stages`.
    public struct Stage: Sendable, Codable {
        public var stage: String
        public var seconds: Double
    }

    /// Measures the stages of ingesting `csv` into a fresh workspace under a scratch directory
    /// (removed afterwards).
    public static func measure(csv: String, chunkSize: Int = 262_144) throws -> IngestStages {
        let bytes = (try FileManager.default.attributesOfItem(atPath: csv)[.size] as? Int) ?? 0
        let readSeconds = try Stopwatch.time { try readAll(csv) }.seconds

        var decodedEvents = 0
        let decodeOnlySeconds = try Stopwatch.time {
            try decodeFile(path: csv, format: .csv, options: DecodeOptions(chunkSize: chunkSize)) { chunk in
                decodedEvents += chunk.batch.count
            }
        }.seconds

        let directory = try Scratch.freshDirectory("stages")
        defer { Scratch.remove(directory) }
        let outcome = try FileIngest.run(
            files: [csv], format: .csv, mapping: nil, channel: nil, strict: false, chunkSize: chunkSize,
            into: try Workspace(dataDirectory: directory, name: "default", create: true), quiet: true)
        let stages = outcome.stages.map { Stage(stage: $0.stage, seconds: $0.seconds) }

        return IngestStages(
            file: csv, bytes: bytes, events: decodedEvents, readSeconds: readSeconds, decodeOnlySeconds: decodeOnlySeconds,
            fileIngestSeconds: outcome.seconds, fileIngestStages: stages, segments: outcome.committed?.segments ?? 0)
    }

    /// Reads the file to the end, discarding the bytes.
    static func readAll(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        let size = 16 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        while read(fd, buffer, size) > 0 {}
    }
}
