import Foundation
import Testing
import KehuTesting

@Suite("kehu aipl and kehu fast end to end")
struct AIPLCommandTests {
    /// As of 2026-06-30: member:1 A (view 06-20), member:2 I (cart 06-21), member:3 L (pay, then a
    /// review), member:4 P, member:5 I (joined 06-30, a member; not active). A 1, I 2, P 1, L 1.
    static let csv = """
        event_id,ts,keys,kind,channel,order_id,amount
        e1,2026-06-20T10:00:00+08:00,member:1,view,tmall,,
        e2,2026-06-21T10:00:00+08:00,member:2,cart,tmall,,
        e3,2026-06-01T10:00:00+08:00,member:3,pay,tmall,o3,100.00
        e4,2026-06-25T10:00:00+08:00,member:3,review,tmall,,
        e5,2026-05-01T10:00:00+08:00,member:4,pay,tmall,o4,50.00
        e6,2026-06-30T10:00:00+08:00,member:5,member_join,tmall,,

        """

    static func workspace() throws -> (TemporaryDirectory, String) {
        let dir = TemporaryDirectory(prefix: "kehu-aipl")
        let file = dir.path + "/events.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let ingest = try runKehu(["ingest", file, "--data", dir.path + "/data"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return (dir, dir.path + "/data")
    }

    static func json(_ result: ProcessResult) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("kehu aipl without a subcommand, show, --by category, --trend, flow, benchmark and fast")
    func commands() throws {
        let (dir, data) = try Self.workspace()
        let plain = try Self.json(try runKehu(["aipl", "--as-of", "2026-06-30", "--data", data, "--format", "json"]))
        let counts = try #require(plain["counts"] as? [[String: Any]]).map { $0["consumers"] as? Int }
        #expect(counts == [0, 1, 2, 1, 1])
        let show = try runKehu(["aipl", "show", "--as-of", "2026-06-30", "--data", data])
        #expect(show.status == 0)
        #expect(show.stdout.contains("忠诚"))

        let trend = try Self.json(try runKehu(["aipl", "--trend", "day", "--from", "2026-06-28", "--to", "2026-06-30", "--data", data, "--format", "json"]))
        #expect((trend["days"] as? [String]) == ["2026-06-28", "2026-06-29", "2026-06-30"])
        #expect((trend["assets"] as? [Int]) == [4, 4, 5])

        let flow = try Self.json(try runKehu(["aipl", "flow", "--from", "2026-06-01", "--to", "2026-06-30", "--data", data, "--format", "json"]))
        // As of 06-01: member:3 P (paid that day), member:4 P, the rest none.
        #expect((flow["matrix"] as? [[Int]]) == [[0, 1, 2, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])

        let file = dir.path + "/industry.csv"
        try "# industry\nstage,share\nA,0.4\nI,0.2\nP,0.2\nL,0.2\n".write(toFile: file, atomically: true, encoding: .utf8)
        let benchmark = try runKehu(["aipl", "benchmark", file, "--as-of", "2026-06-30", "--data", data])
        #expect(benchmark.status == 0, "\(benchmark.stderr)")
        // Brand A 20%, I 40%, P 20%, L 20% against 40 / 20 / 20 / 20.
        #expect(benchmark.stdout.contains("-20.0 pp  thin 偏薄"))
        #expect(benchmark.stdout.contains("+20.0 pp  strong 偏强"))
        try "stage,share\nA,0.4\nI,0.2\nP,0.2\nL,0.3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try runKehu(["aipl", "benchmark", file, "--data", data])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("industry.csv:2: share: the shares of the overall composition sum to 1.1000"))

        let fast = try Self.json(try runKehu(["fast", "--as-of", "2026-06-30", "--data", data, "--format", "json"]))
        let figures = try #require(fast["figures"] as? [String: Any])
        #expect(figures["fertility"] as? Int == 5)
        #expect(figures["members"] as? Int == 1)
        #expect(figures["activeMembers"] as? Int == 0)
        let fastTrend = try Self.json(try runKehu(["fast", "--trend", "week", "--to", "2026-06-30", "--data", data, "--format", "json"]))
        #expect((fastTrend["points"] as? [Any])?.count == 12)
        withExtendedLifetime(dir) {}
    }

    @Test("option combinations that make no sense say what to do")
    func validation() throws {
        let (dir, data) = try Self.workspace()
        let fromWithoutTrend = try runKehu(["aipl", "--from", "2026-06-01", "--data", data])
        #expect(fromWithoutTrend.status != 0)
        #expect(fromWithoutTrend.stderr.contains("add --trend day or --trend week"))
        let byWithTrend = try runKehu(["aipl", "--trend", "week", "--by", "category", "--data", data])
        #expect(byWithTrend.stderr.contains("--by category shows one day"))
        let badBy = try runKehu(["aipl", "--by", "channel", "--data", data])
        #expect(badBy.status == 1)
        #expect(badBy.stderr.contains("by 'channel': expected one of category"))
        let backwards = try runKehu(["aipl", "flow", "--from", "2026-06-30", "--to", "2026-06-01", "--data", data])
        #expect(backwards.stderr.contains("from '2026-06-30': must be on or before `to`"))
        withExtendedLifetime(dir) {}
    }
}
