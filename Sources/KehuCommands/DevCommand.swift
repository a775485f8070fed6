import ArgumentParser
import Dispatch
import Foundation
import KehuModel
import KehuStore

/// Commands for tests and operations, hidden from help.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Tools for tests and diagnostics.", shouldDisplay: false,
        subcommands: [InboxWriter.self, DevTimeCommand.self, StoredIDsCommand.self])
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

/// Counts how often each event id of a file (one per line, e.g. the messageIds a load driver saw
/// acknowledged) is stored in the workspace's segments. The load and SIGKILL scripts use it:
/// every acknowledged id must be stored exactly once. Exit 1 when one is missing or stored twice.
struct StoredIDsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stored-ids")

    @OptionGroup var global: GlobalOptions

    @Option(help: "A file of event ids (messageIds), one per line.")
    var ids: String

    @Flag(help: "Flush the inbox into segments first.")
    var flush = false

    func run() throws {
        let workspace = try global.openWorkspace()
        if flush { try InboxFlusher.flushAll(workspace) }
        guard let text = FileManager.default.contents(atPath: ids) else {
            Terminal.error("kehu dev stored-ids: cannot read \(ids)")
            throw ExitCode(1)
        }
        var counts: [EventFingerprint: Int] = [:]
        let stored = try workspace.storedFingerprints()
        for fingerprint in stored { counts[fingerprint, default: 0] += 1 }
        var given = 0, once = 0, missing = 0, repeated = 0
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where !line.isEmpty {
            given += 1
            switch counts[EventFingerprint(eventID: String(line)), default: 0] {
            case 0: missing += 1
            case 1: once += 1
            default: repeated += 1
            }
        }
        let duplicates = counts.values.reduce(0) { $0 + max(0, $1 - 1) }
        Output.line(
            "{\"ids\": \(given), \"storedOnce\": \(once), \"missing\": \(missing), \"storedMoreThanOnce\": \(repeated), "
                + "\"storedEvents\": \(stored.count), \"duplicateRows\": \(duplicates), \"inbox\": \(try Inbox.count(in: workspace))}")
        if missing > 0 || repeated > 0 || duplicates > 0 { throw ExitCode(1) }
    }
}

/// Unbuffered lines on standard output, so a parent that kills the process has read every line
/// written before the kill.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
