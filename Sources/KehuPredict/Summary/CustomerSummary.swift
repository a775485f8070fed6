/// What the models need to know about one customer at the end of a calibration period
/// (the "RFM" summary of Fader, Hardie & Lee).
///
/// Times are in one unit of your choice (days, weeks, ...) used for every customer; the fitted
/// BG/NBD rate parameter α is then in that unit, and horizons passed to the predictions must be
/// too. ``CustomerSummary/summarize(_:calibrationEnd:timeScale:minorUnitsPerMajorUnit:)`` builds
/// these from purchases the way the Python `lifetimes` library does.
public struct CustomerSummary: Sendable, Hashable, Codable {
    /// Number of repeat purchase periods, x: periods (days or weeks) with a purchase, minus the
    /// first one.
    public var frequency: Int
    /// Time from the first to the last purchase period, t_x; 0 when ``frequency`` is 0.
    public var recency: Double
    /// Time from the first purchase period to the end of calibration, T (the customer's age).
    public var age: Double
    /// Average spend per repeat purchase period, in major currency units (for example yuan):
    /// the mean of the per-period totals after the first period. 0 when ``frequency`` is 0.
    public var monetaryValue: Double

    /// A summary from its four numbers.
    public init(frequency: Int, recency: Double, age: Double, monetaryValue: Double = 0) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
    }
}
