import KehuStore

#if canImport(Glibc)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// What building a snapshot costs: its time, the bytes its arrays hold, and how much the
/// process's resident memory grew across the build (after, with the snapshot alive) and at its
/// peak (during, with the build's scratch arrays).
public struct SnapshotMeasurement: Sendable, Codable {
    public var events: Int
    public var consumers: Int
    public var segments: Int
    public var seconds: Double
    /// `Snapshot.byteCount`.
    public var snapshotBytes: Int
    public var snapshotBytesPerEvent: Double
    /// Resident bytes just before the build (workspace open) and just after it (snapshot alive).
    public var residentBefore: Int
    public var residentAfter: Int
    public var residentGrowthBytes: Int
    public var residentGrowthPerEvent: Double
    /// Resident growth once the allocator has handed its free pages back (`malloc_trim(0)`),
    /// snapshot still alive: what remains is the snapshot plus allocator fragmentation, so the
    /// gap to ``residentGrowthBytes`` is freed build scratch that glibc kept for reuse.
    public var residentGrowthAfterTrimBytes: Int
    public var residentGrowthAfterTrimPerEvent: Double
    /// The highest resident size during the build (the larger of `VmHWM` and a 5 ms sampler,
    /// see ``ResidentSampler``), less `residentBefore`.
    public var peakGrowthBytes: Int
    public var peakGrowthPerEvent: Double

    /// Builds the snapshot of a workspace once and measures it. The snapshot is returned so the
    /// caller decides when it goes (it is alive when `residentAfter` is read).
    public static func measure(dataDirectory: String, workspace name: String = "default") throws -> (SnapshotMeasurement, Snapshot) {
        let workspace = try Workspace(dataDirectory: dataDirectory, name: name, create: false)
        let segments = try workspace.segments().count
        // Free pages the allocator kept from earlier work (a previous build in the same process)
        // go back first, so the growth counts this build's pages, not reuse of old ones.
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
        ResidentMemory.resetPeak()
        let before = ResidentMemory.current() ?? 0
        let sampler = ResidentSampler()
        let (snapshot, seconds) = try Stopwatch.time { () throws(StoreError) in try workspace.buildSnapshot() }
        let sampled = sampler.stop()
        let after = ResidentMemory.current() ?? 0
        let peak = max(ResidentMemory.peak() ?? after, sampled, after)
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
        let trimmed = ResidentMemory.current() ?? after
        let events = max(1, snapshot.eventCount)
        let measurement = SnapshotMeasurement(
            events: snapshot.eventCount, consumers: snapshot.consumerCount, segments: segments, seconds: seconds,
            snapshotBytes: snapshot.byteCount, snapshotBytesPerEvent: Double(snapshot.byteCount) / Double(events),
            residentBefore: before, residentAfter: after, residentGrowthBytes: after - before,
            residentGrowthPerEvent: Double(after - before) / Double(events),
            residentGrowthAfterTrimBytes: trimmed - before, residentGrowthAfterTrimPerEvent: Double(trimmed - before) / Double(events),
            peakGrowthBytes: peak - before,
            peakGrowthPerEvent: Double(peak - before) / Double(events))
        return (measurement, snapshot)
    }
}
