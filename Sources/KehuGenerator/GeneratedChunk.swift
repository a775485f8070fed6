import KehuModel

/// One chunk of simulated events with the ground truth behind them.
public struct GeneratedChunk: Sendable {
    /// The events, in consumer order and by time within a consumer.
    public var events: EventBatch
    /// Per event, the index (0-based) of the simulated consumer who produced it: the truth that
    /// identity resolution should recover from the keys.
    public var consumers: [Int32]
}
