import ArgumentParser
import Foundation
import KehuAnalytics
import KehuStore

/// Flags every command that reads or writes a workspace takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory holding the workspaces.", valueName: "dir"))
    var data: String = "./kehu-data"

    @Option(name: .long, help: ArgumentHelp("The workspace (one per brand).", valueName: "name"))
    var workspace: String = "default"

    func validate() throws {
        guard Workspace.isValidName(workspace) else {
            throw ValidationError("--workspace must be 1-64 characters a-z, 0-9, '-' or '_' (got '\(workspace.prefix(64))').")
        }
    }

    /// The data directory as an absolute path without a trailing slash.
    var dataDirectory: String {
        let path = data.hasPrefix("/") ? data : FileManager.default.currentDirectoryPath + "/" + data
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    func openWorkspace(create: Bool = false) throws -> Workspace {
        try Workspace(dataDirectory: dataDirectory, name: workspace, create: create)
    }
}

/// `--format table|json|csv`.
struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "Output format: table, json or csv.")
    var format: OutputFormat = .table
}

extension OutputFormat: ExpressibleByArgument {}

/// Writes to standard error.
enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// A progress line on stderr for long work: rewritten in place on a terminal, and otherwise a
/// new line at most every 5 seconds so logs stay readable.
final class ProgressLine: @unchecked Sendable {
    // Guarded by `lock`; progress callbacks may come from decoder threads.
    private let lock = NSLock()
    private var lastPrint = Date.distantPast
    private let started = Date()
    private let label: String
    private var printed = false

    init(_ label: String) { self.label = label }

    func update(_ message: @autoclosure () -> String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let interval = Terminal.stderrIsTerminal ? 0.2 : 5.0
        // Work that finishes within a second shows no progress at all.
        guard now.timeIntervalSince(started) >= 1, now.timeIntervalSince(lastPrint) >= interval else { return }
        lastPrint = now
        let elapsed = String(format: "%.1fs", now.timeIntervalSince(started))
        let line = "\(label): \(message()) (\(elapsed))"
        if Terminal.stderrIsTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            printed = true
        } else {
            Terminal.error(line)
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if printed && Terminal.stderrIsTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        printed = false
    }
}

/// Prints a report in the chosen format.
func emit(_ report: some Report, format: OutputFormat) {
    print(report.rendered(as: format), terminator: "")
}
