import KehuModel

extension Workspace {
    /// The fingerprint of every event in the registered segments, one per stored row (an event
    /// stored twice would appear twice). Crash and load checks count acknowledged `messageId`s
    /// in it: `EventFingerprint(eventID:)` of an id is its stored fingerprint.
    /// - Complexity: O(stored events); reads only the fingerprint blocks.
    public func storedFingerprints() throws(StoreError) -> [EventFingerprint] {
        var out: [EventFingerprint] = []
        for segment in try segments() {
            let (high, low) = try SegmentReader.fingerprints(path: segmentPath(segment.file))
            out.reserveCapacity(out.count + high.count)
            for i in 0..<high.count { out.append(EventFingerprint(high: high[i], low: low[i])) }
        }
        return out
    }
}
