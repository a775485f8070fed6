import Foundation
import KehuModel
@testable import KehuStore
import KehuTesting

let june1 = TestClock.june1
let hour = TestClock.hour
let day = TestClock.day

/// Everything a snapshot says, as plain values, to compare two snapshots.
struct SnapshotContent: Equatable {
    var consumers: [UInt32]
    var rows: [String]

    init(_ s: Snapshot) {
        consumers = s.consumerIDs
        rows = []
        for c in 0..<s.consumerCount {
            for i in s.events(of: c) {
                rows.append(
                    "\(s.consumerIDs[c]) \(s.ts[i]) \(s.kind[i]) \(s.value(.channel, i) ?? "-") \(s.value(.orderID, i) ?? "-") \(s.amount(i).map(String.init) ?? "-") \(s.value(.sku, i) ?? "-")")
            }
        }
    }
}
