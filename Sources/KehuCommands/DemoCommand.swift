import ArgumentParser
import Foundation
import KehuAnalytics
import KehuGenerator
import KehuModel
import KehuStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a brand, ingest it into ./kehu-data, and show what Kehu sees.",
        discussion: """
            On an empty workspace: generates a brand (the same one for the same seed), writes it \
            as a canonical CSV, ingests that file, and prints the overview. With data already \
            there, it prints the overview of what is there.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: "Consumers in the simulated brand.")
    var consumers: Int = 30_000

    @Option(help: "Days simulated, ending 2026-11-20.")
    var days: Int = 730

    @Option(help: "Random seed of the simulation.")
    var seed: UInt64 = 42

    @Flag(help: "Keep the generated CSV file after ingesting it.")
    var keepCSV = false

    func run() throws {
        let workspace = try global.openWorkspace(create: true)
        let stored = try workspace.segments().reduce(0) { $0 + $1.rowCount } + Inbox.count(in: workspace)
        if stored == 0 {
            let config = BrandConfig(consumers: consumers, days: days, seed: seed)
            let simulator: BrandSimulator
            do { simulator = try BrandSimulator(config) } catch { throw ValidationError("\(error)") }
            let csv = global.dataDirectory + "/generated-brand-seed\(seed).csv"
            Terminal.error("Simulating a brand: \(Figures.grouped(consumers)) consumers, \(config.range) ...")
            let progress = ProgressLine("generate")
            let summary = try simulator.writeCSV(to: csv) { progress.update("\(Figures.grouped($0)) events") }
            progress.finish()
            Terminal.error("Wrote \(Figures.grouped(summary.events)) events (\(ByteCount.format(Int64(summary.bytesWritten)))) to \(csv)")
            Terminal.error("Ingesting it into \(workspace.directory) ...")
            let outcome = try FileIngest.run(
                files: [csv], format: .csv, mapping: nil, channel: nil, strict: false, chunkSize: 262_144, into: workspace)
            Terminal.error(outcome.summaryTable().render())
            if !outcome.rejects.isEmpty {
                Terminal.error("warning: \(outcome.rejects.count) generated records were rejected; see \(outcome.rejectReport ?? "-")")
            }
            _ = try? Compactor.compact(workspace, minSegments: 2)
            if !keepCSV { try? FileManager.default.removeItem(atPath: csv) }
            Terminal.error("")
        } else {
            Terminal.error("Using the data already in \(workspace.directory) (\(Figures.grouped(stored)) events); remove the directory to start over.")
        }
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        let overview = WorkspaceOverview.compute(snapshot)
        let headline = DemoHeadline.sections(snapshot)
        switch output.format {
        case .table:
            emit(overview, format: .table)
            for section in headline {
                print("\n" + String(repeating: "═", count: 100) + "\n")
                print(section.rendered(as: .table), terminator: "")
            }
            print("\nNext: kehu aipl · kehu fast · kehu visitors · kehu nine · kehu funnel · kehu rfm · kehu clv · kehu plan gap · kehu stats  (data in \(global.dataDirectory))")
        case .json:
            print(DemoHeadline.json(overview: overview, sections: headline))
        case .csv:
            emit(overview, format: .csv)
            for section in headline { print("\n" + section.rendered(as: .csv), terminator: "") }
        }
    }
}

/// What `kehu demo` ends with: AIPL with its 30-day flow, FAST, the visitor view and the nine
/// metrics for the last 30 days, and customer lifetime value, each with its parameters.
enum DemoHeadline {
    /// A section that could not be computed says why instead of stopping the demo.
    struct Unavailable: Report {
        var title: String
        var reason: String
        var parameters: [ReportParameter] { [] }
        func tables() -> [TextTable] { [TextTable(headers: ["not available"], alignments: [.left], rows: [[reason]])] }
    }

    static let analyses = ["aipl", "aipl-flow", "fast", "visitors", "nine"]

    static func sections(_ snapshot: Snapshot) -> [any Report] {
        var sections: [any Report] = []
        for name in analyses {
            do {
                sections.append(try AnalysisCatalogue.named(name).run(snapshot, AnalysisArguments()))
            } catch {
                sections.append(Unavailable(title: name, reason: "\(error)"))
            }
        }
        do {
            sections.append(try CustomerValueReport.compute(snapshot, CustomerValueParameters(top: 5)))
        } catch {
            sections.append(Unavailable(title: "Customer lifetime value", reason: "\(error)"))
        }
        return sections
    }

    /// One JSON object: the overview and each section under its analysis name.
    static func json(overview: WorkspaceOverview, sections: [any Report]) -> String {
        var parts = ["\"overview\": " + indent(overview.rendered(as: .json))]
        for (name, section) in zip(analyses + ["clv"], sections) {
            parts.append("\"\(name)\": " + indent(section.rendered(as: .json)))
        }
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}"
    }

    private static func indent(_ json: String) -> String {
        json.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\n  ")
    }
}
