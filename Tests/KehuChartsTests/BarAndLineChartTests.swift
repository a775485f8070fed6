import Testing
@testable import KehuCharts

@Suite struct BarChartTests {
    /// Height 264 with no title leaves a 200-unit plot: 12 margin + 16 headroom for value labels
    /// + 200 plot + 24 for category labels (12 + 12) + 12 margin.
    @Test func barHeightsAreProportionalOnAZeroBaseline() throws {
        let chart = BarChart(categories: ["甲", "乙"], series: [Series(name: "人数", values: [50, 100])], height: 264)
        let root = try SVGElement.parse(chart.svg())
        let bars = root.find("rect", cls: "bar")
        // Axis 0...100 in steps of 20; plot top at y = 12 + 16 = 28, bottom (zero) at 228.
        // 50 of 100 on a 200-unit plot is 100 tall: y = 128; 100 is 200 tall: y = 28.
        #expect(bars.map { $0.number("height") } == [100, 200])
        #expect(bars.map { $0.number("y") } == [128, 28])
        #expect(root.find("text", cls: "tick-label").map(\.text) == ["0", "20", "40", "60", "80", "100"])
        #expect(root.find("text", cls: "value-label").map(\.text) == ["50", "100"])
        #expect(bars.map(\.tooltip) == ["甲：50", "乙：100"])
        #expect(root.find("text", cls: "category-label").map(\.text) == ["甲", "乙"])
    }

    /// Intervals draw as whiskers with caps, the axis covers them and the value prints above the
    /// whisker. Height 264, no title: plot y 28...228 as above.
    @Test func intervalsDrawAsWhiskersAboveWhichTheValuePrints() throws {
        let chart = BarChart(
            categories: ["甲", "乙"], series: [Series(name: "转化率", values: [0.5, 0.25], intervals: [0.2...0.9, nil])], style: .percent,
            height: 264)
        let root = try SVGElement.parse(chart.svg())
        // The axis reaches the upper bound 0.9: 0...0.9 in 5 -> step 0.2, axis 0...1 (200 units per 1).
        #expect(root.find("text", cls: "tick-label").map(\.text) == ["0%", "20%", "40%", "60%", "80%", "100%"])
        let whisker = try #require(root.find("line", cls: "interval").first)
        // From 0.2 (y = 228 − 40 = 188) up to 0.9 (y = 228 − 180 = 48), at the bar's centre.
        #expect(whisker.number("y1") == 188 && whisker.number("y2") == 48)
        let bar = root.find("rect", cls: "bar")[0]
        #expect(whisker.number("x1") == bar.number("x") + bar.number("width") / 2)
        #expect(root.find("line", cls: "interval").count == 1 && root.find("line", cls: "interval-cap").count == 2)
        // The value 50.0% prints 5 above the whisker's top, not inside it; 乙 has no interval.
        let labels = root.find("text", cls: "value-label")
        #expect(labels.map(\.text) == ["50.0%", "25.0%"] && labels[0].number("y") == 43)
        #expect(bar.tooltip == "甲：50.0% (20.0% – 90.0%)")
    }

    /// Negative values hang below the zero line. Height 278 = 264 + 14 footroom for the labels
    /// under negative bars, so the plot is again 200 tall (y 28...228).
    @Test func negativeBarsHangBelowZero() throws {
        let chart = BarChart(categories: ["甲", "乙"], series: [Series(name: "变化", values: [-50, 100])], height: 278)
        let bars = try SVGElement.parse(chart.svg()).find("rect", cls: "bar")
        // Axis -50...100 (range 150 / 5 = 30 -> step 50); zero at 28 + 200 × 100/150 = 161.33.
        // -50 is 200 × 50/150 = 66.67 tall from the zero line down; 100 is 133.33 tall up to 28.
        #expect(bars[0].number("y") == 161.33 && bars[0].number("height") == 66.67)
        #expect(bars[1].number("y") == 28 && bars[1].number("height") == 133.33)
    }

    /// Stacks: positives upwards from zero, negatives downwards; totals printed above.
    @Test func stackedBarsStackPositivesAndPrintTotals() throws {
        let chart = BarChart(categories: ["甲", "乙"],
                             series: [Series(name: "新客", values: [10, 20]), Series(name: "老客", values: [30, -5])],
                             stacked: true, height: 278)
        let root = try SVGElement.parse(chart.svg())
        // The legend takes 18 + 8 = 26 more at the top, so with height 278 + 26 = 304 the plot
        // would be 200 tall; at 278 it is 174 tall, from y = 12 + 26 + 16 = 54 to 228.
        // Axis: stacks reach 40 (甲: 10 + 30) and -5 (乙) -> -5...40, 45 / 5 = 9 -> step 10,
        // axis -10...40 (50 units): 174 / 50 = 3.48 per unit; zero at 54 + 40 × 3.48 = 193.2.
        let bars = root.find("rect", cls: "bar")
        #expect(bars.map { $0.number("height") } == [34.8, 104.4, 69.6, 17.4])  // 10, 30, 20, 5 units
        #expect(bars.map { $0.number("y") } == [158.4, 54, 123.6, 193.2])       // tops at 10, 40, 20 and zero
        #expect(root.find("text", cls: "total-label").map(\.text) == ["40", "20"])
        #expect(bars[1].tooltip == "甲 · 老客：30")
        #expect(root.find("text", cls: "legend-label").map(\.text) == ["新客", "老客"])
    }

    @Test func horizontalBarsGrowRightFromZeroWithLongLabels() throws {
        let chart = BarChart(categories: ["重要价值客户", "一般挽留客户"], series: [Series(name: "人数", values: [50, 100])],
                             horizontal: true)
        let root = try SVGElement.parse(chart.svg())
        let bars = root.find("rect", cls: "bar")
        let frame = ChartFrame(kind: "bar", title: nil, fallbackTitle: "", width: 640, height: 320, language: .zh)
        let (geometry, _, _) = chart.horizontalGeometry(frame.content, (0, 100))
        // Both start at the zero line, the left edge of the plot, after the 72-unit labels + 10.
        #expect(geometry.plot.x == 12 + 72 + 10)
        #expect(bars.allSatisfy { $0.number("x") == 94 })
        // 50 is half of the axis' 100, so half as long.
        #expect(abs(bars[0].number("width") - geometry.plot.width / 2) < 0.01)
        #expect(abs(bars[1].number("width") - geometry.plot.width) < 0.01)
        let labels = root.find("text", cls: "category-label")
        #expect(labels.map(\.text) == ["重要价值客户", "一般挽留客户"])
        #expect(labels.allSatisfy { $0["text-anchor"] == "end" })
    }

    @Test func manyLongCategoriesAreSlanted() throws {
        let categories = (1...12).map { "重要价值客户\($0)号" }
        let chart = BarChart(categories: categories, series: [Series(name: "人数", values: (1...12).map(Double.init))])
        let labels = try SVGElement.parse(chart.svg()).find("text", cls: "category-label")
        #expect(labels.count == 12)
        #expect(labels.allSatisfy { $0["transform"]?.hasPrefix("rotate(-45 ") == true })
    }

    /// 14 bars on 640 units leave slots of about 40.8 (plot 571.7 after the "¥100万" ticks), so
    /// a label may be 36.8 wide: "¥64万" (29.9) fits, "¥98.2万" (39.6) does not. Then no bar is
    /// labelled, rather than all but one.
    @Test func valueLabelsAreAllOrNothing() throws {
        let categories = (0..<14).map { String(UnicodeScalar(UInt8(97 + $0))) }
        let small = [Double](repeating: 1_000_000, count: 12)  // ¥1万 each
        func labels(_ first: Double) throws -> Int {
            let chart = BarChart(categories: categories, series: [Series(name: "GMV", values: [first, 64_000_000] + small)],
                                 style: .moneyFen)
            return try SVGElement.parse(chart.svg()).find("text", cls: "value-label").count
        }
        #expect(try labels(98_210_000) == 0)
        #expect(try labels(64_000_000) == 14)
    }

    @Test func moneyAxesPrintYuan() throws {
        // ¥120 and ¥85.50 in fen: axis 0...¥120 -> 12,000 / 5 = 2,400 -> step 5,000 fen (¥50), top ¥150.
        let chart = BarChart(categories: ["天猫", "京东"], series: [Series(name: "GMV", values: [12_000, 8_550])], style: .moneyFen)
        let root = try SVGElement.parse(chart.svg())
        #expect(root.find("text", cls: "tick-label").map(\.text) == ["¥0", "¥50", "¥100", "¥150"])
        #expect(root.find("rect", cls: "bar").map(\.tooltip) == ["天猫：¥120.00", "京东：¥85.50"])
    }
}

@Suite struct LineChartTests {
    @Test func missingValuesBreakTheLine() throws {
        #expect(LineChart.runs([1, .nan, 2, 3]) == [0..<1, 2..<4])
        #expect(LineChart.runs([.nan, .nan]) == [])
        let chart = LineChart(xLabels: ["a", "b", "c", "d"], series: [Series(name: "s", values: [1, .nan, 2, 3])])
        let root = try SVGElement.parse(chart.svg())
        // The lone first value is a point without a line; 2 and 3 are joined.
        #expect(root.find("path", cls: "line").count == 1)
        #expect(root.find("circle", cls: "point").map(\.tooltip) == ["a：1", "c：2", "d：3"])
    }

    @Test func pointsSitOnTheValueAxis() throws {
        // Height 264 with no title: content 12...252; 16 headroom for value labels; 24 for x labels
        // -> plot 28...228 (200 tall).
        let chart = LineChart(xLabels: ["一", "二", "三"], series: [Series(name: "s", values: [0, 50, 100])], height: 264)
        let root = try SVGElement.parse(chart.svg())
        let points = root.find("circle", cls: "point")
        // Axis 0...100: 0 at 228, 50 at 228 - 100 = 128, 100 at 28. Points evenly spread in x.
        #expect(points.map { $0.number("cy") } == [228, 128, 28])
        #expect(root.find("text", cls: "value-label").map(\.text) == ["0", "50", "100"])
        let xs = points.map { $0.number("cx") }
        #expect(abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 0.02)
    }

    @Test func negativeValuesPrintBelowTheirPoints() throws {
        let chart = LineChart(xLabels: ["一", "二"], series: [Series(name: "净增", values: [100, -50])])
        let root = try SVGElement.parse(chart.svg())
        let points = root.find("circle", cls: "point"), labels = root.find("text", cls: "value-label")
        #expect(labels.map(\.text) == ["100", "-50"])
        #expect(abs(labels[0].number("y") - (points[0].number("cy") - 8)) < 0.02)   // above
        #expect(abs(labels[1].number("y") - (points[1].number("cy") + 16)) < 0.02)  // below
    }

    @Test func ninetyDailyLabelsAreThinnedSoTheyDoNotOverlap() throws {
        let days = (0..<90).map { "2026-\($0 < 30 ? "09" : $0 < 60 ? "10" : "11")-\(String(($0 % 30) + 1))" }
        // Day 10 has no neighbours (days 9 and 11 are missing): it has no line, so it is a visible dot.
        let values: [Double] = (0..<90).map { (day: Int) -> Double in day == 9 || day == 11 ? .nan : Double(day % 7 + 1) }
        let chart = LineChart(xLabels: days, series: [Series(name: "人数", values: values)])
        let root = try SVGElement.parse(chart.svg())
        let labels = root.find("text", cls: "category-label")
        #expect(labels.count > 3 && labels.count < 15)
        #expect(labels.first?.text == "2026-09-1")
        let xs = labels.map { $0.number("x") }
        let widest = days.map { TextMetrics.width($0, size: 12) }.max()!
        for (a, b) in zip(xs, xs.dropFirst()) { #expect(b - a >= widest + 4) }
        let points = root.find("circle", cls: "point")
        #expect(points.count == 88)
        // More than 40 points: invisible hover targets, except the lone day 10 (the 10th point).
        #expect(points.filter { $0["fill-opacity"] == "0" }.count == 87)
        #expect(points[9]["fill-opacity"] == nil && points[9].tooltip == "2026-09-11：4")  // 10 % 7 + 1
    }

    @Test func seriesGetALegendAndTheirColours() throws {
        let chart = LineChart(xLabels: ["a", "b"], series: [Series(name: "次日留存", values: [0.3, 0.2]),
                                                            Series(name: "7日留存", values: [0.1, 0.05])],
                              style: .percent, colors: ["#111111"])
        let root = try SVGElement.parse(chart.svg())
        #expect(root.find("text", cls: "legend-label").map(\.text) == ["次日留存", "7日留存"])
        #expect(root.find("path", cls: "line").map { $0["stroke"] } == ["#111111", ChartPalette.color(1)])
        #expect(root.find("circle", cls: "point").first?.tooltip == "a · 次日留存：30.0%")
    }
}
