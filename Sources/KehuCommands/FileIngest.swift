import Foundation
import KehuAnalytics
import KehuIngest
import KehuModel
import KehuStore

/// Files -> decoders -> key hashing -> one ingest session -> one commit: what `kehu ingest`
/// does, public so benchmarks measure exactly the same path.
public enum FileIngest {
    public struct Outcome {
        public var files: [String]
        public var read: Int64
        public var accepted: Int
        public var duplicates: Int
        public var rejects: [Reject]
        public var rejectReport: String?
        public var committed: IngestSession.CommitSummary?
        public var seconds: Double
        /// Seconds spent in each stage: decode (parsing files), keys (hashing and normalising
        /// identity keys), store (dedupe, key ids, segment files), commit (catalogue + OneID).
        public var stages: [(stage: String, seconds: Double)] = []

        public func summaryTable() -> TextTable {
            var table = TextTable(title: committed == nil ? "Ingest (nothing committed)" : "Ingest", headers: ["", "count"])
            let rate = seconds > 0 ? Int(Double(read) / seconds) : 0
            table.rows = [
                ["files", Figures.grouped(files.count)],
                ["records read", Figures.grouped(Int(read))],
                ["accepted", Figures.grouped(accepted)],
                ["duplicates skipped", Figures.grouped(duplicates)],
                ["rejected", Figures.grouped(rejects.count)],
            ]
            if let committed {
                table.rows += [
                    ["new identity keys", Figures.grouped(committed.newKeys)],
                    ["consumers (OneID)", Figures.grouped(committed.consumers)],
                    ["shared keys not linked", Figures.grouped(committed.guarded.count)],
                    ["segments written", Figures.grouped(committed.segments)],
                ]
            }
            table.footnotes = [String(format: "%.2f s, ", seconds) + Figures.grouped(rate) + " records/s"]
            return table
        }
    }

    public static func run(
        files: [String], format: InputFormat?, mapping: ColumnMapping?, channel: String?, strict: Bool,
        chunkSize: Int, into workspace: Workspace, quiet: Bool = false, segmentRows: Int = 4_000_000
    ) throws -> Outcome {
        let started = Date()
        let session = try IngestSession(workspace: workspace, segmentRows: segmentRows)
        let hasher = KeyHasher(salt: workspace.salt)
        var outcome = Outcome(files: files, read: 0, accepted: 0, duplicates: 0, rejects: [], seconds: 0)
        var keySeconds = 0.0, storeSeconds = 0.0, commitSeconds = 0.0
        var mark = Date()
        for file in files {
            let fileFormat = try format ?? (mapping != nil ? .csv : InputFormat.inferred(fromPath: file))
            let progress = ProgressLine("ingest \(URL(fileURLWithPath: file).lastPathComponent)")
            var options = DecodeOptions(
                zone: workspace.zone, defaultChannel: channel, mapping: mapping, chunkSize: chunkSize)
            if !quiet {
                options.progress = { @Sendable (done: Int64, total: Int64) in
                    progress.update("\(done * 100 / max(total, 1))% of \(ByteCount.format(total))")
                }
            }
            try decodeFile(path: file, format: fileFormat, options: options) { chunk in
                outcome.read += chunk.linesRead
                outcome.rejects += chunk.rejects
                if chunk.batch.count > 0 {
                    let t0 = Date()
                    var hashing = 0.0
                    let (accepted, duplicates) = try session.add(chunk.batch) { text throws(StoreError) in
                        let h0 = Date()
                        defer { hashing += Date().timeIntervalSince(h0) }
                        do {
                            return try hasher.identityKey(raw: text)
                        } catch {
                            throw .invalidArgument("an identity key the decoder accepted cannot be normalised: \(error)")
                        }
                    }
                    keySeconds += hashing
                    storeSeconds += Date().timeIntervalSince(t0) - hashing
                    outcome.accepted += accepted
                    outcome.duplicates += duplicates
                }
            }
            progress.finish()
        }
        if !outcome.rejects.isEmpty {
            outcome.rejectReport = try writeRejectReport(outcome.rejects, workspace: workspace)
        }
        let decodeEnd = Date()
        let decodeSeconds = decodeEnd.timeIntervalSince(mark) - keySeconds - storeSeconds
        mark = decodeEnd
        if strict && !outcome.rejects.isEmpty {
            session.abandon()
        } else {
            outcome.committed = try session.commit(.init(
                sources: files, read: Int(outcome.read), rejected: outcome.rejects.count, rejectReport: outcome.rejectReport))
        }
        commitSeconds = Date().timeIntervalSince(mark)
        outcome.seconds = Date().timeIntervalSince(started)
        outcome.stages = [
            ("decode", decodeSeconds), ("keys", keySeconds), ("store", storeSeconds), ("commit", commitSeconds),
        ]
        return outcome
    }

    /// Writes `source,line,field,reason` rows to `WORKSPACE/rejects/ingest-<time>.csv`.
    static func writeRejectReport(_ rejects: [Reject], workspace: Workspace) throws -> String {
        let dir = workspace.directory + "/rejects"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let stamp = Timestamp.format(Int64(Date().timeIntervalSince1970 * 1000), zone: workspace.zone)
            .replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "+", with: "p")
        let path = "\(dir)/ingest-\(stamp).csv"
        var table = TextTable(headers: ["source", "line", "field", "reason"])
        table.rows = rejects.map { [$0.source, String($0.line), $0.field, $0.reason] }
        try table.csv().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Human-readable byte counts.
enum ByteCount {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f ", value) + units[unit]
    }
}
