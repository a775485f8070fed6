import ArgumentParser
import KehuStore

struct FlushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Move events waiting in the streaming inbox into segments.",
        discussion: "The server flushes on its own; this is for operations and tests.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let workspace = try global.openWorkspace()
        let moved = try InboxFlusher.flushAll(workspace)
        print("flushed \(moved) inbox events into segments")
    }
}

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge small segments into large ones sorted by consumer and time.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Compact only when at least this many small segments exist.")
    var minSegments: Int = 2

    func run() throws {
        let workspace = try global.openWorkspace()
        let outcome = try Compactor.compact(workspace, minSegments: minSegments)
        if outcome.inputSegments == 0 {
            print("nothing to compact (fewer than \(minSegments) small segments)")
        } else {
            print("compacted \(outcome.inputSegments) segments (\(outcome.rows) events) into \(outcome.outputSegments)")
        }
    }
}
