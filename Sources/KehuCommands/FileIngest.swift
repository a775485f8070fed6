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
        /// identity keys), store (dedupe, key ids, rows queued for segment files), commit (the
        /// last segment, waiting for the segment writer, catalogue + OneID). In a pipelined run
        /// decode runs on the decoding thread while keys and store run on the calling thread, so
        /// the stages overlap; "store waiting for decode" is the calling thread's idle time.
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

    /// Ingests `files` into `workspace` in one session and one commit.
    ///
    /// With `pipelined` (the default) a second thread decodes the files chunk by chunk (CSV
    /// pieces on every core), while the calling thread adds the previous chunk to the session
    /// (hashing each identity key the session has not seen); at most two decoded chunks wait
    /// between them. Decoding is the longer stage, so nothing else runs on its thread. Without it,
    /// each chunk is decoded, then added, on the calling thread. Both give the same segments,
    /// rows, rejects and counts: chunks reach the session in file order either way.
    public static func run(
        files: [String], format: InputFormat?, mapping: ColumnMapping?, channel: String?, strict: Bool,
        chunkSize: Int, into workspace: Workspace, quiet: Bool = false, segmentRows: Int = 4_000_000,
        pipelined: Bool = true
    ) throws -> Outcome {
        let started = Date()
        let session = try IngestSession(workspace: workspace, segmentRows: segmentRows)
        let hasher = KeyHasher(salt: workspace.salt)
        var outcome = Outcome(files: files, read: 0, accepted: 0, duplicates: 0, rejects: [], seconds: 0)
        var decodeSeconds = 0.0, keySeconds = 0.0, storeSeconds = 0.0, waitSeconds = 0.0
        let zone = workspace.zone

        // The files' size, for the session to make room for the events they hold: estimated
        // from the first chunk's bytes per event.
        let totalBytes = files.reduce(Int64(0)) { $0 + (fileSize($1) ?? 0) }
        var estimated = false

        func consume(_ chunk: DecodedChunk) throws {
            outcome.read += chunk.linesRead
            outcome.rejects += chunk.rejects
            guard chunk.batch.count > 0 else { return }
            if !estimated && chunk.bytesRead > 0 {
                estimated = true
                session.expect(events: Int(Double(chunk.batch.count) * Double(totalBytes) / Double(chunk.bytesRead)))
            }
            let t0 = Date()
            var hashing = 0.0
            // Each raw key text new to the session is normalised and hashed once.
            let (accepted, duplicates) = try session.add(chunk.batch, resolve: { text throws(StoreError) in
                let h0 = Date()
                defer { hashing += Date().timeIntervalSince(h0) }
                do {
                    return try hasher.identityKey(raw: text)
                } catch {
                    throw .invalidArgument("an identity key the decoder accepted cannot be normalised: \(error)")
                }
            })
            keySeconds += hashing
            storeSeconds += Date().timeIntervalSince(t0) - hashing
            outcome.accepted += accepted
            outcome.duplicates += duplicates
        }

        if pipelined {
            let handoff = ChunkHandoff(capacity: 2)
            let producer = Thread {
                do {
                    for file in files {
                        let fileFormat = try format ?? (mapping != nil ? .csv : InputFormat.inferred(fromPath: file))
                        let setup = decodeOptions(file: file, zone: zone, channel: channel, mapping: mapping, chunkSize: chunkSize, quiet: quiet)
                        let decoder = try EventDecoder(path: file, format: fileFormat, options: setup.options)
                        var mark = Date()
                        while let chunk = try decoder.next() {
                            handoff.addDecodeTime(Date().timeIntervalSince(mark))
                            guard handoff.put(.chunk(chunk)) else { break }
                            mark = Date()
                        }
                        setup.progress?.finish()
                        if handoff.isCancelled { break }
                    }
                    _ = handoff.put(.end)
                } catch {
                    _ = handoff.put(.failed(error))
                }
                handoff.producerFinished()
            }
            producer.stackSize = 8 << 20
            producer.start()
            defer {
                handoff.cancel()
                handoff.waitForProducer()
            }
            while true {
                let w0 = Date()
                let item = handoff.take()
                waitSeconds += Date().timeIntervalSince(w0)
                switch item {
                case .chunk(let chunk): try consume(chunk)
                case .end: break
                case .failed(let error): throw error
                }
                if case .end = item { break }
            }
            handoff.waitForProducer()
            decodeSeconds = handoff.decodeTime
        } else {
            for file in files {
                let fileFormat = try format ?? (mapping != nil ? .csv : InputFormat.inferred(fromPath: file))
                let setup = decodeOptions(file: file, zone: zone, channel: channel, mapping: mapping, chunkSize: chunkSize, quiet: quiet)
                let decoder = try EventDecoder(path: file, format: fileFormat, options: setup.options)
                var mark = Date()
                while let chunk = try decoder.next() {
                    decodeSeconds += Date().timeIntervalSince(mark)
                    try consume(chunk)
                    mark = Date()
                }
                decodeSeconds += Date().timeIntervalSince(mark)
                setup.progress?.finish()
            }
        }
        if !outcome.rejects.isEmpty {
            outcome.rejectReport = try writeRejectReport(outcome.rejects, workspace: workspace)
        }
        let mark = Date()
        if strict && !outcome.rejects.isEmpty {
            session.abandon()
        } else {
            outcome.committed = try session.commit(.init(
                sources: files, read: Int(outcome.read), rejected: outcome.rejects.count, rejectReport: outcome.rejectReport))
        }
        let commitSeconds = Date().timeIntervalSince(mark)
        outcome.seconds = Date().timeIntervalSince(started)
        outcome.stages = [("decode", decodeSeconds), ("keys", keySeconds), ("store", storeSeconds)]
        if pipelined { outcome.stages.append(("store waiting for decode", waitSeconds)) }
        outcome.stages.append(("commit", commitSeconds))
        return outcome
    }

    /// The size of a file in bytes (nil when it cannot be read).
    private static func fileSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }

    /// Decode options for one file, with a progress line unless `quiet`.
    private static func decodeOptions(
        file: String, zone: ZoneRules, channel: String?, mapping: ColumnMapping?, chunkSize: Int, quiet: Bool
    ) -> (options: DecodeOptions, progress: ProgressLine?) {
        var options = DecodeOptions(zone: zone, defaultChannel: channel, mapping: mapping, chunkSize: chunkSize)
        guard !quiet else { return (options, nil) }
        let progress = ProgressLine("ingest \(URL(fileURLWithPath: file).lastPathComponent)")
        options.progress = { @Sendable (done: Int64, total: Int64) in
            progress.update("\(done * 100 / max(total, 1))% of \(ByteCount.format(total))")
        }
        return (options, progress)
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

/// Decoded chunks passed from the decoding thread to the thread that adds them to the session,
/// in order, at most `capacity` waiting.
///
/// `@unchecked Sendable`: every stored property is guarded by `condition`.
final class ChunkHandoff: @unchecked Sendable {
    enum Item: Sendable {
        case chunk(DecodedChunk)
        case end
        case failed(any Error)
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var items: [Item] = []
    private var cancelled = false
    private var finished = false
    private var decodeSeconds = 0.0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues an item, waiting while `capacity` are queued; false once the consumer cancelled.
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one.
    func take() -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Stops the producer at its next chunk and drops what is queued.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func addDecodeTime(_ seconds: Double) {
        condition.lock()
        decodeSeconds += seconds
        condition.unlock()
    }

    var decodeTime: Double {
        condition.lock()
        defer { condition.unlock() }
        return decodeSeconds
    }

    func producerFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func waitForProducer() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
