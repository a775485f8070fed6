import Foundation

/// A store of the benchmark brand kept under ``Scratch/root`` between runs, since building one
/// takes far longer than what the snapshot benchmarks measure.
///
/// A store counts as built only once `store.json` is written beside it, after the commit and the
/// compaction; a folder without it (an interrupted build) is removed and built again.
public enum CachedStore {
    /// The store of about `events` events, building it when missing.
    public static func prepare(events: Int, progress: ((Int) -> Void)? = nil) throws -> GeneratedStore {
        let consumers = BenchmarkBrand.consumers(forEvents: events)
        let directory = Scratch.root + "/store-\(consumers)c-\(BenchmarkBrand.days)d-s\(BenchmarkBrand.seed)"
        let marker = directory + "/store.json"
        if let data = FileManager.default.contents(atPath: marker),
            let store = try? JSONDecoder().decode(GeneratedStore.self, from: data), store.dataDirectory == directory
        {
            return store
        }
        Scratch.remove(directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try GeneratedStore.build(events: events, dataDirectory: directory, progress: progress)
        try JSONEncoder().encode(store).write(to: URL(fileURLWithPath: marker))
        return store
    }
}
