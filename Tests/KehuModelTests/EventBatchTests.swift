import KehuModel
import Testing

@Suite struct EventBatchTests {
    static let pay = EventRecord(
        eventID: "e1", ts: 1_781_784_000_000, kind: .pay, keys: ["member:M1", "phone:13800000000"], channel: "tmall",
        touchpoint: "live", campaign: "618", sku: "SKU1", category: "skincare", orderID: "O1", amount: 12850,
        listPrice: 19900, quantity: 1)
    static let view = EventRecord(
        eventID: "e2", ts: 1_781_784_060_000, kind: .view, keys: ["member:M2"], channel: "jd", sku: "SKU1")
    static let cart = EventRecord(
        eventID: "e3", ts: 1_781_784_120_000, kind: .cart, keys: ["member:M1"], channel: "tmall", sku: "SKU2")

    @Test func appendsRecordsAndReadsThemBack() {
        var batch = EventBatch()
        batch.append(Self.pay, source: 2)
        batch.append(Self.view, source: 3)
        #expect(batch.count == 2)
        #expect(batch.record(at: 0) == Self.pay)
        #expect(batch.record(at: 1) == Self.view)
        #expect(batch.source == [2, 3])
        // Strings are interned: tmall and jd are channel codes 1 and 2; SKU1 is shared.
        #expect(batch.codes[EventField.channel.rawValue] == [1, 2])
        #expect(batch.codes[EventField.sku.rawValue] == [1, 1])
        #expect(batch.code(.touchpoint, 1) == 0)                  // absent
        #expect(batch.keyCodes(of: 0) == [1, 2])
        #expect(batch.keyCodes(of: 1) == [3])
        #expect(batch.keys.strings == ["member:M1", "phone:13800000000", "member:M2"])
        // Absent money is the unknown marker in the columns and nil in the record.
        #expect(batch.amount[1] == Money.unknownFen)
        #expect(batch.record(at: 1).amount == nil)
    }

    @Test func appendingAnotherBatchRecodesItsStrings() {
        var first = EventBatch()
        first.append(Self.view, source: 1)                         // jd = channel 1, member:M2 = key 1
        var second = EventBatch()
        second.append(Self.pay, source: 5)                         // in `second`, tmall = 1, member:M1 = 1
        second.append(Self.cart, source: 6)
        first.append(contentsOf: second)
        #expect(first.count == 3)
        #expect(first.record(at: 1) == Self.pay)
        #expect(first.record(at: 2) == Self.cart)
        #expect(first.source == [1, 5, 6])
        // tmall is new to `first`: code 2 after jd.
        #expect(first.codes[EventField.channel.rawValue] == [1, 2, 2])
        #expect(first.keyCodes(of: 2) == [2])                      // member:M1 after member:M2
    }

    @Test func selectingKeepsTablesAndOrder() {
        var batch = EventBatch()
        for (i, record) in [Self.pay, Self.view, Self.cart].enumerated() { batch.append(record, source: Int64(i)) }
        let picked = batch.selecting([0, 2])
        #expect(picked.count == 2)
        #expect(picked.record(at: 0) == Self.pay)
        #expect(picked.record(at: 1) == Self.cart)
        #expect(picked.keys == batch.keys)
        #expect(picked.source == [0, 2])
    }

    @Test func buildsFromWholeColumns() {
        var reference = EventBatch()
        reference.append(Self.pay, source: 9)
        reference.append(Self.view, source: 10)
        let rebuilt = EventBatch(
            fingerprint: reference.fingerprint, ts: reference.ts, kind: reference.kind, keyOffsets: reference.keyOffsets,
            keyCodes: reference.keyCodes, keys: reference.keys, codes: reference.codes, tables: reference.tables,
            amount: reference.amount, listPrice: reference.listPrice, quantity: reference.quantity,
            source: reference.source)
        #expect(rebuilt.count == 2)
        #expect(rebuilt.record(at: 0) == reference.record(at: 0))
        #expect(rebuilt.record(at: 1) == reference.record(at: 1))
        #expect(rebuilt.keyOffsets == [0, 2, 3])
    }

    @Test func recodeMapsEveryCodeIntoTheTarget() {
        var target = StringTable(["b"])
        let map = EventBatch.recode(StringTable(["a", "b"]), into: &target)
        #expect(map == [0, 2, 1])                                   // a is new (2), b existed (1)
        #expect(target.strings == ["b", "a"])
    }

    @Test func fieldsHaveFileNames() {
        #expect(EventField.allCases.map(\.name) == ["channel", "touchpoint", "campaign", "content", "sku", "category", "order_id"])
        #expect(EventField(name: "order_id") == .orderID)
        #expect(EventKind(name: "加购") == .cart)
        #expect(EventKind(name: "Category_Search") == .categorySearch)
        #expect(EventKind(name: "purchase") == nil)
        #expect(EventKind.pay.defaultStageSignal == .purchased)
        #expect(EventKind.order.defaultStageSignal == nil)
    }
}

@Suite("EventBatch edge cases")
struct EventBatchEdgeTests {
    @Test("an empty key text is left out rather than stored as the absent code")
    func emptyKey() {
        var batch = EventBatch()
        batch.append(EventRecord(eventID: "e", ts: 0, kind: .view, keys: ["", "member:1"], channel: "tmall"), source: 2)
        #expect(batch.record(at: 0).keys == ["member:1"])
    }
}
