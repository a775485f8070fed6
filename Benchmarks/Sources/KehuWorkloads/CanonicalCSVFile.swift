import Foundation
import KehuGenerator

/// A canonical CSV file of the benchmark brand (`kehu generate --days 730 --seed 7`), generated
/// once per size and reused: benchmarks measure reading it, not writing it.
public struct CanonicalCSVFile: Sendable, Codable {
    public var path: String
    /// Events in the file (data lines).
    public var events: Int
    public var bytes: Int

    /// The file for about `events` events under ``Scratch/root``, generating it when missing.
    ///
    /// The generator writes `path.partial` and renames it when complete, so an existing file
    /// is always whole; a small JSON file beside it records its event count.
    public static func prepare(events: Int, threads: Int = 0) throws -> CanonicalCSVFile {
        let consumers = BenchmarkBrand.consumers(forEvents: events)
        let path = Scratch.root + "/brand-\(consumers)c-\(BenchmarkBrand.days)d-s\(BenchmarkBrand.seed).csv"
        let sidecar = path + ".json"
        if FileManager.default.fileExists(atPath: path), let data = FileManager.default.contents(atPath: sidecar),
            let known = try? JSONDecoder().decode(CanonicalCSVFile.self, from: data), known.path == path
        {
            return known
        }
        let summary = try BenchmarkBrand.simulator(events: events).writeCSV(to: path, threads: threads)
        let file = CanonicalCSVFile(path: path, events: summary.events, bytes: summary.bytesWritten)
        try JSONEncoder().encode(file).write(to: URL(fileURLWithPath: sidecar))
        return file
    }
}
