import CKehuPrefetch
import KehuModel
import KehuStore

/// Which events a behaviour condition looks at: one kind, and optionally codes per field.
struct EventMatcher: Sendable {
    let kind: EventKind
    /// Per filter: the field and a table over its codes (true = the event passes).
    let filters: [(field: EventField, accepts: [Bool])]

    /// Resolves filter values to the snapshot's codes; a value the snapshot never saw matches nothing.
    init(kind: EventKind, filters: [EventFilter], in snapshot: Snapshot) {
        self.kind = kind
        self.filters = filters.map { filter in
            let table = snapshot.dictionaries[filter.field.rawValue]
            var accepts = [Bool](repeating: false, count: max(1, table.codeCount))
            for value in filter.values {
                if let code = table.code(of: value), code != 0 { accepts[Int(code)] = true }
            }
            return (filter.field, accepts)
        }
    }

    /// Whether the filters pass for event `i` (the kind is checked by the caller).
    @inline(__always)
    func passesFilters(_ snapshot: Snapshot, _ i: Int) -> Bool {
        for filter in filters where !filter.accepts[Int(snapshot.fields[filter.field.rawValue][i])] { return false }
        return true
    }
}

/// The per-consumer scans of the behaviour conditions over raw views of the snapshot's time and
/// kind columns. Valid only inside ``with(_:_:)``; it holds buffer pointers and must not escape.
struct EventWindowKernel {
    let ts: UnsafeBufferPointer<Int64>
    let kind: UnsafeBufferPointer<EventKind>
    let eventStart: UnsafeBufferPointer<UInt32>
    /// Each consumer's last event of the condition's kind (``KindRecency/lastSecond``); empty
    /// for kernels that only use ``rows(_:start:end:)``.
    let lastSecond: UnsafeBufferPointer<UInt32>
    let amounts: AmountView

    static func with<R>(_ snapshot: Snapshot, recency: KindRecency?, _ body: (EventWindowKernel) -> R) -> R {
        snapshot.ts.withUnsafeBufferPointer { ts in
            snapshot.kind.withUnsafeBufferPointer { kind in
                snapshot.eventStart.withUnsafeBufferPointer { eventStart in
                    (recency?.lastSecond ?? []).withUnsafeBufferPointer { lastSecond in
                        snapshot.commerce.withAmounts { amounts in
                            body(EventWindowKernel(ts: ts, kind: kind, eventStart: eventStart, lastSecond: lastSecond, amounts: amounts))
                        }
                    }
                }
            }
        }
    }

    /// Sets the bits of the consumers of `range` (a partition from
    /// ``ConsumerBitmap/build(capacity:partitions:_:)``) that are in `within` (every one when nil)
    /// and pass `test`, for a condition on one kind in `window`. `quiet` is the answer for a
    /// consumer with no event of the kind at or after the window's start (`count(...) = 0` holds
    /// for them, `count(...) >= 2` does not), which is given without calling `test`.
    ///
    /// A word of 64 consumers at a time: first the candidates whose last event of the kind can
    /// be in the window (a branch-free pass over ``lastSecond``), then `test` on each. The rows of
    /// the next word's candidates are prefetched while this word's are tested: candidates are
    /// scattered over the event columns, and a load of each one's rows in turn would stall on
    /// memory for every consumer. `needsRows(v)` says whether a candidate with encoded last event
    /// `v` will read its rows (false when the recency alone answers).
    @inline(__always)
    func fill(
        _ range: Range<Int>, _ words: UnsafeMutableBufferPointer<UInt64>, within: ConsumerSet?, window: KindRecency.Window,
        quiet: Bool, needsRows: (UInt32) -> Bool, _ test: (Int) -> Bool
    ) {
        let base = range.lowerBound
        let firstWord = base &>> 6
        /// The word's consumers (in `within`) and those of them that may have an event in the window.
        func candidates(_ w: Int) -> (all: UInt64, may: UInt64) {
            let start = base &+ w &* 64
            let count = min(64, range.upperBound &- start)
            let all = within?.words[firstWord &+ w] ?? (count == 64 ? ~0 : (1 &<< UInt64(count)) &- 1)
            if all == 0 { return (0, 0) }
            var may: UInt64 = 0
            let below = window.noneBelow
            for bit in 0..<count {
                let bit1: UInt64 = lastSecond[start &+ bit] < below ? 0 : 1
                may |= bit1 &<< UInt64(bit)
            }
            return (all, may & all)
        }
        func prefetch(_ w: Int, _ bits: UInt64) {
            let start = base &+ w &* 64
            var bits = bits
            while bits != 0 {
                let c = start &+ bits.trailingZeroBitCount
                bits &= bits &- 1
                guard needsRows(lastSecond[c]) else { continue }
                let last = Int(eventStart[c &+ 1]) &- 1
                kehu_prefetch(ts.baseAddress! + last)
                kehu_prefetch(kind.baseAddress! + last)
            }
        }
        guard !words.isEmpty else { return }
        var current = candidates(0)
        prefetch(0, current.may)
        for w in 0..<words.count {
            let next = w &+ 1 < words.count ? candidates(w &+ 1) : (all: 0, may: 0)
            if next.may != 0 { prefetch(w &+ 1, next.may) }
            let start = base &+ w &* 64
            var out: UInt64 = quiet ? current.all & ~current.may : 0
            var bits = current.may
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                if test(start &+ bit) { out |= 1 &<< UInt64(bit) }
                bits &= bits &- 1
            }
            words[w] = out
            current = next
        }
    }

    /// The first row in `low..<high` at or after `instant`.
    @inline(__always)
    func firstRow(_ low: Int, _ high: Int, atOrAfter instant: Int64) -> Int {
        var low = low
        var high = high
        while low < high {
            let mid = (low &+ high) &>> 1
            if ts[mid] < instant { low = mid &+ 1 } else { high = mid }
        }
        return low
    }

    /// Rows walked back from the window's end before a binary search takes over.
    static let walkLimit = 24

    /// Consumer `c`'s rows: all of them, those before `end`, and those in `[start, end)`.
    ///
    /// The window's first row is found by walking back from its end: a window usually holds a
    /// few of a consumer's events, and the walk's branches are predictable where a binary
    /// search's are not (half of its steps mispredict); after ``walkLimit`` rows still inside
    /// the window, a binary search over the rest finds it.
    @inline(__always)
    func rows(_ c: Int, start: Int64, end: Int64) -> (first: Int, lower: Int, upper: Int) {
        let first = Int(eventStart[c])
        let last = Int(eventStart[c &+ 1])
        if first == last { return (first, first, first) }
        // Most consumers have no event after an evaluation day near the end of the data.
        let upper = ts[last &- 1] < end ? last : firstRow(first, last, atOrAfter: end)
        var lower = upper
        var steps = 0
        while lower > first && ts[lower &- 1] >= start {
            lower &-= 1
            steps &+= 1
            if steps == Self.walkLimit {
                // ts[lower] >= start: the first row at or after start is in first...lower.
                lower = firstRow(first, lower, atOrAfter: start)
                break
            }
        }
        return (first, lower, upper)
    }

    /// The number of events of consumer `c` in `[start, end)` that match, stopping at `limit`: one
    /// pass backwards from the window's end, which finds the window's first row and counts on the
    /// way (a window usually holds few of a consumer's events, and the newest are read first).
    @inline(__always)
    func countBack(
        _ c: Int, _ m: EventMatcher, _ snapshot: Snapshot, start: Int64, end: Int64, seconds: KindRecency.Window, limit: Int64
    ) -> Int64 {
        if seconds.noneSince(lastSecond[c]) { return 0 }
        let first = Int(eventStart[c])
        var i = Int(eventStart[c &+ 1])
        // Rows at or after the end are outside (most consumers have none after the evaluation day).
        if ts[i &- 1] >= end { i = firstRow(first, i, atOrAfter: end) }
        var n: Int64 = 0
        let k = m.kind
        if m.filters.isEmpty {
            while i > first {
                i &-= 1
                if ts[i] < start { break }
                n &+= kind[i] == k ? 1 : 0
                if n >= limit { break }
            }
        } else {
            while i > first {
                i &-= 1
                if ts[i] < start { break }
                if kind[i] == k && m.passesFilters(snapshot, i) {
                    n &+= 1
                    if n >= limit { break }
                }
            }
        }
        return n
    }

    /// The sum in fen of the amounts of consumer `c`'s matching events in `[start, end)`
    /// (unknown amounts add 0). `seconds` is the window for ``lastSecond``.
    @inline(__always)
    func sum(_ c: Int, _ m: EventMatcher, _ snapshot: Snapshot, start: Int64, end: Int64, seconds: KindRecency.Window) -> Int64 {
        if seconds.noneSince(lastSecond[c]) { return 0 }
        let first = Int(eventStart[c])
        let last = Int(eventStart[c &+ 1])
        let upper = ts[last &- 1] < end ? last : firstRow(first, last, atOrAfter: end)
        // A binary search for the window's start (a year's window holds many of a heavy buyer's
        // events), then only the rows with an amount, a word of rows at a time.
        let lower = firstRow(first, upper, atOrAfter: start)
        let k = m.kind
        return amounts.sum(lower..<upper) { i in kind[i] == k && (m.filters.isEmpty || m.passesFilters(snapshot, i)) }
    }

    /// Whether consumer `c` has a matching event in `[start, end)`; with `noneBefore`, also none
    /// before `start`. `seconds` is the window for ``lastSecond``.
    @inline(__always)
    func any(
        _ c: Int, _ m: EventMatcher, _ snapshot: Snapshot, start: Int64, end: Int64, seconds: KindRecency.Window, noneBefore: Bool
    ) -> Bool {
        let last = lastSecond[c]
        if seconds.noneSince(last) { return false }
        // The consumer's last event of the kind is in the window: no need to read the rows.
        if !noneBefore && m.filters.isEmpty && seconds.lastInside(last) { return true }
        let r = rows(c, start: start, end: end)
        if noneBefore {
            for i in r.first..<r.lower where kind[i] == m.kind && (m.filters.isEmpty || m.passesFilters(snapshot, i)) {
                return false
            }
        }
        for i in r.lower..<r.upper where kind[i] == m.kind && (m.filters.isEmpty || m.passesFilters(snapshot, i)) {
            return true
        }
        return false
    }
}
