import Foundation
import KehuModel
import Testing

@testable import KehuGenerator

/// Same configuration, same bytes: on every run, chunk size and thread count.
@Suite struct DeterminismTests {
    static let small = BrandConfig(consumers: 300, days: 200, seed: 7)

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kehu-gen-\(UUID().uuidString)-\(name)").path
    }

    static func csvBytes(_ config: BrandConfig, threads: Int) throws -> [UInt8] {
        let path = temporaryPath("out.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BrandSimulator(config).writeCSV(to: path, threads: threads)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func records(_ config: BrandConfig, maxEvents: Int, threads: Int) throws -> [EventRecord] {
        var records: [EventRecord] = []
        try BrandSimulator(config).forEachChunk(maxEvents: maxEvents, threads: threads) { batch in
            #expect(batch.count <= maxEvents)
            for i in 0..<batch.count { records.append(batch.record(at: i)) }
        }
        return records
    }

    @Test func sameSeedGivesIdenticalCSVBytes() throws {
        let first = try Self.csvBytes(Self.small, threads: 2)
        let second = try Self.csvBytes(Self.small, threads: 2)
        #expect(first.count > 10_000)
        #expect(first == second)
    }

    @Test func differentSeedGivesDifferentEvents() throws {
        var other = Self.small
        other.seed = 8
        let a = try Self.csvBytes(Self.small, threads: 1)
        let b = try Self.csvBytes(other, threads: 1)
        #expect(a != b)
        // Not merely the ids: the events themselves differ.
        let bodyA = String(decoding: a, as: UTF8.self).split(separator: "\n").dropFirst().map { $0.drop { $0 != "," } }
        let bodyB = String(decoding: b, as: UTF8.self).split(separator: "\n").dropFirst().map { $0.drop { $0 != "," } }
        #expect(bodyA != bodyB)
    }

    @Test func threadCountDoesNotChangeTheFile() throws {
        let one = try Self.csvBytes(Self.small, threads: 1)
        #expect(try Self.csvBytes(Self.small, threads: 2) == one)
        #expect(try Self.csvBytes(Self.small, threads: 3) == one)
    }

    @Test func chunkSizeAndThreadsDoNotChangeTheBatches() throws {
        let reference = try Self.records(Self.small, maxEvents: 1 << 20, threads: 1)
        #expect(reference.count > 1_000)
        #expect(try Self.records(Self.small, maxEvents: 997, threads: 2) == reference)
        #expect(try Self.records(Self.small, maxEvents: 7, threads: 3) == reference)
    }

    @Test func chunksAreFullExceptTheLast() throws {
        var sizes: [Int] = []
        try BrandSimulator(Self.small).forEachChunk(maxEvents: 1_000, threads: 2) { sizes.append($0.count) }
        #expect(sizes.count > 2)
        #expect(sizes.dropLast().allSatisfy { $0 == 1_000 })
        #expect(sizes.last! >= 1 && sizes.last! <= 1_000)
    }

    /// `allEvents()` is the chunks concatenated; the ground truth names consumers in order.
    @Test func allEventsAndGroundTruth() throws {
        let simulator = try BrandSimulator(Self.small)
        let all = simulator.allEvents()
        let records = try Self.records(Self.small, maxEvents: 512, threads: 2)
        #expect(all.count == records.count)
        #expect((0..<all.count).allSatisfy { all.record(at: $0) == records[$0] })
        var previous: Int32 = -1
        var seen = Set<Int32>()
        simulator.forEachGeneratedChunk(maxEvents: 700) { chunk in
            #expect(chunk.consumers.count == chunk.events.count)
            for consumer in chunk.consumers {
                #expect(consumer >= previous)
                previous = consumer
                seen.insert(consumer)
            }
        }
        // Nearly all 300 consumers have an event in 200 days; none beyond the population.
        #expect(seen.count > 250)
        #expect(seen.max()! < 300)
    }

    /// Event n (1-based) has id g<seed>-<n> and source n + 1, its line in the CSV.
    @Test func eventIDsAndSourcesNumberTheEvents() throws {
        let simulator = try BrandSimulator(Self.small)
        var n: Int64 = 0
        simulator.forEachChunk(maxEvents: 500) { batch in
            for i in 0..<batch.count {
                n += 1
                #expect(batch.source[i] == n + 1)
                #expect(batch.fingerprint[i] == EventFingerprint(eventID: "g7-\(n)"))
            }
        }
        #expect(n > 1_000)
        #expect(simulator.eventID(number: 12) == "g7-12")
    }

    /// The file is exactly the header plus the writer's encoding of the batches.
    @Test func csvAndJSONLFilesEqualTheEncodedBatches() throws {
        let simulator = try BrandSimulator(Self.small)
        for format in CanonicalEventWriter.Format.allCases {
            let writer = simulator.writer(format)
            var expected = writer.header
            simulator.forEachChunk(maxEvents: 333) { batch in expected += try! writer.encode(batch) }
            let path = Self.temporaryPath("out.\(format.rawValue)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try simulator.write(format, to: path, threads: 2)
            let actual = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(actual == expected)
            #expect(summary.bytesWritten == actual.count)
            #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
        }
    }

    /// Pins the output of one configuration. A change here means generated data changed: on purpose
    /// (update the digest and say so in the commit) or by accident (a platform difference, an
    /// unstable iteration order). Computed with KehuModel's fixed StableHash.
    @Test func outputDigestIsPinned() throws {
        let bytes = try Self.csvBytes(BrandConfig(consumers: 60, days: 400, seed: 2_026), threads: 2)
        let digest = bytes.withUnsafeBytes { StableHash.hash($0, seed: 0) }
        #expect(String(digest, radix: 16) == GeneratorDigest.csv)
    }
}

/// The pinned digest of ``DeterminismTests/outputDigestIsPinned()``.
enum GeneratorDigest {
    static let csv = "7b23807955194499"
}
