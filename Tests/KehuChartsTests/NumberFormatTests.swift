import Testing
@testable import KehuCharts

@Suite struct NumberFormatTests {
    @Test func countsUse万and亿InChinese() {
        #expect(NumberFormat.count(9_999) == "9,999")
        #expect(NumberFormat.count(10_000) == "1万")
        #expect(NumberFormat.count(12_345) == "1.2万")          // 1.2345 -> 1.2
        #expect(NumberFormat.count(12_950) == "1.3万")          // 1.295 -> 1.3 (half up)
        #expect(NumberFormat.count(34_567_890) == "3,456.8万")  // 3456.789 -> 3456.8
        #expect(NumberFormat.count(99_999_999) == "1亿")       // 9999.9999万 rounds up to 10000万 = 1亿
        #expect(NumberFormat.count(123_456_789) == "1.23亿")
        #expect(NumberFormat.count(-25_000) == "-2.5万")
        #expect(NumberFormat.count(12_345_678, language: .en) == "12,345,678")
    }

    @Test func moneyIsExactFromFen() {
        #expect(NumberFormat.money(fen: 0) == "¥0.00")
        #expect(NumberFormat.money(fen: 5) == "¥0.05")
        #expect(NumberFormat.money(fen: 123_456) == "¥1,234.56")
        #expect(NumberFormat.money(fen: -100_000_001) == "-¥1,000,000.01")
        #expect(NumberFormat.money(fen: Int64.max) == "¥92,233,720,368,547,758.07")
        #expect(NumberFormat.compactMoney(fen: 999_999) == "¥9,999")
        #expect(NumberFormat.compactMoney(fen: 500_000_000) == "¥500万")        // ¥5,000,000
        #expect(NumberFormat.compactMoney(fen: 12_345_678_900) == "¥1.23亿")    // ¥123,456,789
        #expect(NumberFormat.compactMoney(fen: 500_000_000, language: .en) == "¥5M")
        #expect(NumberFormat.compactMoney(fen: 1_234_500, language: .en) == "¥12.3K")  // ¥12,345
    }

    @Test func percentagesHaveOneDecimal() {
        #expect(NumberFormat.percent(0.1234) == "12.3%")
        #expect(NumberFormat.percent(0.12351) == "12.4%")
        #expect(NumberFormat.percent(1) == "100.0%")
        #expect(NumberFormat.percent(-0.052) == "-5.2%")
        #expect(NumberFormat.percent(.nan) == "–")
        #expect(NumberFormat.percent(1, of: 3) == "33.3%")
        #expect(NumberFormat.percent(1, of: 0) == "–")
    }
}
