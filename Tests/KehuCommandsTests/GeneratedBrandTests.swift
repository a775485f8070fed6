import Foundation
import GRDB
import Testing
import KehuAnalytics
import KehuGenerator
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuCommands

@Suite("A generated brand through the real ingest path")
struct GeneratedBrandTests {
    @Test("every generated event is accepted, and the store's totals equal the generator's")
    func roundTrip() throws {
        let dir = TemporaryDirectory(prefix: "kehu-gen")
        let simulator = try BrandSimulator(BrandConfig(consumers: 800, days: 200, seed: 11))
        let csv = dir.path + "/brand.csv"
        let summary = try simulator.writeCSV(to: csv)
        let workspace = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        let outcome = try FileIngest.run(
            files: [csv], format: .csv, mapping: nil, channel: nil, strict: false, chunkSize: 4_096, into: workspace,
            quiet: true, segmentRows: 5_000)
        #expect(outcome.rejects.isEmpty, "\(outcome.rejects.prefix(3))")
        #expect(outcome.duplicates == 0)
        #expect(outcome.accepted == summary.events)
        #expect((outcome.committed?.segments ?? 0) > 1)

        let snapshot = try workspace.buildSnapshot()
        let overview = WorkspaceOverview.compute(snapshot)
        #expect(overview.events == summary.events)
        #expect(overview.gmvFen == summary.grossMerchandiseFen)
        #expect(overview.refundsFen == summary.refundedFen)
        // Platform buyer ids, devices and anonymous ids stay apart until an event links them (the
        // 三通一平 problem), so OneID finds more consumers than simulated people, never fewer...
        #expect(overview.consumers >= summary.consumers * 9 / 10)
        // ...and never merges two people: each person has one member id and one Tmall buyer id,
        // so no consumer may hold two of either. The store tablets that would merge everyone they
        // served are exactly the guarded keys.
        #expect(outcome.committed?.guarded.count == simulator.sharedDeviceKeys.count)
        let falseMerges = try workspace.catalogue.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (
                  SELECT consumer_id FROM identity_key
                  WHERE type = 0 OR (type = 5 AND value LIKE 'tm\\_%' ESCAPE '\\')
                  GROUP BY consumer_id, type HAVING COUNT(*) > 1)
                """)
        }
        #expect(falseMerges == 0)

        // Per-kind counts of the snapshot equal a plain count over the CSV text.
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        var kindCounts: [String: Int] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            kindCounts[String(line.split(separator: ",", omittingEmptySubsequences: false)[3]), default: 0] += 1
        }
        for line in overview.kinds { #expect(kindCounts[line.kind] == line.events, "kind \(line.kind)") }

        // Compaction changes files, never the snapshot.
        let before = snapshot.ts
        #expect(try Compactor.compact(workspace, minSegments: 2).inputSegments > 1)
        #expect(try workspace.buildSnapshot().ts == before)
    }
}
