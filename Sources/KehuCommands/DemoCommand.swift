import ArgumentParser
import Foundation
import KehuAnalytics
import KehuGenerator
import KehuModel
import KehuServer
import KehuStore
import Logging

struct DemoCommand: AsyncParsableCommand, AsynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a brand, ingest it into ./kehu-data, and show what Kehu sees.",
        discussion: """
            On an empty workspace: generates a brand (the same one for the same seed), writes it \
            as a canonical CSV, ingests that file, and prints the overview. With data already \
            there, it prints the overview of what is there. Then it serves the dashboard on \
            127.0.0.1 (--port, or a free port when that one is taken) with a new read key, prints \
            the address, the key and a one-click sign-in link, and serves until Ctrl-C; \
            --no-serve (or --format json/csv) stops after the overview.
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

    @Flag(inversion: .prefixedNo, help: "Serve the dashboard on the demo data after the overview (table format only).")
    var serve = true

    @Option(help: "The dashboard's port on 127.0.0.1; a free port is used when it is taken.")
    var port: Int = 8080

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0-65535 (got \(port)).") }
    }

    func run() async throws { try await runAsynchronously() }

    func runAsynchronously() async throws {
        let workspace = try prepare()
        guard serve, output.format == .table else { return }
        try await DemoServer.run(workspace: workspace, dataDirectory: global.dataDirectory, port: port)
    }

    /// Generates and ingests the brand when the workspace is empty, and prints the headline.
    func prepare() throws -> Workspace {
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
        return workspace
    }
}

/// `kehu demo`'s last act: the dashboard on the demo workspace, with a read key and a
/// single-use sign-in link, until Ctrl-C (graceful: the server stops, the inbox is flushed).
enum DemoServer {
    static func run(workspace: Workspace, dataDirectory: String, port: Int) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let key = try APIKey.create(role: .read, in: workspace)
        let links = SignInLinks()
        let path = dataDirectory.hasPrefix("/") ? dataDirectory : FileManager.default.currentDirectoryPath + "/" + dataDirectory
        let configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: path).standardizedFileURL.path, host: "127.0.0.1",
            port: port == 0 || PortProbe.isFree(port) ? port : 0)
        if configuration.port != port { Terminal.error("Port \(port) is taken; using a free one.") }
        let app = KehuServer.application(configuration: configuration, logger: Logger(label: "kehu"), signInLinks: links) { bound in
            let base = "http://127.0.0.1:\(bound)"
            print(String(repeating: "═", count: 100))
            print("Dashboard 看板: \(base)/")
            print("Read key 只读密钥 (workspace \(workspace.name)): \(key.text)")
            print("One-click sign-in 一键登录 (single use, \(Int(SignInLinks.defaultLifetime.components.seconds / 60)) minutes): \(base)\(SignInLinks.path(token: links.mint(for: key)))")
            print("Ctrl-C stops the server.")
            fflush(nil)  // every stream: stdout is a pipe when a test or a script reads it
        }
        try await app.runService()
    }
}

/// Whether a TCP port on 127.0.0.1 can be bound now.
enum PortProbe {
    static func isFree(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
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
