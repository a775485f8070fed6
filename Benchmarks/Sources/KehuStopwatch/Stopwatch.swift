/// Elapsed wall time on the monotonic clock.
public struct Stopwatch: Sendable {
    private let started = ContinuousClock.now

    public init() {}

    /// Seconds since the stopwatch was made.
    public var seconds: Double {
        let elapsed = started.duration(to: .now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Runs `body` and returns its result with the seconds it took.
    public static func time<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> (value: T, seconds: Double) {
        let watch = Stopwatch()
        let value = try body()
        return (value, watch.seconds)
    }
}
