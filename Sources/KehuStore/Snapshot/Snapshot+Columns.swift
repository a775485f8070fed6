import KehuModel

extension Snapshot {
    /// A snapshot from columns already in consumer-major, time order, without a workspace: for
    /// benchmarks that need more consumers than a workspace can be filled with in reasonable time
    /// (`Benchmarks/kehu-activation`), and for tests of kernels.
    ///
    /// `eventStart` has `consumerIDs.count + 1` entries; `codes[f]` holds event `i`'s code of
    /// ``EventField`` `f` (every field but `orderID`, whose codes are `orderID`); `amount`,
    /// `orderID` are per event (``KehuModel/Money/unknownFen`` and 0 when absent); events with an
    /// order id or an amount, and every pay and refund, get a commerce row as in a built snapshot.
    /// - Precondition: the columns have equal lengths and each consumer's times ascend.
    /// - Complexity: O(events).
    public static func fromColumns(
        workspace: String, zone: ZoneRules, consumerIDs: [UInt32], eventStart: [UInt32], ts: [Int64], kind: [EventKind],
        codes: [[UInt32]], dictionaries: [StringTable], orderID: [UInt32], amount: [Int64]
    ) -> Snapshot {
        let total = ts.count
        precondition(eventStart.count == consumerIDs.count + 1 && Int(eventStart.last ?? 0) == total)
        precondition(kind.count == total && orderID.count == total && amount.count == total)
        precondition(codes.count == EventField.allCases.count && dictionaries.count == EventField.allCases.count)
        var columns: [CodeColumn] = []
        for f in EventField.allCases.indices {
            let column = f == EventField.orderID.rawValue ? [UInt32](repeating: 0, count: total) : codes[f]
            precondition(column.count == total)
            columns.append(CodeColumn(column, codeCount: dictionaries[f].codeCount))
        }
        var bits = [UInt64](repeating: 0, count: (total + 63) / 64)
        var orders: [UInt32] = [], amounts: [Int64] = [], prices: [Int64] = [], quantities: [Int32] = []
        for i in 0..<total where orderID[i] != 0 || amount[i] != Money.unknownFen || kind[i] == .pay || kind[i] == .refund {
            bits[i >> 6] |= 1 << UInt64(i & 63)
            orders.append(orderID[i])
            amounts.append(amount[i])
            prices.append(Money.unknownFen)
            quantities.append(0)
        }
        return Snapshot(
            workspace: workspace, zone: zone, dataVersion: 0, consumerIDs: consumerIDs, eventStart: eventStart, ts: ts, kind: kind,
            fields: columns, dictionaries: dictionaries,
            commerce: CommerceColumns(bits: bits, orderID: orders, amount: amounts, listPrice: prices, quantity: quantities))
    }
}
