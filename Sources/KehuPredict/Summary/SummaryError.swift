/// Why purchases or a summary file could not be turned into customer summaries.
///
/// Messages name rows by position (customer index, line number), never by customer id.
public enum SummaryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The observation (holdout) end is before the calibration end.
    case observationEndBeforeCalibrationEnd(calibrationEnd: Int, observationEnd: Int)
    /// The minor-units-per-major-unit factor is not positive.
    case invalidMinorUnits(Int64)
    /// A customer's spend does not fit in 64-bit minor units.
    case spendOverflow(customerIndex: Int)
    /// The summary file could not be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The summary file has no header line.
    case emptyFile
    /// A required column is missing from the header.
    case missingColumn(String)
    /// A line has fewer fields than the header.
    case missingField(line: Int, column: String)
    /// A field is not a number.
    case invalidNumber(line: Int, column: String)
    /// A frequency is not a whole number.
    case nonIntegralFrequency(line: Int)

    /// A readable explanation with the fix.
    public var description: String {
        switch self {
        case .observationEndBeforeCalibrationEnd(let calibrationEnd, let observationEnd):
            return "the observation end (day \(observationEnd)) is before the calibration end (day \(calibrationEnd)): "
                + "the holdout period runs from the day after the calibration end to the observation end, so give a later observation end."
        case .invalidMinorUnits(let value):
            return "minor units per major unit must be positive (100 for yuan/fen or dollars/cents), got \(value)."
        case .spendOverflow(let index):
            return "customer at index \(index): total spend overflows 64-bit minor units; check the amounts for unit mistakes (for example amounts already in minor units multiplied again)."
        case .unreadableFile(let path, let reason):
            return "cannot read the summary file \(path): \(reason). Check the path and permissions."
        case .emptyFile:
            return "the summary file is empty: it needs a header line with frequency,recency,T[,monetary_value] and one line per customer."
        case .missingColumn(let name):
            return "the summary file has no \(name) column: the header must name frequency, recency and T (and monetary_value for spend models)."
        case .missingField(let line, let column):
            return "line \(line): the \(column) field is missing; every line needs as many comma-separated fields as the header."
        case .invalidNumber(let line, let column):
            return "line \(line): \(column) is not a number; write plain decimal numbers such as 3, 12.5 or 1e-3."
        case .nonIntegralFrequency(let line):
            return "line \(line): frequency is not a whole number; frequency counts repeat purchase periods."
        }
    }
}
