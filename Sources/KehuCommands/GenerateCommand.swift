import ArgumentParser
import Foundation
import KehuAnalytics
import KehuGenerator
import KehuModel

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Simulate a brand's consumers and write their events as a canonical CSV or JSONL file.",
        discussion: """
            Consumers move through awareness, interest, purchase and loyalty across tmall, jd, douyin, \
            wechat_mp and pos, with 618 and 双11 campaigns, discounts, content, members, refunds and \
            several identity keys each. The same options and seed always give the same file.
            """)

    @Option(help: "Number of consumers.")
    var consumers: Int = 10_000

    @Option(help: "Number of days simulated, ending on --end-day.")
    var days: Int = 365

    @Option(help: "Last simulated day (YYYY-MM-DD).")
    var endDay: String = BrandConfig.defaultEndDay.description

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Average events per consumer per year.")
    var eventsPerYear: Double = 50

    @Option(help: "Output file ('-' for standard output).")
    var out: String

    @Option(help: "File format: csv or jsonl.")
    var format: GeneratedFormat = .csv

    enum GeneratedFormat: String, ExpressibleByArgument, CaseIterable {
        case csv, jsonl
    }

    func run() throws {
        let end: Day
        do { end = try Day.parse(endDay) } catch { throw ValidationError("--end-day: \(error)") }
        let config = BrandConfig(consumers: consumers, days: days, endDay: end, seed: seed, eventsPerConsumerYear: eventsPerYear)
        let simulator: BrandSimulator
        do { simulator = try BrandSimulator(config) } catch { throw ValidationError("\(error)") }
        let started = Date()
        let progress = ProgressLine("generate")
        let summary = try simulator.write(format == .csv ? .csv : .jsonl, to: out) { written in
            progress.update("\(Figures.grouped(written)) events")
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let rate = Int(Double(summary.events) / max(seconds, 1e-9))
        let line = "generated \(Figures.grouped(summary.events)) events for \(Figures.grouped(summary.consumers)) consumers, "
            + "\(summary.range), GMV \(Money.format(fen: summary.grossMerchandiseFen)), "
            + "\(ByteCount.format(Int64(summary.bytesWritten))) in " + String(format: "%.1f s", seconds)
            + " (\(Figures.grouped(rate)) events/s)"
        if out == "-" { Terminal.error(line) } else { print(line) }
    }
}
