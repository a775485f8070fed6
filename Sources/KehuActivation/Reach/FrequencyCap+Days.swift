import KehuModel

extension FrequencyCap {
    /// Whether one more send on `day` keeps every run of ``days`` consecutive days that
    /// contains it at or under ``sends``, given the days of the sends already scheduled (by any
    /// plan, any order, repeats allowed).
    ///
    /// With a cap of 1/7d and a send already on June 10, June 11 ... June 16 are refused (the
    /// run June 10-16 would hold two) and June 17 is allowed (June 11-17 holds only it).
    /// - Complexity: O(days × existing).
    public func allows(_ day: Day, existing: [Day]) -> Bool {
        guard !existing.isEmpty else { return true }
        for back in 0..<days {
            let first = day.advanced(by: -back)
            let last = first.advanced(by: days - 1)
            var inRun = 0
            for d in existing where d >= first && d <= last { inRun += 1 }
            if inRun >= sends { return false }
        }
        return true
    }

    /// The first day of `window` on which a send is allowed, or nil when the cap refuses them all.
    public func firstAllowedDay(in window: DayRange, existing: [Day]) -> Day? {
        var day = window.first
        while day <= window.last {
            if allows(day, existing: existing) { return day }
            day = day.advanced(by: 1)
        }
        return nil
    }
}
