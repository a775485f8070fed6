import ArgumentParser
import Foundation
import KehuIngest
import KehuModel
import KehuStore

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load event files into a workspace.",
        discussion: """
            Every record is validated; bad records go to a reject report (file:line, field, reason) \
            in the workspace's rejects/ folder and the good ones are loaded. Events already stored \
            (same event_id) are skipped, so re-running an ingest is safe. Formats: csv and jsonl \
            (canonical, docs/formats.md), taobao (Tianchi UserBehavior), cdnow (lifetimes' CDNOW \
            transactions); any other CSV through --map.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Files to ingest.", valueName: "file"))
    var files: [String]

    @Option(help: "Input format: csv, jsonl, taobao or cdnow (default: from the file extension).")
    var format: InputFormat?

    @Option(help: ArgumentHelp(
        "Column mapping for other CSVs, e.g. ts=order_time,amount=paid,keys.member=buyer_id,kind=const:pay.",
        valueName: "spec"))
    var map: String?

    @Option(help: "Channel for sources that carry none (taobao and cdnow have defaults).")
    var channel: String?

    @Flag(help: "Exit 0 even when some records were rejected (they are still reported).")
    var allowRejects = false

    @Flag(help: "Commit nothing when any record is bad.")
    var strict = false

    @Flag(help: "Do not compact small segments after the ingest.")
    var noCompact = false

    @Option(help: .hidden)
    var chunkSize: Int = 262_144

    @Flag(help: "Print the time spent in each stage (decode, keys, store, commit) to stderr.")
    var timings = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Name at least one file to ingest.") }
        if strict && allowRejects { throw ValidationError("--strict and --allow-rejects contradict each other; pick one.") }
        if map != nil && format != nil && format != .csv {
            throw ValidationError("--map applies to CSV files only; drop --format \(format!) or --map.")
        }
    }

    func run() throws {
        let mapping = try map.map { spec -> ColumnMapping in
            do { return try ColumnMapping(spec: spec) } catch { throw ValidationError("--map: \(error)") }
        }
        let workspace = try global.openWorkspace(create: true)
        let outcome = try FileIngest.run(
            files: files, format: format, mapping: mapping, channel: channel, strict: strict, chunkSize: chunkSize,
            into: workspace)
        print(outcome.summaryTable().render())
        if timings {
            Terminal.error(outcome.stages.map { "\($0.stage) " + String(format: "%.3f s", $0.seconds) }.joined(separator: " · "))
        }
        if !outcome.rejects.isEmpty {
            Terminal.error("\(outcome.rejects.count) record(s) rejected; report: \(outcome.rejectReport ?? "-")")
            for reject in outcome.rejects.prefix(10) { Terminal.error("  \(reject)") }
            if outcome.rejects.count > 10 { Terminal.error("  ... \(outcome.rejects.count - 10) more in the report") }
        }
        if strict && !outcome.rejects.isEmpty {
            Terminal.error("--strict: nothing was committed. Fix the records above and ingest again.")
            throw ExitCode(1)
        }
        if !noCompact, let compaction = try? Compactor.compact(workspace, minSegments: 8), compaction.inputSegments > 0 {
            Terminal.error("compacted \(compaction.inputSegments) segments into \(compaction.outputSegments)")
        }
        if !outcome.rejects.isEmpty && !allowRejects { throw ExitCode(1) }
    }
}

extension InputFormat: ExpressibleByArgument {}
