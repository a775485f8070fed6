import KehuAnalytics
import KehuModel
import KehuStore

/// One bitmap per condition: single passes over the consumer-major snapshot on all cores, with
/// no allocation per consumer or event. Features that several conditions read (stages, the
/// preferred category, RFM, CLV) come from the snapshot's derived cache.
enum ConditionKernels {
    /// The consumers meeting `condition` as of the end of `day` (every case but `tag` and `clv`,
    /// which ``ExpressionEvaluator`` handles).
    /// - Complexity: stage, preferred category: O(consumers) once the feature is cached; rfm:
    ///   O(RFM consumers); behaviour in a window: O(consumers × log events + events in the window);
    ///   channel, category, member, `first(...)`: O(events up to the day).
    static func evaluate(_ condition: AudienceCondition, _ snapshot: Snapshot, asOf day: Day, within: ConsumerSet?) -> ConsumerSet {
        let n = snapshot.consumerCount
        let calendar = AnalysisCalendar(snapshot)
        let end = calendar.end(of: day)
        func start(_ days: Int) -> Int64 { calendar.window(days: days, ending: day).lowerBound }
        switch condition {
        case .stage(let mask):
            let stages = ActivationFeatures.stages(snapshot, asOf: day)
            return stages.withUnsafeBufferPointer { buffer in
                // One stage byte per consumer: 64 of them make a word without a branch or a call
                // per consumer (the stage array is the first operand of most audiences).
                nonisolated(unsafe) let stages = UnsafeRawBufferPointer(buffer)  // AIPLStage is one UInt8
                let bits = UInt64(mask)
                return ConsumerBitmap.build(capacity: n) { range, words in
                    let base = range.lowerBound
                    let firstWord = base &>> 6
                    for w in 0..<words.count {
                        let start = base &+ w &* 64
                        let end = min(start &+ 64, range.upperBound)
                        var out: UInt64 = 0
                        for c in start..<end { out |= ((bits &>> UInt64(stages[c])) & 1) &<< UInt64(c &- start) }
                        if let within { out &= within.words[firstWord &+ w] }
                        words[w] = out
                    }
                }
            }

        case .rfmSegment(let mask):
            let table = RFMTable.of(snapshot, asOf: day, days: 365)
            var set = ConsumerSet(capacity: n)
            for r in 0..<table.count where mask & (1 << UInt16(table.segment[r].rawValue)) != 0 { set.insert(Int(table.consumer[r])) }
            return within.map { set.intersection($0) } ?? set

        case .rfmClass(let mask):
            let table = RFMTable.of(snapshot, asOf: day, days: 365)
            var set = ConsumerSet(capacity: n)
            for r in 0..<table.count where mask & (1 << table.valueClass[r].rawValue) != 0 { set.insert(Int(table.consumer[r])) }
            return within.map { set.intersection($0) } ?? set

        case .visitor(let days, let mask):
            let purchases = PurchaseIndex.of(snapshot)
            let from = start(days)
            let lookback = Int64(365) * 86_400_000
            return ConsumerBitmap.filter(capacity: n, within: within) { c in
                var i = snapshot.firstEvent(of: c, atOrAfter: from)
                let rowAtStart = i
                let last = Int(snapshot.eventStart[c + 1])
                while i < last && snapshot.ts[i] < end {
                    if snapshot.kind[i] == .view {
                        let k = VisitorClass.classify(
                            snapshot, purchases, consumer: c, visit: snapshot.ts[i], lookback: lookback, firstRowAtOrAfterStart: rowAtStart)
                        return mask & (1 << UInt8(k.rawValue)) != 0
                    }
                    i += 1
                }
                return false
            }

        case .count(let kind, let days, let filters, let op, let value):
            let matcher = EventMatcher(kind: kind, filters: filters, in: snapshot)
            let from = start(days)
            // Counting past value + 1 never changes the answer.
            let limit = value < Int64.max ? value &+ 1 : value
            let recency = ActivationFeatures.recency(snapshot, of: kind)
            let seconds = recency.window(start: from, end: end)
            return scan(snapshot, within, recency, seconds, quiet: op.holds(0, value)) { k, c in
                op.holds(k.countBack(c, matcher, snapshot, start: from, end: end, seconds: seconds, limit: limit), value)
            }

        case .sum(let kind, let days, let filters, let op, let fen):
            let matcher = EventMatcher(kind: kind, filters: filters, in: snapshot)
            let from = start(days)
            let recency = ActivationFeatures.recency(snapshot, of: kind)
            let seconds = recency.window(start: from, end: end)
            return scan(snapshot, within, recency, seconds, quiet: op.holds(0, fen)) { k, c in op.holds(k.sum(c, matcher, snapshot, start: from, end: end, seconds: seconds), fen) }

        case .last(let kind, let filters, let days):
            let matcher = EventMatcher(kind: kind, filters: filters, in: snapshot)
            let from = start(days)
            let recency = ActivationFeatures.recency(snapshot, of: kind)
            let seconds = recency.window(start: from, end: end)
            // A consumer whose last event of the kind is in the window is in without reading rows.
            let decided = matcher.filters.isEmpty
            return scan(snapshot, within, recency, seconds, quiet: false, needsRows: { !decided || !seconds.lastInside($0) }) { k, c in
                k.any(c, matcher, snapshot, start: from, end: end, seconds: seconds, noneBefore: false)
            }

        case .first(let kind, let filters, let days):
            let matcher = EventMatcher(kind: kind, filters: filters, in: snapshot)
            let from = start(days)
            let recency = ActivationFeatures.recency(snapshot, of: kind)
            let seconds = recency.window(start: from, end: end)
            return scan(snapshot, within, recency, seconds, quiet: false) { k, c in
                k.any(c, matcher, snapshot, start: from, end: end, seconds: seconds, noneBefore: true)
            }

        case .field(let field, let values):
            let table = snapshot.dictionaries[field.rawValue]
            var accepts = [Bool](repeating: false, count: max(1, table.codeCount))
            for value in values {
                if let code = table.code(of: value), code != 0 { accepts[Int(code)] = true }
            }
            guard accepts.contains(true) else { return ConsumerSet(capacity: n) }
            let accepted = accepts
            return scan(snapshot, within) { k, c in
                let r = k.rows(c, start: end, end: end)
                let column = snapshot.fields[field.rawValue]
                for i in r.first..<r.upper where accepted[Int(column[i])] { return true }
                return false
            }

        case .preferredCategory(let values):
            let table = snapshot.dictionaries[EventField.category.rawValue]
            var accepts = [Bool](repeating: false, count: max(1, table.codeCount))
            for value in values {
                if let code = table.code(of: value), code != 0 { accepts[Int(code)] = true }
            }
            guard accepts.contains(true) else { return ConsumerSet(capacity: n) }
            let accepted = accepts
            let preferred = ActivationFeatures.preferredCategory(snapshot, asOf: day)
            return ConsumerBitmap.filter(capacity: n, within: within) { c in preferred[c] != 0 && accepted[Int(preferred[c])] }

        case .member:
            return scan(snapshot, within) { k, c in
                let r = k.rows(c, start: end, end: end)
                var i = r.upper
                while i > r.first {
                    i -= 1
                    if k.kind[i] == .memberJoin { return true }
                    if k.kind[i] == .memberLeave { return false }
                }
                return false
            }

        case .tag, .clv:
            preconditionFailure("\(condition) is evaluated by ExpressionEvaluator")
        }
    }

    /// The consumers (of `within`, when given) for which `test` holds, with an event-window kernel
    /// per partition. Inlined with a non-escaping `test`, so each condition's loop is compiled
    /// with its test in it rather than calling a closure per consumer.
    @inline(__always)
    private static func scan(
        _ snapshot: Snapshot, _ within: ConsumerSet?, _ test: @Sendable (EventWindowKernel, Int) -> Bool
    ) -> ConsumerSet {
        ConsumerBitmap.build(capacity: snapshot.consumerCount) { range, words in
            EventWindowKernel.with(snapshot, recency: nil) { kernel in
                ConsumerBitmap.fill(range, words, within: within) { c in test(kernel, c) }
            }
        }
    }

    /// ``scan(_:_:_:)`` for a condition on one kind in `window`: only consumers whose last event
    /// of the kind (`recency`) can be in the window are tested, and their rows are prefetched
    /// a word of consumers ahead; the others get `quiet`, the condition's answer for a consumer
    /// with no such event (``EventWindowKernel/fill(_:_:within:window:quiet:needsRows:_:)``).
    @inline(__always)
    private static func scan(
        _ snapshot: Snapshot, _ within: ConsumerSet?, _ recency: KindRecency, _ window: KindRecency.Window, quiet: Bool,
        needsRows: @Sendable (UInt32) -> Bool = { _ in true }, _ test: @Sendable (EventWindowKernel, Int) -> Bool
    ) -> ConsumerSet {
        ConsumerBitmap.build(capacity: snapshot.consumerCount) { range, words in
            EventWindowKernel.with(snapshot, recency: recency) { kernel in
                kernel.fill(range, words, within: within, window: window, quiet: quiet, needsRows: needsRows) { c in test(kernel, c) }
            }
        }
    }

    /// A rough cost rank, cheapest first: `and` evaluates its cheaper operands first and the
    /// dearer ones only on the consumers still selected.
    static func cost(_ condition: AudienceCondition) -> Int {
        switch condition {
        case .tag, .stage, .rfmSegment, .rfmClass, .clv, .preferredCategory: 0
        case .count, .sum, .last, .visitor: 1
        case .first, .field, .member: 2
        }
    }
}
