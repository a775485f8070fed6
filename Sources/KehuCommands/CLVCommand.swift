import ArgumentParser
import Foundation
import KehuAnalytics
import KehuModel
import KehuPredict

struct CLVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Customer lifetime value: BG/NBD purchases, probability alive, Gamma-Gamma spend, discounted CLV.",
        discussion: """
            Fits both models on each consumer's paid orders up to --calibration-end (one purchase per \
            order, on the day of its first payment, net of refunds) and values every customer over \
            --horizon months. With --holdout-end, also compares predicted and actual repeat purchases \
            in the holdout. docs/prediction.md has the models and conventions.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: "Last day of the calibration period (default: the last day with a payment).")
    var calibrationEnd: String?

    @Option(help: "Last day of a holdout period after the calibration, to check predictions against actual purchases.")
    var holdoutEnd: String?

    @Option(help: "Horizon in months, e.g. 12 or 12m.")
    var horizon: String = "12"

    @Option(help: "Time unit of the models: day or week.")
    var unit: Unit = .week

    @Option(help: "Monthly discount rate.")
    var discount: Double = 0.01

    @Option(help: "Consumers listed, highest CLV first.")
    var top: Int = 20

    @Option(help: "Write every customer's figures to this CSV file.")
    var export: String?

    enum Unit: String, ExpressibleByArgument, CaseIterable {
        case day, week
    }

    func run() throws {
        let months: Int
        let text = horizon.hasSuffix("m") ? String(horizon.dropLast()) : horizon
        guard let parsed = Int(text), parsed > 0, parsed <= 120 else {
            throw ValidationError("--horizon takes a number of months from 1 to 120, e.g. 12 or 12m.")
        }
        months = parsed
        guard discount >= 0, discount < 1 else { throw ValidationError("--discount is a monthly rate between 0 and 1, e.g. 0.01.") }
        func day(_ value: String?, _ name: String) throws -> Day? {
            guard let value else { return nil }
            do { return try Day.parse(value) } catch { throw ValidationError("\(name): \(error)") }
        }
        let parameters = CustomerValueParameters(
            calibrationEnd: try day(calibrationEnd, "--calibration-end"), holdoutEnd: try day(holdoutEnd, "--holdout-end"),
            horizonMonths: months, timeScale: unit == .day ? .days : .weeks, monthlyDiscountRate: discount, top: top)
        let workspace = try global.openWorkspace()
        let progress = ProgressLine("snapshot")
        let snapshot = try workspace.buildSnapshot { progress.update($0) }
        progress.finish()
        let report: CustomerValueReport
        do {
            report = try CustomerValueReport.compute(snapshot, parameters)
        } catch {
            Terminal.error("kehu clv: \(error)")
            throw ExitCode(1)
        }
        emit(report, format: output.format)
        if let export {
            var table = TextTable(headers: [
                "consumer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "expected_purchases",
                "expected_spend", "clv",
            ])
            table.rows = report.values.map {
                [
                    "\($0.consumerID)", "\($0.frequency)", "\($0.recency)", "\($0.age)", String(format: "%.2f", $0.monetaryValue),
                    String(format: "%.6f", $0.probabilityAlive), String(format: "%.6f", $0.expectedPurchases),
                    String(format: "%.2f", $0.expectedSpend), String(format: "%.2f", $0.clv),
                ]
            }
            try table.csv().write(toFile: export, atomically: true, encoding: .utf8)
            Terminal.error("wrote \(report.values.count) customers to \(export)")
        }
    }
}
