import Testing
@testable import KehuCharts

/// One sample of every chart kind, with labels that need escaping.
enum Samples {
    static let tricky = "<渠道> & \"类型\""

    static var all: [(kind: String, svg: () -> String)] {
        [
            ("bar", { BarChart(title: tricky, categories: ["天猫", tricky, "抖音"],
                               series: [Series(name: "本期", values: [120, -30, .nan]), Series(name: tricky, values: [80, 40, 10])]).svg() }),
            ("bar", { BarChart(categories: ["重要价值客户", tricky], series: [Series(name: "人数", values: [12_340, 41_230])],
                               stacked: true, horizontal: true).svg() }),
            ("line", { LineChart(title: tricky, xLabels: ["11-01", "11-02", "11-03"],
                                 series: [Series(name: tricky, values: [0.3, .nan, 0.25])], style: .percent).svg() }),
            ("funnel", { FunnelChart(title: tricky, steps: [.init(label: tricky, value: 1_000), .init(label: "购买", value: 600)]).svg() }),
            ("sankey", { SankeyChart(title: tricky, nodes: [.init(id: "A", label: tricky, column: 0), .init(id: "P", label: "P 购买", column: 1)],
                                     links: [.init(from: "A", to: "P", value: 30)]).svg() }),
            ("heatmap", { Heatmap(title: tricky, rowLabels: [tricky], columnLabels: ["第1天", "第2天"], values: [[0.4, nil]]).svg() }),
        ]
    }
}

@Suite struct ChartOutputTests {
    @Test func everyChartIsWellFormedSVGWithItsKindAndTitle() throws {
        for sample in Samples.all {
            let text = sample.svg()
            let root = try SVGElement.parse(text)
            #expect(root.name == "svg")
            #expect(root["xmlns"] == "http://www.w3.org/2000/svg")
            #expect(root["class"] == "kehu-chart kehu-chart-\(sample.kind)")
            #expect(root["role"] == "img")
            #expect(root["viewBox"] == "0 0 \(root["width"] ?? "?") \(root["height"] ?? "?")")
            #expect(root["aria-label"]?.isEmpty == false)
            #expect(root.children.first?.name == "title")
            #expect(root["font-family"]?.contains("Noto Sans CJK SC") == true)
            #expect(!text.contains("<script") && !text.contains("@import") && !text.contains("href"))
        }
    }

    @Test func labelsAreEscapedAndReadBackIntact() throws {
        for sample in Samples.all {
            let text = sample.svg()
            #expect(!text.contains("<渠道>"), "raw markup in \(sample.kind)")
            let root = try SVGElement.parse(text)
            let texts = root.all.map(\.text)
            #expect(texts.contains { $0.contains(Samples.tricky) }, "\(sample.kind) lost the label")
        }
        let titled = try SVGElement.parse(Samples.all[0].svg())
        #expect(titled.children.first?.text == Samples.tricky)
        #expect(titled["aria-label"] == Samples.tricky)
    }

    @Test func everyMarkCarriesAHoverTitle() throws {
        let marks: Set<String> = ["bar", "point", "step", "link", "node", "cell"]
        for sample in Samples.all {
            let root = try SVGElement.parse(sample.svg())
            let found = root.all.filter { marks.contains($0["class"] ?? "") }
            #expect(!found.isEmpty, "\(sample.kind) has no marks")
            for mark in found {
                #expect(mark.tooltip?.isEmpty == false, "\(sample.kind) \(mark.name) without a title")
            }
        }
    }

    @Test func outputIsDeterministicWithShortNumbers() throws {
        let decimals = #/\d\.\d{3}/#
        for sample in Samples.all {
            let first = sample.svg()
            #expect(first == sample.svg())
            #expect(first.firstMatch(of: decimals) == nil, "\(sample.kind) prints a number with 3+ decimals")
            #expect(!first.lowercased().contains("nan") && !first.contains("inf"))
        }
    }

    @Test func emptyAndAllZeroInputShowNoData() throws {
        let charts: [(String, String)] = [
            ("bar", BarChart(categories: [], series: []).svg()),
            ("bar", BarChart(categories: ["a", "b"], series: [Series(name: "s", values: [0, .nan])]).svg()),
            ("bar", BarChart(categories: ["a"], series: [], horizontal: true).svg()),
            ("line", LineChart(xLabels: [], series: []).svg()),
            ("line", LineChart(xLabels: ["a", "b"], series: [Series(name: "s", values: [0, 0])]).svg()),
            ("funnel", FunnelChart(steps: []).svg()),
            ("funnel", FunnelChart(steps: [.init(label: "a", value: 0), .init(label: "b", value: 0)]).svg()),
            ("sankey", SankeyChart(nodes: [], links: []).svg()),
            ("sankey", SankeyChart(nodes: [.init(id: "a", label: "a", column: 0), .init(id: "b", label: "b", column: 1)],
                                   links: [.init(from: "a", to: "b", value: 0)]).svg()),
            ("heatmap", Heatmap(rowLabels: [], columnLabels: [], values: []).svg()),
            ("heatmap", Heatmap(rowLabels: ["a"], columnLabels: ["x", "y"], values: [[0, nil]]).svg()),
        ]
        for (kind, text) in charts {
            let root = try SVGElement.parse(text)
            #expect(root["class"] == "kehu-chart kehu-chart-\(kind)")
            #expect(root.find("text", cls: "no-data").first?.text == "暂无数据", "\(kind)")
            #expect(root.find("rect", cls: "no-data-frame").count == 1)
            #expect(!text.lowercased().contains("nan"))
        }
        let english = try SVGElement.parse(LineChart(xLabels: [], series: [], language: .en).svg())
        #expect(english.find("text", cls: "no-data").first?.text == "No data")
    }

    @Test func mismatchedLengthsStopWithAMessage() async {
        await #expect(processExitsWith: .failure) {
            _ = BarChart(categories: ["a", "b"], series: [Series(name: "s", values: [1])])
        }
        await #expect(processExitsWith: .failure) {
            _ = LineChart(xLabels: ["a"], series: [Series(name: "s", values: [1, 2])])
        }
        await #expect(processExitsWith: .failure) {
            _ = Heatmap(rowLabels: ["a"], columnLabels: ["x"], values: [[0.1, 0.2]])
        }
        await #expect(processExitsWith: .failure) {
            _ = SankeyChart(nodes: [.init(id: "a", label: "a", column: 0)], links: [.init(from: "a", to: "b", value: 1)])
        }
    }
}
