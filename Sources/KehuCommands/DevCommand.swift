import ArgumentParser
import Dispatch
import Foundation
import KehuModel
import KehuStore

/// Commands for tests and operations, hidden from help.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Tools for tests and diagnostics.", shouldDisplay: false,
        subcommands: [InboxWriter.self, DevTimeCommand.self])
}

/// Appends events to the inbox in small transactions while another thread flushes the inbox
/// into segments, printing `ack FIRST LAST` after each append commits. The crash tests kill it
/// with SIGKILL at random moments and then check that every acknowledged event is stored once.
struct InboxWriter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inbox-writer")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Events to append in all.")
    var events: Int = 10_000

    @Option(help: "Events per append transaction.")
    var batch: Int = 50

    @Option(help: "Number of the first event (ids are e<number>).")
    var start: Int = 0

    func run() throws {
        let workspace = try global.openWorkspace(create: true)
        let done = DispatchSemaphore(value: 0)
        let flusher = Thread {
            while done.wait(timeout: .now()) == .timedOut {
                _ = try? InboxFlusher.flush(workspace, maxRows: 500)
            }
        }
        flusher.start()
        let base: Int64 = 1_780_243_200_000
        var next = start
        while next < start + events {
            let last = min(next + batch, start + events)
            var records: [EventRecord] = []
            for n in next..<last {
                let paid = n % 5 == 0
                let ts: Int64 = base + Int64(n % 100_000) * 60_000
                records.append(EventRecord(
                    eventID: "e\(n)", ts: ts, kind: paid ? EventKind.pay : EventKind.view,
                    keys: ["member:\(n % 97)"], channel: "tmall", sku: "e\(n)", orderID: paid ? "o\(n)" : nil,
                    amount: paid ? Int64(n % 100_000) : nil))
            }
            _ = try Inbox.append(records, requestID: "w\(next)", to: workspace)
            Output.line("ack \(next) \(last - 1)")
            next = last
        }
        done.signal()
        while flusher.isExecuting { usleep(1000) }
        try InboxFlusher.flushAll(workspace)
        Output.line("finished")
    }
}

/// Unbuffered lines on standard output, so a parent that kills the process has read every line
/// written before the kill.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
