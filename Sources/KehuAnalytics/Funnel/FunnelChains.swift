/// One consumer's funnel chains (DESIGN 4.5), fed their step matches in time order.
///
/// Default mode is ClickHouse's `windowFunnel(W)`: slot k holds the chain that most recently
/// reached step k + 1 (its start and the rows of its steps). A match of step 1 (re)starts slot 0
/// at its time; a match of step k + 1 copies slot k - 1's chain into slot k when its time is at
/// most W after that chain's start. Matches at the same instant are fed in step order, and one
/// event matching several steps is fed once per step, lowest first, exactly as ClickHouse sorts
/// its (timestamp, condition) pairs. The level is the deepest slot ever filled; ``best`` keeps
/// the first chain that reached it.
///
/// Strict mode feeds whole events (``strictEvent(_:ts:row:canStart:)``): a chain stays *live*
/// only while every later funnel event continues it; an event that matches no next step of a
/// live chain ends that chain.
///
/// A value type with buffers reused across consumers: no allocation per event.
struct FunnelChains {
    let stepCount: Int
    let window: Int64
    /// Per slot: the chain's start (UTC ms), or `Int64.min` when the slot is empty.
    private(set) var start: [Int64]
    /// `rows[slot * stepCount + j]`: the row of step j + 1 of the chain in `slot`.
    private var rows: [Int]
    /// Strict mode: slots whose chain the last funnel event started or extended.
    private var live: UInt32 = 0
    /// The deepest step reached (0 = none).
    private(set) var level = 0
    /// The rows of the first chain that reached ``level``, steps 1 ... level.
    private(set) var best: [Int]

    init(stepCount: Int, window: Int64) {
        self.stepCount = stepCount
        self.window = window
        start = [Int64](repeating: .min, count: stepCount)
        rows = [Int](repeating: 0, count: stepCount * stepCount)
        best = [Int](repeating: 0, count: stepCount)
    }

    /// Empties every slot for the next consumer.
    mutating func reset() {
        for k in 0..<stepCount { start[k] = .min }
        live = 0
        level = 0
    }

    var isComplete: Bool { level == stepCount }

    /// Default mode: event `row` at `ts` matches step `step + 1`. `canStart` is false for step-1
    /// matches after the period, which start no chain.
    /// - Complexity: O(step).
    mutating func match(step: Int, ts: Int64, row: Int, canStart: Bool) {
        if step == 0 {
            guard canStart else { return }
            start[0] = ts
            rows[0] = row
            reached(0)
        } else {
            let from = start[step - 1]
            guard from != .min, ts - from <= window else { return }
            extend(step, row: row)
        }
    }

    /// Strict mode: one funnel event matching `steps` (bit k = step k + 1). Its matches are taken
    /// lowest step first; a match of step k + 1 extends slot k - 1 only if that chain was live
    /// before this event or was started or extended by it. Afterwards exactly the slots this
    /// event wrote are live.
    /// - Complexity: O(matched steps x steps).
    mutating func strictEvent(_ steps: UInt32, ts: Int64, row: Int, canStart: Bool) {
        var wrote: UInt32 = 0
        var remaining = steps
        while remaining != 0 {
            let step = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            if step == 0 {
                guard canStart else { continue }
                start[0] = ts
                rows[0] = row
                wrote |= 1
                reached(0)
            } else {
                let previous: UInt32 = 1 << UInt32(step - 1)
                guard (live | wrote) & previous != 0, ts - start[step - 1] <= window else { continue }
                extend(step, row: row)
                wrote |= previous << 1
            }
        }
        live = wrote
    }

    private mutating func extend(_ step: Int, row: Int) {
        start[step] = start[step - 1]
        let from = (step - 1) * stepCount
        let to = step * stepCount
        for j in 0..<step { rows[to + j] = rows[from + j] }
        rows[to + step] = row
        reached(step)
    }

    private mutating func reached(_ slot: Int) {
        guard slot + 1 > level else { return }
        level = slot + 1
        let base = slot * stepCount
        for j in 0...slot { best[j] = rows[base + j] }
    }
}
