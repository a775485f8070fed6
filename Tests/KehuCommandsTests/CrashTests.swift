import Foundation
import Testing
import KehuModel
@testable import KehuStore
import KehuTesting

#if canImport(Glibc)
import Glibc
#endif

/// Kills real `kehu` processes with SIGKILL at random moments and checks what the store holds
/// afterwards: every acknowledged or committed event exactly once, no partial segment, no
/// duplicate, no orphan file.
@Suite("Crash safety (SIGKILL)", .serialized)
struct CrashTests {
    /// A fixed seed, so a failure can be replayed; change it to explore other moments.
    static let seed: UInt64 = 0x6b65_6875

    @Test("killing ingest at random moments, 20 times: each run is all or nothing, then re-ingest completes it")
    func killDuringIngest() throws {
        let dir = TemporaryDirectory(prefix: "kehu-crash")
        var random = SplitMix(seed: Self.seed)
        let linesPerFile = 3_000
        var files: [String] = []
        for round in 0..<21 {
            let path = dir.path + "/events-\(round).csv"
            try canonicalCSV(firstID: round * 100_000, count: linesPerFile).write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        // Round 0 runs to completion and tells how long an ingest takes here.
        let started = Date()
        let first = try runKehu(["ingest", files[0], "--data", dir.path, "--workspace", "w"])
        #expect(first.status == 0, "ingest failed: \(first.stderr)")
        let duration = Date().timeIntervalSince(started)

        var outcomes: [Int: Bool] = [0: true]  // round -> completed (exit 0) before the kill
        for round in 1...20 {
            let delay = duration * 1.2 * Double(random.next() % 1000) / 1000
            let result = try runKehu(
                ["ingest", files[round], "--data", dir.path, "--workspace", "w"], killAfter: delay)
            outcomes[round] = result.status == 0
        }

        let workspace = try Workspace(dataDirectory: dir.path, name: "w", create: false)
        try expectNoOrphans(workspace)
        var counts = try idsPerRound(workspace)
        var killedMidway = 0
        for round in 0...20 {
            let n = counts[round] ?? 0
            #expect(n == 0 || n == linesPerFile, "round \(round) left \(n) of \(linesPerFile) events: a partial ingest")
            if outcomes[round] == true { #expect(n == linesPerFile, "round \(round) exited 0 but is not stored") }
            if n == 0 { killedMidway += 1 }
        }
        // Re-ingesting every file completes the store, and nothing is counted twice.
        for file in files {
            let result = try runKehu(["ingest", file, "--data", dir.path, "--workspace", "w"])
            #expect(result.status == 0, "re-ingest failed: \(result.stderr)")
        }
        counts = try idsPerRound(workspace)
        for round in 0...20 { #expect(counts[round] == linesPerFile) }
        #expect(try workspace.buildSnapshot().eventCount == 21 * linesPerFile)
        // Most kills should land before the commit; report if none did (the test would be weak).
        #expect(killedMidway > 0, "no kill landed before a commit; the timing window is off")
    }

    @Test("killing a writer that appends to the inbox while flushing, 20 times: no acknowledged event is lost or doubled")
    func killDuringInboxFlush() throws {
        let dir = TemporaryDirectory(prefix: "kehu-crash")
        var random = SplitMix(seed: Self.seed ^ 0xF1)
        var acknowledged = Set<Int>()
        var lastAckedPerRound: [Int: Int] = [:]
        for round in 0..<20 {
            let startID = round * 1_000_000
            let delay = 0.15 + Double(random.next() % 1000) / 1000 * 0.6
            let result = try runKehu(
                ["dev", "inbox-writer", "--data", dir.path, "--workspace", "w", "--events", "200000", "--batch", "40",
                 "--start", "\(startID)"], killAfter: delay)
            for line in result.stdout.split(separator: "\n") where line.hasPrefix("ack ") {
                let parts = line.split(separator: " ")
                guard parts.count == 3, let from = Int(parts[1]), let to = Int(parts[2]) else { continue }
                acknowledged.formUnion(from...to)
                lastAckedPerRound[round] = to
            }
        }
        #expect(acknowledged.count > 0, "the writer acknowledged nothing before being killed")

        let workspace = try Workspace(dataDirectory: dir.path, name: "w", create: false)
        try expectNoOrphans(workspace)
        try checkStored(workspace, acknowledged: acknowledged, lastAcked: lastAckedPerRound)
        // After flushing what is left, the same holds, and the inbox is empty.
        try InboxFlusher.flushAll(workspace)
        #expect(try Inbox.count(in: workspace) == 0)
        try checkStored(workspace, acknowledged: acknowledged, lastAcked: lastAckedPerRound)
    }

    // MARK: - Checks

    private func checkStored(_ workspace: Workspace, acknowledged: Set<Int>, lastAcked: [Int: Int]) throws {
        let snapshot = try workspace.buildSnapshot()
        var seen = Set<Int>()
        var duplicates = 0
        for i in 0..<snapshot.eventCount {
            guard let sku = snapshot.value(.sku, i), let id = Int(sku.dropFirst()) else { continue }
            if !seen.insert(id).inserted { duplicates += 1 }
        }
        #expect(duplicates == 0)
        let lost = acknowledged.subtracting(seen)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events are missing")
        // Beyond the acknowledged ones, at most the one batch committed just before the kill
        // (its acknowledgement never printed) may be stored for each round.
        for extra in seen.subtracting(acknowledged) {
            let round = extra / 1_000_000
            let after = (lastAcked[round] ?? (round * 1_000_000 - 1)) + 1
            #expect((after..<(after + 40)).contains(extra), "event \(extra) is stored but was never sent in order")
        }
    }

    private func expectNoOrphans(_ workspace: Workspace) throws {
        let registered = Set(try workspace.segments().map(\.file))
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: workspace.segmentsDirectory))
        #expect(onDisk == registered)
    }

    /// Events stored per ingest round (ids are round * 100,000 + n).
    private func idsPerRound(_ workspace: Workspace) throws -> [Int: Int] {
        let snapshot = try workspace.buildSnapshot()
        var counts: [Int: Int] = [:]
        var seen = Set<String>()
        for i in 0..<snapshot.eventCount {
            guard let sku = snapshot.value(.sku, i), let id = Int(sku.dropFirst()) else { continue }
            #expect(seen.insert(sku).inserted, "event \(sku) is stored twice")
            counts[id / 100_000, default: 0] += 1
        }
        return counts
    }

    private func canonicalCSV(firstID: Int, count: Int) -> String {
        var text = "event_id,ts,keys,kind,channel,sku,order_id,amount\n"
        for n in firstID..<(firstID + count) {
            let paid = n % 4 == 0
            text += "e\(n),\(1_780_243_200 + n % 86_400),member:\(n % 211)|buyer:b\(n % 211),\(paid ? "pay" : "view"),tmall,e\(n),\(paid ? "o\(n)" : ""),\(paid ? "12.50" : "")\n"
        }
        return text
    }
}
