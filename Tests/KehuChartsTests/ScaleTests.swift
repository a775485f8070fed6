import Testing
@testable import KehuCharts

@Suite struct ScaleTests {
    /// Steps are the smallest of 1, 2, 5 × 10^k at least (upper − lower) / 5.
    @Test func niceTicksForHandWorkedRanges() {
        // 0...100: 100 / 5 = 20 -> step 20, ticks 0, 20, ..., 100.
        let hundred = NiceScale(lower: 0, upper: 100)
        #expect(hundred.step == 20)
        #expect(hundred.ticks == [0, 20, 40, 60, 80, 100])
        // 0...87: 17.4 -> 20; 87 rounds up to 100.
        let eightySeven = NiceScale(lower: 0, upper: 87)
        #expect(eightySeven.step == 20 && eightySeven.max == 100)
        // 0...0.37: 0.074 -> 0.1; the top tick is 0.4.
        let share = NiceScale(lower: 0, upper: 0.37, minimumStep: 0.001)
        #expect(share.step == 0.1 && share.max == 0.4)
        #expect(share.ticks == [0, 0.1, 0.2, 0.3, 0.4])
        // -30...70: 100 / 5 = 20 -> step 20; -30 rounds down to -40, 70 up to 80.
        let signed = NiceScale(lower: -30, upper: 70)
        #expect(signed.step == 20 && signed.min == -40 && signed.max == 80)
        #expect(signed.ticks == [-40, -20, 0, 20, 40, 60, 80])
        // 0...12,345: 2,469 -> 5,000; top 15,000.
        let counts = NiceScale(lower: 0, upper: 12_345)
        #expect(counts.step == 5_000 && counts.max == 15_000)
        // 0...3 people: 0.6 would be the step, but a count never steps by less than 1.
        #expect(NiceScale(lower: 0, upper: 3, minimumStep: 1).ticks == [0, 1, 2, 3])
        // Nothing at all: one unit, so the axis still has two ticks.
        #expect(NiceScale(lower: 0, upper: 0, minimumStep: 1).ticks == [0, 1])
        // 3 intervals wanted on a short axis: 0...100 / 3 = 33.3 -> 50.
        #expect(NiceScale(lower: 0, upper: 100, target: 3).ticks == [0, 50, 100])
    }

    @Test func tickLabelsShareOneUnit() {
        func labels(_ style: ValueStyle, _ language: ChartLanguage, _ lower: Double, _ upper: Double) -> [String] {
            let scale = NiceScale(lower: lower, upper: upper, minimumStep: style.minimumStep)
            let format = TickFormatter(style: style, language: language, scale: scale)
            return scale.ticks.map { format($0) }
        }
        // 0...150,000 people: step 50,000 (30,000 -> 50,000), printed in 万.
        #expect(labels(.count, .zh, 0, 150_000) == ["0", "5万", "10万", "15万"])
        // The same in English: 14,000 -> step 5,000 (2,800 -> 5,000), printed in K.
        #expect(labels(.count, .en, 0, 14_000) == ["0", "5K", "10K", "15K"])
        // Below 10,000 plain numbers with separators: 0...8,000 step 2,000.
        #expect(labels(.count, .zh, 0, 7_900) == ["0", "2,000", "4,000", "6,000", "8,000"])
        // ¥15,000 = 1,500,000 fen: step ¥5,000, in 万 with the decimal the step needs.
        #expect(labels(.moneyFen, .zh, 0, 1_500_000) == ["¥0", "¥0.5万", "¥1万", "¥1.5万"])
        #expect(labels(.moneyFen, .en, 0, 1_500_000) == ["¥0", "¥5K", "¥10K", "¥15K"])
        // Negative money keeps its sign in front of ¥: -¥500 ... ¥1,000 in steps of ¥500.
        #expect(labels(.moneyFen, .zh, -50_000, 100_000) == ["-¥500", "¥0", "¥500", "¥1,000"])
        // Shares: 0.37 -> step 10%; 0.024 -> step 0.5% (0.0048 -> 0.005), one decimal only where needed.
        #expect(labels(.percent, .zh, 0, 0.37) == ["0%", "10%", "20%", "30%", "40%"])
        #expect(labels(.percent, .zh, 0, 0.024) == ["0%", "0.5%", "1%", "1.5%", "2%", "2.5%"])
        // 2.5亿 people: 50,000,000 step, in 亿.
        #expect(labels(.count, .zh, 0, 250_000_000) == ["0", "0.5亿", "1亿", "1.5亿", "2亿", "2.5亿"])
    }

    @Test func valuesPrintExactlyOnHoverAndCompactlyOnMarks() {
        #expect(ValueStyle.count.exact(12_345, .zh) == "12,345")
        #expect(ValueStyle.count.compact(12_345, .zh) == "1.2万")
        #expect(ValueStyle.count.compact(12_345, .en) == "12,345")
        #expect(ValueStyle.count.exact(2.5, .zh) == "2.50")
        #expect(ValueStyle.moneyFen.exact(123_456, .zh) == "¥1,234.56")
        #expect(ValueStyle.moneyFen.compact(12_345_600, .zh) == "¥12.3万")
        #expect(ValueStyle.percent.exact(0.6, .zh) == "60.0%")
        #expect(ValueStyle.count.exact(.nan, .zh) == "–")
        #expect(ValueStyle.moneyFen.exact(1e30, .zh) == NumberFormat.money(fen: Int64.max))  // saturates, no trap
    }

    @Test func coordinatesHaveAtMostTwoDecimals() {
        #expect(SVG.n(100) == "100")
        #expect(SVG.n(3.1) == "3.1")
        #expect(SVG.n(0.05) == "0.05")
        #expect(SVG.n(-1.25) == "-1.25")
        #expect(SVG.n(2.0 / 3) == "0.67")
        #expect(SVG.n(-0.001) == "0")
        #expect(SVG.n(.nan) == "0")
    }

    @Test func escapingCoversMarkupAndQuotes() {
        #expect(SVG.escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;")
        #expect(SVG.escape("tab\there\u{0}\u{1B}") == "tab\there")  // XML 1.0 cannot carry NUL or ESC
    }

    @Test func paletteIsStable() {
        #expect(ChartPalette.color(0) == ChartPalette.color(10))
        #expect(ChartPalette.color(-1) == ChartPalette.color(9))
        #expect(ChartPalette.color(0) != ChartPalette.color(1))
        #expect(ChartPalette.stage("p") == ChartPalette.stage("P"))
        #expect(Set(["A", "I", "P", "L", "none"].map(ChartPalette.stage)).count == 5)
        #expect(ChartPalette.stage("unknown") == ChartPalette.stage("none"))
        #expect(ChartPalette.mix("#000000", "#ffffff", 0.5) == "#808080")  // 127.5 rounds to 128 = 0x80
    }

    @Test func textWidthsCountCJKAsOneEm() {
        #expect(TextMetrics.width("重要价值客户", size: 12) == 72)
        #expect(TextMetrics.truncate("重要价值客户", maxWidth: 40, size: 12) == "重要…")  // 2 × 12 + 6.72 (…) = 30.72 <= 40; "重要价…" would be 42.72
    }
}
