/// One chart's worth of data: a name for the legend and one value per category or x label.
public struct Series: Sendable {
    /// The legend name.
    public var name: String
    /// One value per category (bar chart) or x label (line chart); `Double.nan` marks a missing value.
    public var values: [Double]
    /// An interval per value (e.g. a 95% confidence interval), drawn by ``BarChart`` as a
    /// whisker on vertical, side-by-side bars; nil (or a nil element) draws none.
    public var intervals: [ClosedRange<Double>?]?

    /// A series called `name` with one value per category or x label, and optionally an
    /// interval per value.
    public init(name: String, values: [Double], intervals: [ClosedRange<Double>?]? = nil) {
        precondition(intervals == nil || intervals!.count == values.count, "Series \"\(name)\": one interval per value")
        self.name = name
        self.values = values
        self.intervals = intervals
    }

    /// The interval of value `i`, when one is given and finite.
    func interval(_ i: Int) -> ClosedRange<Double>? {
        guard let range = intervals?[i], range.lowerBound.isFinite, range.upperBound.isFinite else { return nil }
        return range
    }
}
