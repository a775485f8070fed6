/// One chart's worth of data: a name for the legend and one value per category or x label.
public struct Series: Sendable {
    /// The legend name.
    public var name: String
    /// One value per category (bar chart) or x label (line chart); `Double.nan` marks a missing value.
    public var values: [Double]

    /// A series called `name` with one value per category or x label.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}
