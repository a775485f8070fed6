import KehuModel
import KehuTesting
import Testing
@testable import KehuStore

@Suite("AmountView")
struct AmountViewTests {
    @Test("sums over row ranges agree with Snapshot.amount event by event, at every word boundary")
    func agreesWithAmount() throws {
        let (_, _, snapshot) = try generatedSnapshot(consumers: 300, days: 200)
        let n = snapshot.eventCount
        #expect(n > 1_000)
        // Ranges starting and ending on, just before and just after 64-row word boundaries, plus
        // every consumer's rows; the simple sum reads Snapshot.amount for each row.
        var ranges: [Range<Int>] = [0..<n, 0..<0, 5..<5]
        for edge in stride(from: 0, through: n, by: 64) {
            for (a, b) in [(edge, edge + 64), (edge - 1, edge + 1), (edge + 1, edge + 130), (edge - 63, edge)] {
                let lower = max(0, min(a, n)), upper = max(lower, min(b, n))
                ranges.append(lower..<upper)
            }
        }
        ranges += (0..<snapshot.consumerCount).map { snapshot.events(of: $0) }
        var checked = 0
        snapshot.commerce.withAmounts { view in
            for range in ranges {
                for kind in [EventKind.pay, .refund, .order] {
                    let fast = view.sum(range) { snapshot.kind[$0] == kind }
                    let simple = range.reduce(Int64(0)) { total, i in snapshot.kind[i] == kind ? total + (snapshot.amount(i) ?? 0) : total }
                    if fast != simple { Issue.record("\(kind) in \(range): \(fast) against \(simple)") }
                    if simple != 0 { checked += 1 }
                }
            }
        }
        #expect(checked > 100, "the ranges hold money")
    }
}
