import Foundation
import KehuPredict

/// The CDNOW sample shipped with lifetimes (Fixtures/CDNOW_sample.txt), as purchases.
enum CDNOWFixture {
    /// 1997-09-30, the end of Fader & Hardie's 39-week calibration period.
    static let calibrationEnd = days(year: 1997, month: 9, day: 30)
    /// 1998-06-30, the end of the 39-week holdout.
    static let observationEnd = days(year: 1998, month: 6, day: 30)

    /// Every line as a purchase; the customer is the sample's own id (second column, 1...2357).
    static let purchases: [Purchase<Int>] = {
        guard let url = Bundle.module.url(forResource: "CDNOW_sample", withExtension: "txt", subdirectory: "Fixtures"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("Fixtures/CDNOW_sample.txt is missing from the test bundle") }
        return text.split(whereSeparator: \.isNewline).map { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let date = Int(fields[2])!
            return Purchase(
                customer: Int(fields[1])!,
                day: days(year: date / 10_000, month: date / 100 % 100, day: date % 100),
                amountMinorUnits: cents(fields[4])
            )
        }
    }()

    /// "29.33" -> 2933, "8" -> 800, "9.5" -> 950: exact, no floating point.
    static func cents(_ text: Substring) -> Int64 {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let whole = Int64(parts[0])! * 100
        guard parts.count == 2 else { return whole }
        let fraction = String(parts[1].prefix(2)).padding(toLength: 2, withPad: "0", startingAt: 0)
        return whole + Int64(fraction)!
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calibration/holdout summaries in weeks (days / 7), the Fader & Hardie convention.
    static func summaries(_ scale: SummaryTimeScale = .weeks) throws -> [CalibrationHoldoutCustomer<Int>] {
        try CustomerSummary.calibrationAndHoldout(
            purchases, calibrationEnd: calibrationEnd, observationEnd: observationEnd, timeScale: scale
        )
    }
}

/// Whether two numbers agree when both are rounded to `digits` significant digits.
func sameToSignificantDigits(_ value: Double, _ expected: Double, _ digits: Int = 3) -> Bool {
    func rounded(_ x: Double) -> Double {
        guard x != 0 else { return 0 }
        let scale = pow(10, Double(digits - 1) - floor(log10(abs(x))))
        return (x * scale).rounded() / scale
    }
    return rounded(value) == rounded(expected)
}

/// |value - expected| ≤ tolerance · |expected|.
func close(_ value: Double, _ expected: Double, relative tolerance: Double) -> Bool {
    abs(value - expected) <= tolerance * abs(expected)
}
