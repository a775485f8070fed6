import Foundation
import Testing
import KehuPredict

@Suite struct SummaryCSVTests {
    @Test func parsesColumnsByName() throws {
        // An index column, quoted names, columns out of order, CRLF line ends and a blank line.
        let text = "ID,\"T\",frequency,recency,monetary_value\r\n1,38.86,2,30.43,22.35\r\n\r\n2,38.86,0,0,0\r\n"
        let customers = try SummaryCSV.parse(text)
        #expect(customers == [
            CustomerSummary(frequency: 2, recency: 30.43, age: 38.86, monetaryValue: 22.35),
            CustomerSummary(frequency: 0, recency: 0, age: 38.86, monetaryValue: 0),
        ])
        // Without monetary_value, spend is 0; pandas writes frequencies as 2.0.
        #expect(try SummaryCSV.parse("frequency,recency,T\n2.0,1e1,12\n") == [CustomerSummary(frequency: 2, recency: 10, age: 12)])
    }

    @Test func reportsLineAndColumn() {
        #expect(throws: SummaryError.emptyFile) { try SummaryCSV.parse("") }
        #expect(throws: SummaryError.missingColumn("T")) { try SummaryCSV.parse("frequency,recency\n1,2\n") }
        #expect(throws: SummaryError.invalidNumber(line: 3, column: "recency")) {
            try SummaryCSV.parse("frequency,recency,T\n1,2,3\n1,two,3\n")
        }
        #expect(throws: SummaryError.missingField(line: 2, column: "T")) { try SummaryCSV.parse("frequency,recency,T\n1,2\n") }
        #expect(throws: SummaryError.nonIntegralFrequency(line: 2)) { try SummaryCSV.parse("frequency,recency,T\n1.5,2,3\n") }
        #expect(throws: SummaryError.self) { try SummaryCSV.read(path: "/nonexistent/summary.csv") }
    }

    @Test func readsAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kehu-summary-\(UInt64.random(in: 0 ... .max)).csv").path
        try "frequency,recency,T,monetary_value\n3,20,30,12.5\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SummaryCSV.read(path: path) == [CustomerSummary(frequency: 3, recency: 20, age: 30, monetaryValue: 12.5)])
    }
}

/// Fixtures/synthetic_3000.csv: 3,000 customers drawn from the BG/NBD and Gamma-Gamma processes, in
/// days, by `Benchmarks/peers/lifetimes_peer.py --generate 3000 --seed 11 --write-summary ...`
/// (true r = 0.243, α = 30.9, a = 0.793, b = 2.426, p = 6.25, q = 3.74, v = 15.44). The expected
/// numbers are what lifetimes 0.11.3 fitted on that file in the same run (2026-11-23).
@Suite struct SyntheticPeerTests {
    static func customers() throws -> [CustomerSummary] {
        let url = try #require(Bundle.module.url(forResource: "synthetic_3000", withExtension: "csv", subdirectory: "Fixtures"))
        return try SummaryCSV.read(path: url.path)
    }

    @Test func fitsMatchLifetimes() throws {
        let customers = try Self.customers()
        #expect(customers.count == 3000)
        #expect(customers.filter { $0.frequency > 0 }.count == 1018)

        let bgnbd = try BGNBDParameters.fit(customers)
        #expect(bgnbd.isConverged)
        #expect(close(bgnbd.parameters.r, 0.25824025855513233, relative: 1e-4))
        #expect(close(bgnbd.parameters.alpha, 35.344327836912726, relative: 1e-4))
        #expect(close(bgnbd.parameters.a, 0.7467403255830956, relative: 1e-4))
        #expect(close(bgnbd.parameters.b, 2.130482160945359, relative: 1e-4))
        #expect(close(bgnbd.logLikelihood, -14341.97088851687, relative: 1e-9))

        let spend = try GammaGammaParameters.fit(customers)
        #expect(spend.isConverged)
        #expect(close(spend.parameters.p, 5.624456448649028, relative: 1e-4))
        #expect(close(spend.parameters.q, 3.615496311258059, relative: 1e-4))
        #expect(close(spend.parameters.v, 16.366466686613222, relative: 1e-4))
        #expect(close(spend.logLikelihood, -4397.117843625063, relative: 1e-9))
    }
}
