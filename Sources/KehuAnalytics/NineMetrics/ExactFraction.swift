/// A non-negative fraction of 64-bit integers in lowest terms, so that reconciliations such as
/// traffic × conversion × AOV = GMV are checked exactly instead of up to floating-point error.
public struct ExactFraction: Sendable, Hashable, Codable {
    public let numerator: Int64
    public let denominator: Int64

    /// `numerator / denominator`, reduced; nil when the denominator is 0 or either is negative.
    public init?(_ numerator: Int64, _ denominator: Int64) {
        guard denominator > 0, numerator >= 0 else { return nil }
        let g = Self.gcd(numerator, denominator)
        self.numerator = numerator / g
        self.denominator = denominator / g
    }

    public init(_ whole: Int64) {
        numerator = max(0, whole)
        denominator = 1
    }

    /// The product, cancelling across before multiplying; nil if it does not fit in 64 bits.
    public func times(_ other: ExactFraction) -> ExactFraction? {
        let g1 = Self.gcd(numerator, other.denominator)
        let g2 = Self.gcd(other.numerator, denominator)
        let (n, o1) = (numerator / g1).multipliedReportingOverflow(by: other.numerator / g2)
        let (d, o2) = (denominator / g2).multipliedReportingOverflow(by: other.denominator / g1)
        guard !o1, !o2 else { return nil }
        return ExactFraction(n, d)
    }

    /// The whole number this fraction equals, or nil when it is not whole.
    public var whole: Int64? { denominator == 1 ? numerator : nil }

    /// Rounded half up to a whole number (e.g. an AOV shown to the fen).
    public var roundedHalfUp: Int64 { numerator / denominator + (numerator % denominator >= denominator - numerator % denominator ? 1 : 0) }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }
}
