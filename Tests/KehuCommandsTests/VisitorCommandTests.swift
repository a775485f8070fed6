import Foundation
import Testing
import KehuTesting

@Suite("kehu visitors and kehu nine, through the real binary")
struct VisitorCommandTests {
    /// member:1 bought in May and visits and buys 20.00 in June: 老客 in `visitors`, and 老客 in
    /// `nine` (the May payment is activity within 90 days). member:2 visits for the first time in
    /// June: 新访 / 新客. member:3 buys 5.50 at POS in June without a visit.
    /// June GMV = 20.00 + 5.50 = 25.50.
    static let csv = """
        event_id,ts,keys,kind,channel,order_id,amount
        v1,2026-05-10T10:00:00+08:00,member:1,pay,tmall,o1,100.00
        v2,2026-06-03T10:00:00+08:00,member:1,view,tmall,,
        v3,2026-06-03T10:05:00+08:00,member:1,pay,tmall,o2,20.00
        v4,2026-06-04T10:00:00+08:00,member:2,view,jd,,
        v5,2026-06-05T10:00:00+08:00,member:3,pay,pos,o3,5.50

        """

    @Test("both commands print their tables and JSON with the options they were given")
    func commands() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/june.csv"
        try Self.csv.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runKehu(["ingest", file, "--data", dir.path]).status == 0)

        let table = try runKehu(["visitors", "--data", dir.path, "--from", "2026-06-01", "--to", "2026-06-30"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("period: 2026-06-01..2026-06-30"))
        #expect(table.stdout.contains("¥25.50"))
        #expect(table.stdout.contains("(reconciles)"))

        let json = try runKehu(["visitors", "--data", dir.path, "--from", "2026-06-01", "--to", "2026-06-30", "--lookback-days", "20", "--format", "json"])
        #expect(json.status == 0)
        // With a 20-day lookback the May order is out of reach: member:1 is 新访.
        #expect(json.stdout.contains("\"lookbackDays\" : 20"))
        #expect(json.stdout.contains("\"totalGmvFen\" : 2550"))

        let nine = try runKehu(["nine", "--data", dir.path, "--from", "2026-06-01", "--to", "2026-06-30", "--format", "json"])
        #expect(nine.status == 0)
        #expect(nine.stdout.contains("\"dormantDays\" : 90"))
        #expect(nine.stdout.contains("\"reconciledTotalGmvFen\" : 2550"))
        #expect(nine.stdout.contains("\"buyersWithoutVisitGmvFen\" : 550"))

        let bad = try runKehu(["nine", "--data", dir.path, "--dormant-days", "0"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("dormant-days '0'"))
        let backwards = try runKehu(["visitors", "--data", dir.path, "--from", "2026-06-30", "--to", "2026-06-01"])
        #expect(backwards.status == 1)
        #expect(backwards.stderr.contains("from"))
    }
}
