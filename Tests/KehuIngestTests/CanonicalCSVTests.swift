import KehuIngest
import KehuModel
import Testing

@Suite struct CanonicalCSVTests {
    @Test func decodesExactValues() throws {
        let chunk = try decodeAll(path: Fixture.path("canonical-good.csv"), format: .csv)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.count == 4)
        #expect(chunk.linesRead == 4)   // after the header
        let batch = chunk.batch

        // Line 2: 20:00 at +08:00 is 12:00Z = 1781784000 s; 128.50 yuan = 12850 fen.
        #expect(batch.record(at: 0) == EventRecord(
            eventID: "e1", ts: 1_781_784_000_000, kind: .pay, keys: ["member:M1001", "phone:13800000000"],
            channel: "tmall", touchpoint: "live", campaign: "618", sku: "SKU0012", category: "skincare",
            orderID: "O17", amount: 12850, listPrice: 19900, quantity: 1))
        // Line 3: a local time, read in Asia/Shanghai: 21:30 local is 13:30Z, 1.5 h after 12:00Z.
        #expect(batch.record(at: 1) == EventRecord(
            eventID: "e2", ts: 1_781_789_400_000, kind: .view, keys: ["member:M1002"], channel: "jd",
            sku: "SKU0013", category: "makeup"))
        // Line 4: no event_id, so a derived fingerprint; epoch seconds.
        let derived = expectedDerivedFingerprint(
            ["1781784000000", "cart", "anon:a-9", "douyin", "content", "", "C7", "SKU0012", "skincare", "", "", "", "2"],
            occurrence: 0)
        #expect(batch.record(at: 2) == EventRecord(
            fingerprint: derived, ts: 1_781_784_000_000, kind: .cart, keys: ["anon:a-9"], channel: "douyin",
            touchpoint: "content", content: "C7", sku: "SKU0012", category: "skincare", quantity: 2))
        // Line 5: Z time 2026-06-19T08:00Z = 12 h after 06-18T20:00Z; a quoted key; 28.50 = 2850 fen.
        #expect(batch.record(at: 3) == EventRecord(
            eventID: "e4", ts: 1_781_856_000_000, kind: .refund, keys: ["member:M1001"], channel: "tmall",
            campaign: "618", sku: "SKU0012", category: "skincare", orderID: "O17", amount: 2850))
        #expect(batch.source == [2, 3, 4, 5])
        // Keys are interned raw, in order of first use; tables are shared by events.
        #expect(batch.keys.strings == ["member:M1001", "phone:13800000000", "member:M1002", "anon:a-9"])
        #expect(batch.keyCodes(of: 3) == [1])
        #expect(batch.tables[EventField.sku.rawValue].strings == ["SKU0012", "SKU0013"])
    }

    @Test func fiveBadLinesAreFiveRejectsAndEveryGoodLineIsKept() throws {
        let chunk = try decodeAll(path: Fixture.path("canonical-five-bad.csv"), format: .csv)
        let source = Fixture.path("canonical-five-bad.csv")
        #expect(chunk.rejects == [
            Reject(source: source, line: 3, field: "ts", reason: TimeParseError.impossibleDate.description),
            Reject(source: source, line: 5, field: "keys", reason: IdentityKeyError.badPhone.description),
            Reject(source: source, line: 6, field: "kind", reason: "unknown event kind 'purchase' (expected one of \(EventKind.allNames))"),
            Reject(source: source, line: 8, field: "amount", reason: MoneyParseError.tooManyDecimals.description),
            Reject(source: source, line: 10, field: "record", reason: "the record has 13 columns; the header has 14"),
        ])
        // g1..g5 on lines 2, 4, 7, 9, 11.
        #expect(chunk.batch.source == [2, 4, 7, 9, 11])
        #expect(chunk.batch.fingerprint == ["g1", "g2", "g3", "g4", "g5"].map { EventFingerprint(eventID: $0) })
        #expect(chunk.batch.kind == [.view, .cart, .pay, .favorite, .follow])
        // The rejected b2's keys (member:M4 and the bad phone) never reach the key table.
        #expect(chunk.batch.keys.strings == ["member:M1", "member:M3", "phone:13800000003", "member:M6", "member:M8", "unionid:u-10"])
        #expect(!chunk.rejects.contains { $0.reason.contains("12-34") })
    }

    @Test(arguments: [
        // (line, field, reason fragment)
        ("e,2026-06-18T10:00:00Z,member:M1,pay,tmall,,,,,,,12.00,,", "order_id", "pay events need an order_id"),
        ("e,2026-06-18T10:00:00Z,member:M1,refund,tmall,,,,,,O1,,,", "amount", "refund events need an amount"),
        ("e,2026-06-18T10:00:00Z,member:M1,pay,tmall,,,,,,O1,-3.00,,", "amount", "negative"),
        ("e,2026-06-18T10:00:00Z,member:M1,pay,tmall,,,,,,O1,3.00,abc,", "list_price", "the list price is not a decimal number"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,0", "quantity", "positive whole number"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,1.5", "quantity", "positive whole number"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,,,,,,,,,,", "channel", "the channel is empty"),
        ("e,,member:M1,view,tmall,,,,,,,,,", "ts", "the time is empty"),
        ("e,2026-06-18T10:00:00.1234Z,member:M1,view,tmall,,,,,,,,,", "ts", "more precise than milliseconds"),
        ("e,2026-06-18T10:00:00Z,,view,tmall,,,,,,,,,", "keys", "no identity key"),
        ("e,2026-06-18T10:00:00Z,member:M1|email:nobody,view,tmall,,,,,,,,,", "keys", "email address"),
        ("e,2026-06-18T10:00:00Z,M1,view,tmall,,,,,,,,,", "keys", "type:value"),
        ("e,2026-06-18T10:00:00Z,wechat:o1,view,tmall,,,,,,,,,", "keys", "unknown identity key type 'wechat'"),
        ("e,2026-06-18T10:00:00Z,member:M1,,tmall,,,,,,,,,", "kind", "the kind is empty"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,tmall,a\"b\"c,,,,,,,,", "record", "quote inside an unquoted value"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,tmall,a\"b,,,,,,,,", "record", "a quoted value is never closed"),
        ("e,2026-06-18T10:00:00Z,member:M1,view,tmall,\"ad\"x,,,,,,,,", "record", "text after its closing quote"),
    ])
    func eachRuleRejectsWithItsFieldAndReason(line: String, field: String, fragment: String) throws {
        let chunk = try decodeAll(canonicalHeader + "\n" + line + "\n")
        #expect(chunk.batch.count == 0)
        #expect(chunk.rejects.count == 1)
        #expect(chunk.rejects.first?.line == 2)
        #expect(chunk.rejects.first?.field == field)
        #expect(chunk.rejects.first?.reason.contains(fragment) == true, "\(chunk.rejects.first?.reason ?? "")")
    }

    @Test func columnsMayComeInAnyOrderAndOptionalOnesMayBeMissing() throws {
        let text = "kind,keys,ts,channel\nview,member:M1,2026-06-18T10:00:00Z,tmall\r\n\ncart,member:M2,2026-06-18T10:01:00Z,jd"
        let chunk = try decodeAll(text)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.kind == [.view, .cart])
        #expect(chunk.batch.source == [2, 4])          // the blank line 3 is skipped, not rejected
        #expect(chunk.batch.value(.channel, 1) == "jd")
        #expect(chunk.linesRead == 3)
    }

    @Test func spacesAroundParsedValuesAreIgnored() throws {
        let chunk = try decodeAll(canonicalHeader + "\ne, 2026-06-18T10:00:00Z , member:M1 | anon:a1 , pay ,tmall,,,,,,O1, 12.50 , 13 , 2 \n")
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.record(at: 0) == EventRecord(
            eventID: "e", ts: 1_781_776_800_000, kind: .pay, keys: ["member:M1", "anon:a1"], channel: "tmall", orderID: "O1",
            amount: 1250, listPrice: 1300, quantity: 2))
    }

    @Test func defaultChannelFillsEmptyCellsAndMissingColumns() throws {
        let options = DecodeOptions(defaultChannel: "pos")
        let chunk = try decodeAll("ts,keys,kind\n2026-06-18T10:00:00Z,member:M1,view\n", options: options)
        #expect(chunk.batch.value(.channel, 0) == "pos")
        #expect(throws: DecodeError.noChannel(source: "test")) { try decodeAll("ts,keys,kind\n2026-06-18T10:00:00Z,member:M1,view\n") }
    }

    @Test func aByteOrderMarkIsNotPartOfTheHeader() throws {
        let chunk = try decodeAll("\u{FEFF}" + canonicalHeader + "\ne,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,\n")
        #expect(chunk.batch.count == 1)
    }

    @Test func headerProblemsAreDecodeErrorsNamingTheColumn() {
        #expect(throws: DecodeError.unknownColumn(source: "test", name: "colour", position: 4)) {
            try decodeAll("ts,keys,kind,colour,channel\n")
        }
        #expect(throws: DecodeError.missingColumn(source: "test", column: "kind")) { try decodeAll("ts,keys,channel\n") }
        let trailing = #expect(throws: DecodeError.self) { try decodeAll("ts,keys,kind,channel,\n") }
        #expect(trailing == .unknownColumn(source: "test", name: "", position: 5))
        #expect(trailing?.description.contains("column 5 of the header has no name") == true)
        #expect(throws: DecodeError.duplicateColumn(source: "test", name: "ts", position: 4)) {
            try decodeAll("ts,keys,kind,ts,channel\n")
        }
        #expect(throws: DecodeError.missingHeader(source: "test")) { try decodeAll("") }
        #expect(throws: DecodeError.missingHeader(source: "test")) { try decodeAll("\n\n") }
        #expect(throws: DecodeError.fileNotFound(path: "/no/such/file.csv")) {
            try decodeAll(path: "/no/such/file.csv", format: .csv)
        }
    }

    @Test func aHeaderCellThatLooksLikeDataIsNotQuoted() {
        // A data line where the header should be: the cell holds a phone number.
        let error = #expect(throws: DecodeError.self) { try decodeAll("13800000000,member:M1,view\n") }
        #expect(error == .unknownColumn(source: "test", name: nil, position: 1))
        #expect(error?.description.contains("13800000000") == false)
        #expect(error?.description.contains("header line missing") == true)
    }

    @Test func quotedCellsKeepCommasQuotesAndLineBreaks() throws {
        let chunk = try decodeAll(path: Fixture.path("canonical-quoted.csv"), format: .csv)
        #expect(chunk.rejects.isEmpty)
        #expect(chunk.batch.value(.content, 0) == "Live, with \"quotes\"")
        #expect(chunk.batch.value(.content, 1) == "line one\r\nline two")
        // q2 starts on line 3 and spans two lines, so q3 is on line 5.
        #expect(chunk.batch.source == [2, 3, 5])
        #expect(chunk.linesRead == 4)   // lines 2-5; the header is not counted
    }

    @Test func anUnterminatedQuoteRejectsOneLineAndReadingGoesOn() throws {
        let text = canonicalHeader + "\n"
            + "a,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,\n"
            + "b,2026-06-18T10:00:00Z,member:M2,view,tmall,\"open,,,,,,,,\n"
            + "c,2026-06-18T10:00:00Z,member:M3,view,tmall,,,,,,,,,\n"
        let chunk = try decodeAll(text)
        #expect(chunk.rejectSummary == ["3: record"])
        #expect(chunk.rejects.first?.reason.contains("never closed") == true)
        #expect(chunk.batch.source == [2, 4])
    }

    @Test func aRecordLongerThanAllowedIsRejectedAndReadingGoesOn() throws {
        let long = "x," + String(repeating: "y", count: 300)
        let text = canonicalHeader + "\n"
            + "a,2026-06-18T10:00:00Z,member:M1,view,tmall,,,,,,,,,\n"
            + long + "\n"
            + "\"c,2026-06-18T10:00:00Z,member:M3,view,tmall,,,,,,,,,\n" + String(repeating: "z", count: 300) + "\n"
            + "d,2026-06-18T10:00:00Z,member:M4,view,tmall,,,,,,,,,\n"
        let options = DecodeOptions(chunkSize: 2, maxRecordBytes: 200)
        let chunk = try decodeChunks(text, options: options).reduce(into: DecodedChunk()) { $0.append($1) }
        // Line 3 is one long line; line 4 opens a quote that runs past 200 bytes, so only line 4
        // is skipped and line 5 (the z's) is then read as a record of its own.
        #expect(chunk.rejectSummary == ["3: record", "4: record", "5: record"])
        #expect(chunk.rejects[0].reason.contains("longer than 200 bytes"))
        #expect(chunk.rejects[1].reason.contains("longer than 200 bytes"))
        #expect(chunk.batch.source == [2, 6])
        #expect(chunk.linesRead == 5)
    }
}
