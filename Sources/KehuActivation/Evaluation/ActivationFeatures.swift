import KehuAnalytics
import KehuModel
import KehuStore

/// Per-consumer features that many tags and audiences read, derived once per snapshot and
/// evaluation day and kept in the snapshot's ``DerivedCache`` (stages, preferred category, CLV).
enum ActivationFeatures {
    /// When each dense consumer last had an event of `kind` (``KindRecency``): a window
    /// condition on that kind skips a consumer with none in the window after one sequential
    /// 4-byte read, instead of walking its rows in the event columns.
    /// - Complexity: O(events) the first time per snapshot and kind (each consumer's rows are
    ///   read backwards up to its last event of the kind), on all cores; 4 bytes per consumer.
    static func recency(_ snapshot: Snapshot, of kind: EventKind) -> KindRecency {
        snapshot.derived.value("Activation.recency.\(kind.rawValue)") { () -> KindRecency in
            let base = KindRecency.base(of: snapshot)
            let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [UInt32] in
                snapshot.ts.withUnsafeBufferPointer { ts in
                    snapshot.kind.withUnsafeBufferPointer { kinds in
                        snapshot.eventStart.withUnsafeBufferPointer { start in
                            [UInt32](unsafeUninitializedCapacity: range.count) { out, initialized in
                                for c in range {
                                    let first = Int(start[c])
                                    var i = Int(start[c &+ 1])
                                    var seen: UInt32 = 0
                                    while i > first {
                                        i &-= 1
                                        if kinds[i] == kind {
                                            seen = KindRecency.encode(ts[i], base: base)
                                            break
                                        }
                                    }
                                    out[c &- range.lowerBound] = seen
                                }
                                initialized = range.count
                            }
                        }
                    }
                }
            }
            return KindRecency(base: base, lastSecond: parts.count == 1 ? parts[0] : Array(parts.joined()))
        }
    }

    /// AIPL stage per dense consumer as of the end of `day` (``AIPLStages/compute(_:asOf:rules:)``).
    /// - Complexity: O(events in the A/I windows + paid orders) on all cores the first time per day.
    static func stages(_ snapshot: Snapshot, asOf day: Day) -> [AIPLStage] {
        // Derived values are built one key at a time: build the purchase index first.
        _ = PurchaseIndex.of(snapshot)
        return snapshot.derived.value("Activation.stages.\(day.index)") { AIPLStages.compute(snapshot, asOf: day) }
    }

    /// The preferred category code per dense consumer as of the end of `day` (0 = none): the
    /// category with the most `pay` events in the 365 days ending `day`; a consumer with no paid
    /// category there falls back to the category with the most `view` events in those days. Ties
    /// go to the category of the more recent event.
    /// - Complexity: O(events in the 365 days × categories per consumer) the first time per day.
    static func preferredCategory(_ snapshot: Snapshot, asOf day: Day) -> [UInt32] {
        return snapshot.derived.value("Activation.preferredCategory.\(day.index)") {
            let calendar = AnalysisCalendar(snapshot)
            let window = calendar.window(days: 365, ending: day)
            let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [UInt32] in
                var out = [UInt32](repeating: 0, count: range.count)
                var codes: [UInt32] = []
                var counts: [Int] = []
                EventWindowKernel.with(snapshot, recency: nil) { k in
                    for c in range {
                        let r = k.rows(c, start: window.lowerBound, end: window.upperBound)
                        for wanted in [EventKind.pay, .view] {
                            codes.removeAll(keepingCapacity: true)
                            counts.removeAll(keepingCapacity: true)
                            // Backwards: the first time a category is seen is its most recent event.
                            var i = r.upper
                            while i > r.lower {
                                i &-= 1
                                guard k.kind[i] == wanted else { continue }
                                let code = snapshot.fields[EventField.category.rawValue][i]
                                guard code != 0 else { continue }
                                if let slot = codes.firstIndex(of: code) { counts[slot] += 1 } else {
                                    codes.append(code)
                                    counts.append(1)
                                }
                            }
                            guard !codes.isEmpty else { continue }
                            var best = 0
                            for slot in 1..<codes.count where counts[slot] > counts[best] { best = slot }
                            out[c - range.lowerBound] = codes[best]
                            break
                        }
                    }
                }
                return out
            }
            return parts.flatMap { $0 }
        }
    }

    /// 12-month CLV in yuan per dense consumer with calibration end `day` (NaN for consumers
    /// without a paid order by then), from ``CustomerValueReport`` with its defaults.
    /// - Throws: ``CustomerValueError`` when the models cannot be fitted.
    static func clv(_ snapshot: Snapshot, asOf day: Day) throws -> [Double] {
        _ = PurchaseIndex.of(snapshot)
        _ = stages(snapshot, asOf: day)
        _ = RFMTable.of(snapshot, asOf: day, days: 365)
        return try snapshot.derived.value("Activation.clv.\(day.index)") { () throws -> [Double] in
            let report = try CustomerValueReport.compute(snapshot, CustomerValueParameters(calibrationEnd: day))
            var values = [Double](repeating: .nan, count: snapshot.consumerCount)
            for value in report.values {
                if let c = snapshot.denseIndex(ofConsumer: value.consumerID) { values[c] = value.clv }
            }
            return values
        }
    }
}

/// Each dense consumer's last event of one kind, to the second: `lastSecond[c]` is 0 when the
/// consumer has none, else 1 + the whole seconds from ``base`` to that event (saturating at
/// `UInt32.max`, which no test treats as known). Seconds, not milliseconds, keep it to 4 bytes a
/// consumer; the tests below are exact anyway, or answer "look at the rows".
struct KindRecency: Sendable {
    /// A whole second at or before the snapshot's first event (UTC ms).
    let base: Int64
    let lastSecond: [UInt32]

    static func base(of snapshot: Snapshot) -> Int64 {
        let first = snapshot.ts.min() ?? 0
        return floorDivide(first, 1000) &* 1000
    }

    static func encode(_ ts: Int64, base: Int64) -> UInt32 {
        let seconds = (ts &- base) / 1000  // ts >= base
        return seconds >= Int64(UInt32.max) - 1 ? UInt32.max : UInt32(seconds &+ 1)
    }

    /// The bounds a window `[start, end)` (UTC ms) becomes, for ``Window`` tests.
    func window(start: Int64, end: Int64) -> Window {
        let s = start &- base
        let e = end &- base
        return Window(floorStart: floorDivide(s, 1000), ceilStart: -floorDivide(-s, 1000), floorEnd: floorDivide(e, 1000))
    }

    /// A window as bounds on encoded values. With `x` the last event's offset in ms and
    /// `sec = floor(x / 1000)` (encoded `sec + 1`): `sec < floor(s / 1000)` proves `x < s` (no
    /// event of the kind in or after the window); `sec >= ceil(s / 1000)` and
    /// `sec + 1 <= floor(e / 1000)` prove `s <= x < e` (one is in the window). 0 (none) is below
    /// every bound and `UInt32.max` (saturated) above, so each test is one or two compares.
    struct Window: Sendable {
        /// Encoded values below this prove nothing of the kind at or after the start.
        let noneBelow: UInt32
        /// Encoded values in `insideLow...insideHigh` prove the last event is in the window.
        let insideLow: UInt32
        let insideHigh: UInt32

        init(floorStart: Int64, ceilStart: Int64, floorEnd: Int64) {
            func clamp(_ x: Int64, _ low: UInt32, _ high: UInt32) -> UInt32 { UInt32(min(max(x, Int64(low)), Int64(high))) }
            noneBelow = clamp(floorStart &+ 1, 1, .max)
            insideLow = clamp(ceilStart &+ 1, 1, .max)
            insideHigh = clamp(floorEnd, 0, .max - 1)
        }

        /// True when the encoded last event `v` proves no event of the kind at or after the start.
        @inline(__always)
        func noneSince(_ v: UInt32) -> Bool { v < noneBelow }

        /// True when `v` proves the last event of the kind is in the window.
        @inline(__always)
        func lastInside(_ v: UInt32) -> Bool { v >= insideLow && v <= insideHigh }
    }
}

@inline(__always)
private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q &- 1 : q
}
