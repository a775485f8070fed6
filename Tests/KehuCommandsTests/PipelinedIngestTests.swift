import Foundation
import GRDB
import Testing
import KehuGenerator
import KehuModel
import KehuTesting
@testable import KehuCommands
@testable import KehuStore

/// `FileIngest.run` decodes on a second thread while the calling thread adds chunks to the
/// session, and writes segments on a third. These tests hold the pipelined path to the serial one
/// (decode, then add, chunk by chunk on one thread) on files with duplicates and bad lines.
@Suite("Pipelined ingest gives what the serial ingest gives")
struct PipelinedIngestTests {
    /// Two CSV files made from a generated brand:
    /// - `a.csv`: the generated lines (each with its own `event_id`), with a bad line after every
    ///   97th good one (bad time, unknown kind, no keys, bad amount in turn), every 41st good line
    ///   repeated at the end (same `event_id`: a duplicate), and three lines without `event_id`,
    ///   the first of them twice (identical content twice in one file is two events);
    /// - `b.csv`: every 7th good line of `a.csv` again (duplicates across files), one id-less line
    ///   again (a duplicate of its first occurrence in `a.csv`) and two new events.
    struct Files {
        var a: String
        var b: String
        /// What a simple count says: lines read, accepted, duplicates, and the rejects as
        /// (file, line, field).
        var read: Int
        var accepted: Int
        var duplicates: Int
        var rejects: [(file: String, line: Int64, field: String)]
        /// Lines of `a.csv` that decode (every one a duplicate when `a.csv` is ingested again).
        var goodLinesOfA: Int
    }

    static func makeFiles(in dir: String) throws -> Files {
        let simulator = try BrandSimulator(BrandConfig(consumers: 700, days: 180, seed: 23))
        let generated = dir + "/generated.csv"
        try simulator.writeCSV(to: generated)
        let text = try String(contentsOfFile: generated, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines.removeFirst()
        if lines.last == "" { lines.removeLast() }
        let good = lines
        let badLines: [(text: String, field: String)] = [
            ("bad-ts,not a time,member:M1,view,tmall,,,,,,,,,", "ts"),
            ("bad-kind,2026-06-18T10:00:00+08:00,member:M1,teleport,tmall,,,,,,,,,", "kind"),
            ("bad-keys,2026-06-18T10:00:00+08:00,,view,tmall,,,,,,,,,", "keys"),
            ("bad-amount,2026-06-18T10:00:00+08:00,member:M1,pay,tmall,,,,,,o1,12.3.4,,", "amount"),
        ]
        let idless = [
            ",2026-06-01T09:00:00+08:00,member:IDLESS1,view,tmall,,,,SKU1,,,,,",
            ",2026-06-01T09:05:00+08:00,member:IDLESS2,view,jd,,,,SKU2,,,,,",
            ",2026-06-01T09:10:00+08:00,member:IDLESS3|phone:13800138000,cart,tmall,,,,SKU3,,,,,",
        ]

        var a = [header]
        var rejects: [(file: String, line: Int64, field: String)] = []
        var identities = Set<String>()
        var accepted = 0, duplicates = 0
        func record(_ identity: String) {
            if identities.insert(identity).inserted { accepted += 1 } else { duplicates += 1 }
        }
        for (i, line) in good.enumerated() {
            a.append(line)
            record("id:" + line.prefix { $0 != "," })
            if (i + 1) % 97 == 0 {
                let bad = badLines[(i / 97) % badLines.count]
                a.append(bad.text)
                rejects.append((dir + "/a.csv", Int64(a.count), bad.field))
            }
        }
        for (i, line) in good.enumerated() where i % 41 == 0 {
            a.append(line)
            record("id:" + line.prefix { $0 != "," })
        }
        // Id-less lines: identity is (content, occurrence of that content in its file).
        a.append(idless[0]); record("a0#0")
        a.append(idless[1]); record("a1#0")
        a.append(idless[0]); record("a0#1")
        a.append(idless[2]); record("a2#0")

        var b = [header]
        for (i, line) in good.enumerated() where i % 7 == 0 {
            b.append(line)
            record("id:" + line.prefix { $0 != "," })
        }
        b.append(idless[0]); record("a0#0")
        b.append("new-1,2026-07-01T10:00:00+08:00,member:NEW1,view,tmall,,,,SKU9,,,,,"); record("id:new-1")
        b.append("new-2,2026-07-01T11:00:00+08:00,member:NEW1|unionid:U-NEW,pay,wechat_mp,,,,SKU9,,o-new,99.00,,1")
        record("id:new-2")

        let aPath = dir + "/a.csv", bPath = dir + "/b.csv"
        try (a.joined(separator: "\n") + "\n").write(toFile: aPath, atomically: true, encoding: .utf8)
        try (b.joined(separator: "\n") + "\n").write(toFile: bPath, atomically: true, encoding: .utf8)
        return Files(
            a: aPath, b: bPath, read: a.count - 1 + b.count - 1, accepted: accepted, duplicates: duplicates,
            rejects: rejects, goodLinesOfA: a.count - 1 - rejects.count)
    }

    /// Everything an ingest leaves in a workspace that must not depend on how it was run.
    struct Stored: Equatable {
        var segments: [SegmentColumns.Contents]
        /// (id, type, value, consumer, first seen); both workspaces have the same salt, so hashed
        /// phones and emails compare too.
        var keys: [[String]]
        var links: [[Int64]]
    }

    static func stored(_ workspace: Workspace) throws -> Stored {
        let segments = try workspace.segments().map {
            try SegmentReader.read(path: workspace.segmentPath($0.file)).contents
        }
        let (keys, links) = try workspace.catalogue.read { db in
            let keys = try Row.fetchAll(db, sql: "SELECT id, type, value, consumer_id, first_seen FROM identity_key ORDER BY id").map { row in
                [String(row[0] as Int64), String(row[1] as Int64), row[2] as String, String(row[3] as Int64), String(row[4] as Int64)]
            }
            let links = try Row.fetchAll(db, sql: "SELECT a, b FROM identity_link ORDER BY a, b").map { [$0[0] as Int64, $0[1] as Int64] }
            return (keys, links)
        }
        return Stored(segments: segments, keys: keys, links: links)
    }

    @Test("same segments, rows, keys, rejects and counts, across files and runs", arguments: [1_000, 4_096])
    func sameAsSerial(chunkSize: Int) throws {
        let dir = TemporaryDirectory(prefix: "kehu-pipe")
        let files = try Self.makeFiles(in: dir.path)
        var outcomes: [FileIngest.Outcome] = []
        var stores: [Stored] = []
        for pipelined in [false, true] {
            let workspace = try Workspace(
                dataDirectory: dir.path + (pipelined ? "/pipelined" : "/serial"), name: "w", create: true,
                newSalt: [UInt8](repeating: 7, count: 32))
            let outcome = try FileIngest.run(
                files: [files.a, files.b], format: .csv, mapping: nil, channel: nil, strict: false,
                chunkSize: chunkSize, into: workspace, quiet: true, segmentRows: 3_000, pipelined: pipelined)
            outcomes.append(outcome)
            // A second run of the same files stores nothing new.
            let again = try FileIngest.run(
                files: [files.a], format: .csv, mapping: nil, channel: nil, strict: false,
                chunkSize: chunkSize, into: workspace, quiet: true, segmentRows: 3_000, pipelined: pipelined)
            #expect(again.accepted == 0)
            #expect(again.duplicates == files.goodLinesOfA)
            #expect(again.rejects.count == files.rejects.count)
            stores.append(try Self.stored(workspace))
        }
        let (serial, pipelined) = (outcomes[0], outcomes[1])

        // The simple count.
        #expect(serial.read == Int64(files.read))
        #expect(serial.accepted == files.accepted)
        #expect(serial.duplicates == files.duplicates)
        #expect(serial.rejects.map { "\($0.source):\($0.line):\($0.field)" } == files.rejects.map { "\($0.file):\($0.line):\($0.field)" })
        #expect((serial.committed?.segments ?? 0) > 2)

        // The pipelined run, exactly.
        #expect(pipelined.read == serial.read)
        #expect(pipelined.accepted == serial.accepted)
        #expect(pipelined.duplicates == serial.duplicates)
        #expect(pipelined.rejects == serial.rejects)
        #expect(pipelined.committed?.segments == serial.committed?.segments)
        #expect(pipelined.committed?.newKeys == serial.committed?.newKeys)
        #expect(pipelined.committed?.consumers == serial.committed?.consumers)
        #expect(stores[1].segments.count == stores[0].segments.count)
        #expect(stores[1] == stores[0])
    }

    @Test("a file that cannot be read stops the pipelined ingest and commits nothing")
    func producerFailure() throws {
        let dir = TemporaryDirectory(prefix: "kehu-pipe")
        let files = try Self.makeFiles(in: dir.path)
        let badHeader = dir.path + "/bad.csv"
        try "when,who\n1,2\n".write(toFile: badHeader, atomically: true, encoding: .utf8)
        let workspace = try Workspace(dataDirectory: dir.path + "/w", name: "w", create: true)
        #expect(throws: (any Error).self) {
            try FileIngest.run(
                files: [files.a, badHeader], format: .csv, mapping: nil, channel: nil, strict: false,
                chunkSize: 1_000, into: workspace, quiet: true, segmentRows: 3_000, pipelined: true)
        }
        // The segments written for a.csv before the failure are not registered, and removed.
        #expect(try workspace.segments().isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: workspace.segmentsDirectory)
        #expect(left.isEmpty, "\(left)")
        // The workspace is usable afterwards: the writer lock was released.
        let outcome = try FileIngest.run(
            files: [files.b], format: .csv, mapping: nil, channel: nil, strict: false,
            chunkSize: 1_000, into: workspace, quiet: true, pipelined: true)
        #expect(outcome.committed != nil)
    }
}

extension SegmentColumns {
    /// The columns with dictionary codes replaced by their strings, comparable across stores.
    struct Contents: Equatable {
        var fingerprintHigh: [UInt64]
        var fingerprintLow: [UInt64]
        var ts: [Int64]
        var key: [UInt32]
        var kind: [UInt8]
        var fields: [[String]]
        var amount: [Int64]
        var listPrice: [Int64]
        var quantity: [Int32]
    }

    var contents: Contents {
        Contents(
            fingerprintHigh: fingerprintHigh, fingerprintLow: fingerprintLow, ts: ts, key: key, kind: kind,
            fields: (0..<codes.count).map { f in codes[f].map { tables[f].string($0) ?? "" } },
            amount: amount, listPrice: listPrice, quantity: quantity)
    }
}
