import KehuIngest
import KehuModel
import Testing

@Suite struct TaobaoTests {
    @Test func behaviorsBecomeEventsAndPurchasesAnOrderAndAPay() throws {
        let path = Fixture.path("taobao-userbehavior.csv")
        let chunk = try decodeAll(path: path, format: .taobao)
        let batch = chunk.batch
        // Lines 1-6 give 8 events (each buy is two); line 7's behaviour is unknown.
        #expect(batch.kind == [.view, .view, .order, .pay, .favorite, .cart, .order, .pay])
        #expect(batch.source == [1, 2, 3, 3, 4, 5, 6, 6])
        #expect(chunk.rejects == [
            Reject(source: path, line: 7, field: "behavior_type", reason: "unknown behavior type 'share' (expected pv, fav, cart or buy)"),
        ])
        // 1511544070 s since the epoch.
        #expect(batch.record(at: 0) == EventRecord(
            fingerprint: batch.fingerprint[0], ts: 1_511_544_070_000, kind: .view, keys: ["buyer:1"], channel: "taobao",
            sku: "2268318", category: "2520377"))
        // The purchase: same derived order id on both events, and no amount (unknown, never 0).
        let order = batch.record(at: 2)
        let pay = batch.record(at: 3)
        #expect(order.orderID == "100-2971043-1511597714-1")
        #expect(pay.orderID == "100-2971043-1511597714-1")
        #expect(pay.amount == nil)
        #expect(batch.amount[3] == Money.unknownFen)
        #expect(pay.keys == ["buyer:100"])
        // The identical second purchase (line 6) is a second order, not a duplicate.
        #expect(batch.record(at: 7).orderID == "100-2971043-1511597714-2")
        #expect(Set(batch.fingerprint).count == 8)
    }

    @Test func channelCanBeOverridden() throws {
        let chunk = try decodeAll("1,2,3,pv,1511544070\n", format: .taobao, options: DecodeOptions(defaultChannel: "tmall"))
        #expect(chunk.batch.value(.channel, 0) == "tmall")
    }

    @Test func badLinesAreOneRejectEach() throws {
        let text = "1,2,3,buy,notatime\n1,2,3\n,2,3,pv,1511544070\n"
        let chunk = try decodeAll(text, format: .taobao)
        #expect(chunk.rejectSummary == ["1: ts", "2: record", "3: user_id"])
        #expect(chunk.batch.count == 0)
    }
}

@Suite struct CDNOWTests {
    @Test func masterFileLinesArePayEventsInDollarCents() throws {
        let path = Fixture.path("cdnow-master-excerpt.txt")
        let chunk = try decodeAll(path: path, format: .cdnow)
        #expect(chunk.rejects.isEmpty)                       // the header line is skipped
        let batch = chunk.batch
        #expect(batch.count == 7)
        // Line 2: " 00001 19970101  1   11.77": 1997-01-01 local midnight in Shanghai is
        // 1996-12-31T16:00Z = 852048000 s; 11.77 dollars = 1177 cents.
        #expect(batch.record(at: 0) == EventRecord(
            fingerprint: batch.fingerprint[0], ts: 852_048_000_000, kind: .pay, keys: ["member:00001"], channel: "cdnow",
            orderID: "00001-19970101-1", amount: 1177, quantity: 1))
        // Customer 00002 bought twice on 1997-01-12 (852998400 s at local midnight): two orders.
        #expect(batch.record(at: 1).orderID == "00002-19970112-1")
        #expect(batch.record(at: 2).orderID == "00002-19970112-2")
        #expect(batch.ts[1] == 852_998_400_000)
        #expect(batch.amount[2] == 7700)
        #expect(batch.quantity[2] == 5)
        #expect(batch.source == [2, 3, 4, 5, 6, 7, 8])
        #expect(batch.keys.strings == ["member:00001", "member:00002", "member:00003"])
    }

    @Test func sampleFileHasTheSampleIndexAfterTheCustomer() throws {
        let chunk = try decodeAll(path: Fixture.path("cdnow-sample-excerpt.txt"), format: .cdnow)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.count == 4)
        // " 00004 0001 19970101  2   29.33": the key is the master customer id.
        #expect(chunk.batch.record(at: 0).keys == ["member:00004"])
        #expect(chunk.batch.amount == [2933, 2973, 1496, 2648])
        #expect(chunk.batch.quantity == [2, 2, 1, 2])
    }

    @Test func datesAreLocalMidnightInTheWorkspaceZone() throws {
        let chunk = try decodeAll(" 00001 19970101  1   11.77\n", format: .cdnow, options: DecodeOptions(zone: .utc))
        #expect(chunk.batch.ts == [852_076_800_000])         // 1997-01-01T00:00Z
    }

    @Test func badLinesAreRejected() throws {
        let chunk = try decodeAll("00001 1997010 1 11.77\n00001 19970101 1 11.777\n00001 19970101 0 11.77\n00001 19970101\n", format: .cdnow)
        #expect(chunk.rejectSummary == ["1: date", "2: amount", "3: quantity", "4: record"])
    }
}

@Suite struct MappedCSVTests {
    static let spec = "event_id=订单编号,order_id=订单编号,ts=付款时间,amount=实付金额,sku=商品编码,keys.buyer=买家会员名,keys.phone=手机,kind=const:pay,channel=const:tmall"

    @Test func readsAnyCSVThroughAMapping() throws {
        let path = Fixture.path("mapped-tmall-orders.csv")
        let options = DecodeOptions(mapping: try ColumnMapping(spec: Self.spec))
        let chunk = try decodeAll(path: path, format: .csv, options: options)
        #expect(chunk.batch.record(at: 0) == EventRecord(
            eventID: "T1001", ts: 1_781_784_000_000, kind: .pay, keys: ["buyer:tb_buyer_1", "phone:138 0000 0000"],
            channel: "tmall", sku: "SKU12", orderID: "T1001", amount: 12850))
        // An empty phone cell adds no key.
        #expect(chunk.batch.record(at: 1).keys == ["buyer:tb_buyer_2"])
        #expect(chunk.batch.count == 2)
        #expect(chunk.rejects == [
            Reject(source: path, line: 4, field: "keys", reason: IdentityKeyError.noKeys.description),
            Reject(source: path, line: 5, field: "amount", reason: MoneyParseError.notANumber.description),
        ])
    }

    @Test func aMappedColumnTheHeaderLacksIsAnErrorBeforeAnyRecord() throws {
        let options = DecodeOptions(mapping: try ColumnMapping(spec: "ts=下单时间,kind=const:pay,keys.buyer=买家会员名,channel=const:tmall"))
        #expect(throws: DecodeError.mappedColumnMissing(source: Fixture.path("mapped-tmall-orders.csv"), field: "ts", column: "下单时间")) {
            try decodeAll(path: Fixture.path("mapped-tmall-orders.csv"), format: .csv, options: options)
        }
    }

    @Test func specsAreValidated() throws {
        let mapping = try ColumnMapping(spec: " ts=t , kind=const:view, keys.member=m,keys.phone=p, ")
        #expect(mapping.fields[.ts] == .column("t"))
        #expect(mapping.fields[.kind] == .constant("view"))
        #expect(mapping.keyColumns == [.init(type: .member, column: "m"), .init(type: .phone, column: "p")])
        #expect(mapping.description == "ts=t,kind=const:view,keys.member=m,keys.phone=p")
        for bad in [
            "kind=const:view,keys.member=m",                 // no ts
            "ts=t,keys.member=m",                            // no kind
            "ts=t,kind=const:view",                          // no key
            "ts=t,kind=const:buy,keys.member=m",             // not a kind
            "ts=t,kind=k,keys.wechat=m",                     // unknown key type
            "ts=t,kind=k,keys.member=const:M1",              // constant key
            "ts=t,kind=k,keys.member=m,colour=c",            // unknown field
            "ts=t,ts=u,kind=k,keys.member=m",                // twice
            "ts",                                            // not field=column
        ] {
            #expect(throws: DecodeError.self, "\(bad)") { try ColumnMapping(spec: bad) }
        }
    }

    @Test func aMappingIsOnlyForCSV() throws {
        let options = DecodeOptions(mapping: try ColumnMapping(spec: "ts=t,kind=k,keys.member=m"))
        #expect(throws: DecodeError.badMapping("a column mapping applies only to CSV input, not jsonl")) {
            try decodeAll("{}", format: .jsonl, options: options)
        }
    }
}

@Suite struct InputFormatTests {
    @Test func extensionsImplyFormats() throws {
        #expect(InputFormat(inferringFromPath: "data/events.csv") == .csv)
        #expect(InputFormat(inferringFromPath: "events.JSONL") == .jsonl)
        #expect(InputFormat(inferringFromPath: "/tmp/x.ndjson") == .jsonl)
        #expect(InputFormat(inferringFromPath: "CDNOW_master.txt") == nil)
        #expect(InputFormat(inferringFromPath: "no-extension") == nil)
        #expect(throws: DecodeError.cannotInferFormat(path: "a.txt")) { try InputFormat.inferred(fromPath: "a.txt") }
        #expect(InputFormat.taobao.builtInChannel == "taobao")
        #expect(InputFormat.allCases.map(\.rawValue) == ["csv", "jsonl", "taobao", "cdnow"])
    }
}
