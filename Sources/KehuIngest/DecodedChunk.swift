import KehuModel

/// A run of consecutive records of one input, decoded: the good ones as a batch, the bad ones as
/// rejects. Chunks arrive in file order; a record is never split between chunks.
public struct DecodedChunk: Sendable {
    /// The decoded events, in file order. ``EventBatch/source`` holds each event's 1-based line.
    public var batch: EventBatch
    /// The records of this chunk that could not be decoded, in line order.
    public var rejects: [Reject]
    /// Physical lines consumed by this chunk (a quoted field with line breaks spans several).
    public var linesRead: Int64
    /// Bytes consumed by this chunk.
    public var bytesRead: Int64

    /// A chunk from its parts (empty by default, for accumulating with ``append(_:)``).
    public init(batch: EventBatch = EventBatch(), rejects: [Reject] = [], linesRead: Int64 = 0, bytesRead: Int64 = 0) {
        self.batch = batch
        self.rejects = rejects
        self.linesRead = linesRead
        self.bytesRead = bytesRead
    }

    /// Appends a later chunk of the same input.
    /// - Complexity: O(events + distinct strings of `other`).
    public mutating func append(_ other: DecodedChunk) {
        batch.append(contentsOf: other.batch)
        rejects.append(contentsOf: other.rejects)
        linesRead += other.linesRead
        bytesRead += other.bytesRead
    }
}
