import ArgumentParser
import Dispatch
import KehuAnalytics
import KehuStore

/// Times a catalogued analysis on a workspace: the snapshot build, the first run (which builds
/// derived data such as the purchase index) and warm runs, with events per second. For
/// performance work (`docs/performance.md`).
struct DevTimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "time", abstract: "Time an analysis: snapshot build, first run, warm runs.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The analysis name, e.g. aipl.")
    var analysis: String

    @Option(help: "Warm runs after the first.")
    var runs: Int = 5

    @Option(name: .customLong("arg"), help: ArgumentHelp("A parameter as name=value (repeatable).", valueName: "name=value"))
    var arguments: [String] = []

    func run() throws {
        var values: [String: String] = [:]
        for argument in arguments {
            guard let eq = argument.firstIndex(of: "=") else { throw ValidationError("--arg takes name=value (got '\(argument)').") }
            values[String(argument[..<eq])] = String(argument[argument.index(after: eq)...])
        }
        let analysis = try AnalysisCatalogue.named(self.analysis)
        let workspace = try global.openWorkspace()
        func seconds(_ body: () throws -> Void) rethrows -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var snapshot: Snapshot!
        let build = try seconds { snapshot = try workspace.buildSnapshot() }
        let events = Double(snapshot.eventCount)
        print("snapshot: \(snapshot.eventCount) events, \(snapshot.consumerCount) consumers, built in \(format(build)) s")
        let first = try seconds { _ = try analysis.run(snapshot, AnalysisArguments(values)) }
        print("\(analysis.name) first run: \(format(first)) s")
        var warm: [Double] = []
        for _ in 0..<max(1, runs) { warm.append(try seconds { _ = try analysis.run(snapshot, AnalysisArguments(values)) }) }
        warm.sort()
        let median = warm[warm.count / 2]
        print("\(analysis.name) warm: min \(format(warm[0])) s, median \(format(median)) s over \(warm.count) runs; \(Int(events / median / 1e6))M events/s")
    }

    private func format(_ seconds: Double) -> String {
        let ms = Int((seconds * 1000).rounded())
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000)"
    }
}
