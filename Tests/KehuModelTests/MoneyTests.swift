import KehuModel
import Testing

@Suite struct MoneyTests {
    @Test(arguments: [
        ("12", Int64(1200)),        // 12 yuan = 1200 fen
        ("12.3", 1230),             // one decimal is ten fen
        ("12.34", 1234),
        ("0.05", 5),
        ("-0.50", -50),             // sign kept: parse is general, decoders reject negatives
        ("+7", 700),
        (".5", 50),                 // no integer digits: half a yuan
        ("0", 0),
        ("92233720368547758.07", Int64.max),  // the Int64 edge, exactly
    ])
    func parsesExactDecimalYuan(text: String, fen: Int64) throws {
        #expect(try Money.parse(yuan: text).fen == fen)
    }

    @Test func rejectsMoreThanTwoDecimalsInsteadOfRounding() {
        #expect(throws: MoneyParseError.tooManyDecimals) { try Money.parse(yuan: "19.999") }
        #expect(throws: MoneyParseError.tooManyDecimals) { try Money.parse(yuan: "0.001") }
    }

    @Test func rejectsEmptyAndGarbage() {
        #expect(throws: MoneyParseError.empty) { try Money.parse(yuan: "") }
        for text in ["abc", "1,234.00", "1e3", "-", ".", "12.3.4", "¥12", " 12"] {
            #expect(throws: MoneyParseError.notANumber, "\(text)") { try Money.parse(yuan: text) }
        }
    }

    @Test func rejectsAmountsBeyondInt64() {
        // One fen more than Int64.max.
        #expect(throws: MoneyParseError.outOfRange) { try Money.parse(yuan: "92233720368547758.08") }
        // 92233720368547759 yuan * 100 overflows while scaling to fen.
        #expect(throws: MoneyParseError.outOfRange) { try Money.parse(yuan: "92233720368547759") }
        #expect(throws: MoneyParseError.outOfRange) { try Money.parse(yuan: "99999999999999999999") }
    }

    @Test func parsesBytesLikeText() throws {
        let bytes = Array("128.50".utf8)
        let fen = try bytes.withUnsafeBytes { buffer in
            try Result { () throws(MoneyParseError) in try Money.parse(yuanBytes: buffer) }.get().fen
        }
        #expect(fen == 12850)
    }

    @Test func formatsWithGroupingAndTwoDecimals() {
        #expect(Money(fen: 123_450).description == "¥1,234.50")
        #expect(Money(fen: -123_450).description == "-¥1,234.50")
        #expect(Money(fen: 5).description == "¥0.05")
        #expect(Money(fen: 100_000_000).description == "¥1,000,000.00")   // one million yuan
        #expect(Money.format(fen: 99_900, symbol: "$") == "$999.00")
        #expect(Money.plainYuan(fen: -50) == "-0.50")
        #expect(Money.plainYuan(fen: 123_450) == "1234.50")
    }

    @Test func unknownAmountIsNotAnAmountAnyoneCouldWrite() {
        // Int64.min cannot be parsed (its magnitude overflows), so it can never collide with data.
        #expect(Money.unknownFen == Int64.min)
        #expect(throws: MoneyParseError.outOfRange) { try Money.parse(yuan: "-92233720368547758.08") }
    }
}
