import Foundation
import Testing
import KehuTesting

@Suite("kehu channels, price and content through the binary")
struct DiagnosticCommandTests {
    /// m1: tmall impression, cart, pay 100.00 (list 125.00: exactly 20% off) on 2026-06-10;
    /// m2: douyin content_view c1 on 06-10, tmall pay 50.00 on 06-11.
    static let csv = """
        event_id,ts,keys,kind,channel,touchpoint,content,sku,order_id,amount,list_price,quantity
        e1,2026-06-10T09:00:00+08:00,member:1,impression,tmall,ad,,,,,,
        e2,2026-06-10T10:00:00+08:00,member:1,cart,tmall,ad,,s1,,,,
        e3,2026-06-10T11:00:00+08:00,member:1,pay,tmall,ad,,s1,o1,100.00,125.00,1
        e4,2026-06-10T12:00:00+08:00,member:2,content_view,douyin,content,c1,,,,,
        e5,2026-06-11T12:00:00+08:00,member:2,pay,tmall,search,,s1,o2,50.00,50.00,1

        """

    @Test("the three commands run on a workspace; a bad cost file names its line and field")
    func commands() throws {
        let dir = TemporaryDirectory(prefix: "kehu-diag")
        let file = dir.path + "/events.csv"
        try Self.csv.write(toFile: file, atomically: true, encoding: .utf8)
        let ingest = try runKehu(["ingest", file, "--data", dir.path + "/data"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let costs = dir.path + "/costs.csv"
        try "channel,touchpoint,cost\ntmall,,75\n".write(toFile: costs, atomically: true, encoding: .utf8)

        // tmall: 2 buyers, GMV 150.00, both new; cost 75.00 -> 37.50 per new buyer, ROI 2.00.
        let channels = try runKehu(["channels", "--data", dir.path + "/data", "--costs", costs, "--format", "json"])
        #expect(channels.status == 0, "\(channels.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(channels.stdout.utf8)) as! [String: Any]
        let rows = try #require(json["rows"] as? [[String: Any]])
        let tmall = try #require(rows.first { $0["channel"] as? String == "tmall" })
        #expect(tmall["gmvFen"] as? Int == 15_000)
        #expect(tmall["costPerNewBuyerFen"] as? Int == 3_750)
        #expect(tmall["roi"] as? Double == 2.0)

        let bad = dir.path + "/bad.csv"
        try "# spend\ntmall,,75\ndouyin,live,1,000\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let failed = try runKehu(["channels", "--data", dir.path + "/data", "--costs", bad])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("bad.csv:3: expected 3 fields"), "\(failed.stderr)")

        // m1's purchase is exactly 20% below list: discounted; m2's is at list price.
        let price = try runKehu(["price", "--data", dir.path + "/data", "--format", "json"])
        #expect(price.status == 0, "\(price.stderr)")
        let priceJSON = try JSONSerialization.jsonObject(with: Data(price.stdout.utf8)) as! [String: Any]
        #expect(priceJSON["deepDiscountPurchases"] as? Int == 1)
        #expect(priceJSON["priceSensitiveBuyers"] as? Int == 1)

        let content = try runKehu(["content", "--data", dir.path + "/data", "--within", "5"])
        #expect(content.status == 0, "\(content.stderr)")
        #expect(content.stdout.contains("Content seeding (内容种草)"))
        #expect(content.stdout.contains("purchase within: 5d"))
        let badBy = try runKehu(["channels", "--data", dir.path + "/data", "--by", "campaign"])
        #expect(badBy.status == 1)
        #expect(badBy.stderr.contains("expected one of channel, touchpoint, both"), "\(badBy.stderr)")
    }
}
