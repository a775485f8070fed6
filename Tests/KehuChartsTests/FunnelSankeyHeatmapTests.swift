import Testing
@testable import KehuCharts

@Suite struct FunnelChartTests {
    /// 1,000 visit, 600 add to cart, 360 pay: 600 / 1,000 = 60.0%, 360 / 600 = 60.0%,
    /// 360 / 1,000 = 36.0% overall.
    @Test func stepsNarrowAndPrintConversions() throws {
        let chart = FunnelChart(title: "转化漏斗", steps: [.init(label: "访问", value: 1_000), .init(label: "加购", value: 600),
                                                     .init(label: "支付", value: 360)])
        #expect((0..<3).map(chart.fromPrevious) == ["–", "60.0%", "60.0%"])
        #expect((0..<3).map(chart.fromFirst) == ["100.0%", "60.0%", "36.0%"])
        let root = try SVGElement.parse(chart.svg())
        let steps = root.find("rect", cls: "step")
        let widths = steps.map { $0.number("width") }
        #expect(abs(widths[1] / widths[0] - 0.6) < 0.001 && abs(widths[2] / widths[0] - 0.36) < 0.001)
        // Centred on one axis.
        let centres = steps.map { $0.number("x") + $0.number("width") / 2 }
        #expect(centres.allSatisfy { abs($0 - centres[0]) < 0.02 })
        #expect(steps.map(\.tooltip) == ["访问：1,000", "加购：600 · 较上一步 60.0% · 占首步 60.0%",
                                         "支付：360 · 较上一步 60.0% · 占首步 36.0%"])
        let conversions = root.find("text", cls: "conversion").map(\.text)
        #expect(conversions == ["基准", "较上一步 60.0%", "占首步 60.0%", "较上一步 60.0%", "占首步 36.0%"])
        #expect(root.find("text", cls: "overall-conversion").first?.text == "整体转化率 36.0%（支付 / 访问）")
        #expect(root.find("text", cls: "value-label").map(\.text) == ["1,000", "600", "360"])
    }

    @Test func aZeroStepDoesNotDivideByZero() throws {
        let chart = FunnelChart(steps: [.init(label: "a", value: 10), .init(label: "b", value: 0), .init(label: "c", value: 0)],
                                language: .en)
        #expect(chart.fromPrevious(2) == "–")
        let text = chart.svg()
        _ = try SVGElement.parse(text)
        #expect(text.contains("0.0% of first") && !text.lowercased().contains("nan"))
    }
}

@Suite struct SankeyChartTests {
    /// A flows 30 to X and 70 to Y. Height 360 with no title leaves content y 12...348 (336).
    /// Column 1 has two nodes and a 12 gap: (336 - 12) / 100 = 3.24 units per person, which is
    /// less than column 0's 336 / 100, so it sets the scale: A 324 tall, X 97.2, Y 226.8.
    @Test func bandsAndNodesAreProportionalToFlows() throws {
        let chart = SankeyChart(nodes: [.init(id: "start-A", label: "A 认知", column: 0),
                                        .init(id: "X", label: "X", column: 1, stage: "P"),
                                        .init(id: "Y", label: "Y", column: 1, stage: "L"),
                                        .init(id: "Z", label: "Z", column: 1)],
                                links: [.init(from: "start-A", to: "X", value: 30), .init(from: "start-A", to: "Y", value: 70),
                                        .init(from: "start-A", to: "Z", value: 0)])
        let root = try SVGElement.parse(chart.svg())
        let nodes = root.find("rect", cls: "node")
        // Z carries nothing and is left out, as is its zero link.
        #expect(nodes.map { $0.number("height") } == [324, 97.2, 226.8])
        // Column 0 is centred: (336 - 324) / 2 = 6 below the top; X at the top, Y 12 below X.
        #expect(nodes.map { $0.number("y") } == [18, 12, 121.2])
        let links = root.find("path", cls: "link")
        #expect(links.count == 2)
        // Band edges from the path "M x0 s0 C .. .. .. .. x1 t0 L x1 t1 C .. .. .. .. x0 s1 Z".
        let bands = links.map { link in
            link["d"]!.split(whereSeparator: { "MCLZ ".contains($0) }).compactMap { Double($0) }
        }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 0.001 }
        #expect(close(bands[0][15] - bands[0][1], 97.2))    // 30 × 3.24 at the source
        #expect(close(bands[0][9] - bands[0][7], 97.2))     // and at the target
        #expect(close(bands[1][15] - bands[1][1], 226.8))   // 70 × 3.24
        #expect(close(bands[1][9] - bands[1][7], 226.8))
        #expect(bands[0][1] == 18 && bands[1][1] == 115.2)  // stacked in A from its top: 18, 18 + 97.2
        // Coloured by the source's stage, read from its id "start-A".
        #expect(links.allSatisfy { $0["fill"] == ChartPalette.stage("A") })
        #expect(nodes.map { $0["fill"] } == [ChartPalette.stage("A"), ChartPalette.stage("P"), ChartPalette.stage("L")])
        #expect(links[0].tooltip == "A 认知 → X：30（占来源 30.0%）")
        #expect(root.find("text", cls: "node-label").map(\.text) == ["A 认知", "X", "Y"])
        #expect(root.find("text", cls: "node-total").map(\.text) == ["100", "30", "70"])
    }

    @Test func crowdedSmallNodesKeepTheirLabelsApart() {
        let placed = (0..<3).map { i in
            SankeyChart.Layout.PlacedNode(node: i, rect: Rect(x: 0, y: 100 + Double(i) * 4, width: 14, height: 2), total: 1)
        }
        // Single-line labels are 15 apart at least: 101, 116, 131 instead of 101, 105, 109.
        #expect(SankeyChart.labelCentres(placed, within: Rect(x: 0, y: 0, width: 100, height: 400)) == [101, 116, 131])
        // Near the bottom they are pushed back up: the last ends at 120, so 112.5, 97.5, 82.5.
        #expect(SankeyChart.labelCentres(placed, within: Rect(x: 0, y: 0, width: 100, height: 120)) == [82.5, 97.5, 112.5])
    }
}

@Suite struct HeatmapTests {
    /// Retention triangle: row 11-02 is shorter (its later days have not happened yet).
    @Test func cellsShadeLightToDarkAndBlanksStayBlank() throws {
        let chart = Heatmap(rowLabels: ["11-01", "11-02"], columnLabels: ["第1天", "第2天", "第3天"],
                            values: [[0.4, 0.2, nil], [0.3]])
        let root = try SVGElement.parse(chart.svg())
        let cells = root.find("rect", cls: "cell")
        #expect(cells.count == 3)
        // Scale 0...0.4: 0.4 is the dark end; 0.2 halfway: (238,244,253) + ((29,79,145) - ...) / 2
        // = (133.5, 161.5, 199) -> #86a2c7; 0.3 three quarters: (81.25, 120.25, 172) -> #5178ac.
        #expect(cells.map { $0["fill"] } == ["#1d4f91", "#86a2c7", "#5178ac"])
        #expect(root.find("text", cls: "cell-label").map(\.text) == ["40.0%", "20.0%", "30.0%"])
        #expect(root.find("text", cls: "cell-label").map { $0["fill"] } == ["#ffffff", Theme.ink, "#ffffff"])
        #expect(cells.first?.tooltip == "11-01 · 第1天：40.0%")
        #expect(root.find("text", cls: "row-label").map(\.text) == ["11-01", "11-02"])
        #expect(root.find("text", cls: "column-label").map(\.text) == ["第1天", "第2天", "第3天"])
        // No height given: 12 + 22 column labels + 4 rows minimum × 26 + 34 key + 12 = 184.
        #expect(root["height"] == "184")
    }

    @Test func narrowCellsKeepTheirValueInTheTitleOnly() throws {
        let columns = (0..<60).map { "D\($0)" }
        let chart = Heatmap(rowLabels: ["a"], columnLabels: columns, values: [columns.indices.map { Double($0) / 100 }])
        let root = try SVGElement.parse(chart.svg())
        #expect(root.find("rect", cls: "cell").count == 60)
        #expect(root.find("text", cls: "cell-label").isEmpty)  // ~10 units per cell, "59.0%" needs 30
        // "D59" is 20.24 wide: every ceil(26.24 / 9.98) = 3rd column is labelled.
        #expect(root.find("text", cls: "column-label").count == 20)
    }
}
