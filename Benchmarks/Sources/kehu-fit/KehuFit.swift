import ArgumentParser
import Foundation
import KehuPredict
import KehuWorkloads

/// Fits BG/NBD and Gamma-Gamma with KehuPredict on a customer-summary CSV (the file
/// `Benchmarks/peers/lifetimes_peer.py --write-summary` writes), times each fit and prints one
/// JSON object: parameters, log-likelihoods, iterations and wall times. `Benchmarks/run-clv.sh`
/// runs it beside lifetimes on the identical file.
@main
struct KehuFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kehu-fit",
        abstract: "Fit BG/NBD + Gamma-Gamma on a summary CSV with KehuPredict; print parameters and timings as JSON.")

    @Argument(help: ArgumentHelp("Summary CSV: frequency,recency,T,monetary_value (any order, a header).", valueName: "file"))
    var summary: String

    @Option(help: "Timed fits of each model; the best and the median are reported.")
    var repeats: Int = 5

    @Flag(help: "Evaluate the likelihood on one core only (FitOptions.allowsParallelEvaluation = false).")
    var serial = false

    struct Timing: Codable {
        var seconds: [Double]
        var best: Double
        var median: Double

        init(_ seconds: [Double]) {
            self.seconds = seconds
            let sorted = seconds.sorted()
            best = sorted[0]
            median = sorted.count % 2 == 1
                ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    struct BGNBDResult: Codable {
        var r: Double
        var alpha: Double
        var a: Double
        var b: Double
        var logLikelihood: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var gradientNorm: Double
        var customers: Int
        var distinctRows: Int
        var fit: Timing
    }

    struct GammaGammaResult: Codable {
        var p: Double
        var q: Double
        var v: Double
        var logLikelihood: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var gradientNorm: Double
        var customers: Int
        var distinctRows: Int
        var fit: Timing
    }

    struct Result: Codable {
        var file: String
        var customers: Int
        var repeatCustomers: Int
        var readSeconds: Double
        var parallel: Bool
        var cores: Int
        var bgnbd: BGNBDResult
        var gammaGamma: GammaGammaResult
        /// Repeat customers without positive spend, left out of the Gamma-Gamma fit.
        var leftOutWithoutPositiveSpend: Int
        /// Best BG/NBD + best Gamma-Gamma.
        var bothBestSeconds: Double
    }

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, got \(repeats).") }
    }

    func run() throws {
        let (customers, readSeconds) = try Stopwatch.time { () throws(SummaryError) in try SummaryCSV.read(path: summary) }
        let options = FitOptions(allowsParallelEvaluation: !serial)
        // Gamma-Gamma needs positive spend; as lifetimes_peer.py does, repeat customers whose
        // repeat purchases were all free are left out of that fit (KehuPredict would name them as
        // an error), and counted.
        let spenders = customers.filter { $0.frequency == 0 || $0.monetaryValue > 0 }
        let leftOut = customers.count - spenders.count
        var bgnbdSeconds: [Double] = []
        var spendSeconds: [Double] = []
        var bgnbd: ModelFit<BGNBDParameters>?
        var spend: ModelFit<GammaGammaParameters>?
        for _ in 0..<repeats {
            let fitted = try Stopwatch.time { () throws(FitError) in try BGNBDParameters.fit(customers, options: options) }
            bgnbd = fitted.value
            bgnbdSeconds.append(fitted.seconds)
            let spent = try Stopwatch.time { () throws(FitError) in try GammaGammaParameters.fit(spenders, options: options) }
            spend = spent.value
            spendSeconds.append(spent.seconds)
        }
        guard let bgnbd, let spend else { return }
        let result = Result(
            file: summary,
            customers: customers.count,
            repeatCustomers: customers.count { $0.frequency > 0 },
            readSeconds: readSeconds,
            parallel: !serial,
            cores: ProcessInfo.processInfo.activeProcessorCount,
            bgnbd: BGNBDResult(
                r: bgnbd.parameters.r, alpha: bgnbd.parameters.alpha, a: bgnbd.parameters.a, b: bgnbd.parameters.b,
                logLikelihood: bgnbd.logLikelihood, iterations: bgnbd.iterations, evaluations: bgnbd.evaluations,
                converged: bgnbd.isConverged, gradientNorm: bgnbd.gradientNorm, customers: bgnbd.customerCount,
                distinctRows: bgnbd.distinctRowCount, fit: Timing(bgnbdSeconds)),
            gammaGamma: GammaGammaResult(
                p: spend.parameters.p, q: spend.parameters.q, v: spend.parameters.v,
                logLikelihood: spend.logLikelihood, iterations: spend.iterations, evaluations: spend.evaluations,
                converged: spend.isConverged, gradientNorm: spend.gradientNorm, customers: spend.customerCount,
                distinctRows: spend.distinctRowCount, fit: Timing(spendSeconds)),
            leftOutWithoutPositiveSpend: leftOut,
            bothBestSeconds: (bgnbdSeconds.min() ?? 0) + (spendSeconds.min() ?? 0))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }
}
