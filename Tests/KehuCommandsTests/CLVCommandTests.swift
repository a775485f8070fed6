import Foundation
import Testing
import KehuTesting

@Suite("kehu clv end to end")
struct CLVCommandTests {
    /// The CDNOW sample (2,357 customers) committed with KehuPredict's tests.
    static let cdnow = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KehuPredictTests/Fixtures/CDNOW_sample.txt").standardized.path

    @Test("CDNOW through ingest, the store and kehu clv gives the published BG/NBD and Gamma-Gamma fits")
    func cdnowThroughTheStore() throws {
        let dir = TemporaryDirectory(prefix: "kehu-clv")
        let ingest = try runKehu(["ingest", Self.cdnow, "--format", "cdnow", "--data", dir.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // 39-week calibration (1997-01-01 .. 1997-09-30) in weeks, as Fader, Hardie & Lee (2005).
        let result = try runKehu([
            "clv", "--data", dir.path, "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let bgnbd = json["purchaseModel"] as! [String: Double]
        let gg = json["spendModel"] as! [String: Double]
        // Published: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4 (BG/NBD);
        // p 6.25, q 3.74, v 15.44 (Gamma-Gamma). Three significant digits.
        func close(_ value: Double?, _ expected: Double) -> Bool {
            guard let value else { return false }
            return abs(value - expected) <= abs(expected) * 0.002
        }
        #expect(close(bgnbd["r"], 0.2426))
        #expect(close(bgnbd["alpha"], 4.414))
        #expect(close(bgnbd["a"], 0.7929))
        #expect(close(bgnbd["b"], 2.426))
        #expect(close(json["purchaseLogLikelihood"] as? Double, -9582.4))
        #expect(close(gg["p"], 6.25))
        #expect(close(gg["q"], 3.744))
        #expect(close(gg["v"], 15.44))
        // Every CDNOW customer bought in the first 12 weeks, so all 2,357 are in calibration.
        #expect(json["customers"] as? Int == 2357)
        let holdout = try #require(json["holdout"] as? [[String: Any]])
        #expect(holdout.map { $0["customers"] as! Int }.reduce(0, +) == 2357)
        // CLV by stage and RFM group on CDNOW: the whole cohort first bought in Q1 1997, so as of
        // 1997-09-30 every customer is P or L and inside the 365-day RFM window; each grouping
        // covers all 2,357 customers and adds up to the total CLV.
        let total = try #require(json["totalCLV"] as? Double)
        for key in ["byStage", "bySegment", "byValueClass"] {
            let groups = try #require(json[key] as? [[String: Any]], "\(key)")
            #expect(groups.map { $0["customers"] as! Int }.reduce(0, +) == 2357, "\(key)")
            #expect(abs(groups.map { $0["totalCLV"] as! Double }.reduce(0, +) - total) < 1e-6 * total, "\(key)")
        }
        let stages = try #require(json["byStage"] as? [[String: Any]])
        #expect(stages.filter { ["P", "L"].contains($0["group"] as! String) }.map { $0["customers"] as! Int }.reduce(0, +) == 2357)
        let segments = try #require(json["bySegment"] as? [[String: Any]])
        #expect(segments.last?["group"] as? String == "no paid order in the 365 days")
        #expect(segments.last?["customers"] as? Int == 0)

        let export = dir.path + "/clv.csv"
        let exported = try runKehu(["clv", "--data", dir.path, "--calibration-end", "1997-09-30", "--export", export])
        #expect(exported.status == 0)
        let lines = try String(contentsOfFile: export, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2358)
        #expect(lines[0] == "consumer_id,frequency,recency,T,monetary_value,p_alive,expected_purchases,expected_spend,clv")
    }

    @Test("a workspace without paid orders gets a clear message")
    func noOrders() throws {
        let dir = TemporaryDirectory(prefix: "kehu-clv")
        let file = dir.path + "/views.csv"
        try "event_id,ts,keys,kind,channel\nv1,2026-06-01T10:00:00+08:00,member:1,view,tmall\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runKehu(["ingest", file, "--data", dir.path]).status == 0)
        let result = try runKehu(["clv", "--data", dir.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no paid orders"))
    }
}
