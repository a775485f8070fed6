import KehuAnalytics
import KehuModel
import KehuStore

/// Per-consumer features that many tags and audiences read, derived once per snapshot and
/// evaluation day and kept in the snapshot's ``DerivedCache`` (stages, preferred category, CLV).
enum ActivationFeatures {
    /// The time (UTC ms) of each dense consumer's last event, `Int64.min` for none: a window
    /// scan skips a consumer whose last event is before the window without reading its rows
    /// (one sequential 8-byte read instead of two reads far apart in the event columns).
    /// - Complexity: O(consumers) once per snapshot.
    static func lastEventTime(_ snapshot: Snapshot) -> [Int64] {
        snapshot.derived.value("Activation.lastEventTime") { () -> [Int64] in
            let n = snapshot.consumerCount
            return [Int64](unsafeUninitializedCapacity: n) { out, initialized in
                snapshot.ts.withUnsafeBufferPointer { ts in
                    snapshot.eventStart.withUnsafeBufferPointer { start in
                        for c in 0..<n {
                            let last = Int(start[c &+ 1])
                            out[c] = last > Int(start[c]) ? ts[last &- 1] : Int64.min
                        }
                    }
                }
                initialized = n
            }
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
        // Derived values are built one key at a time: build the one the kernel reads first.
        let lastEventTime = lastEventTime(snapshot)
        return snapshot.derived.value("Activation.preferredCategory.\(day.index)") {
            let calendar = AnalysisCalendar(snapshot)
            let window = calendar.window(days: 365, ending: day)
            let parts = ConsumerPartitions.map(snapshot, partitions: 8) { range -> [UInt32] in
                var out = [UInt32](repeating: 0, count: range.count)
                var codes: [UInt32] = []
                var counts: [Int] = []
                EventWindowKernel.with(snapshot, lastEventTime: lastEventTime) { k in
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
