import ArgumentParser
import KehuAnalytics
import KehuStore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show a workspace's consumers, events, GMV, buyers and channels, and its storage.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let workspace = try global.openWorkspace()
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        let report = WorkspaceStats(
            overview: WorkspaceOverview.compute(snapshot), storage: try StorageStats.read(workspace))
        emit(report, format: output.format)
    }
}
