import Foundation
import Testing
import KehuTesting

@Suite("kehu tag and kehu audience, through the real binary")
struct ActivationCommandTests {
    /// member:1 carts twice and buys ¥1,200 on Tmall (P); member:2 carts once on Douyin (I);
    /// member:3 views on JD (A) and has a phone. As of 2026-06-30:
    /// carters (a cart in 30 days) = {1, 2}; buyers (stage P) = {1}; carters and not buyers = {2}.
    static let csv = """
        event_id,ts,keys,kind,channel,order_id,amount
        e1,2026-06-20T10:00:00+08:00,member:1|buyer:tm_1,cart,tmall,,
        e2,2026-06-21T10:00:00+08:00,member:1,cart,tmall,,
        e3,2026-06-22T10:00:00+08:00,member:1,pay,tmall,o1,1200.00
        e4,2026-06-25T10:00:00+08:00,member:2|openid:o2,cart,douyin,,
        e5,2026-06-30T10:00:00+08:00,member:3|phone:13800138000,view,jd,,

        """

    @Test("define, list, show, import, size, overlap, export and snapshot")
    func roundTrip() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/june.csv"
        try Self.csv.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runKehu(["ingest", file, "--data", dir.path]).status == 0)

        #expect(try runKehu(["tag", "define", "carters", "count(cart, 30d) >= 1", "--data", dir.path]).status == 0)
        let bad = try runKehu(["tag", "define", "oops", "count(cart, 30x) >= 1", "--data", dir.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("column 13: expected a window like 30d, got '30x'\n  count(cart, 30x) >= 1\n              ^^^"))

        let list = try runKehu(["tag", "list", "--data", dir.path, "--format", "json"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("\"name\" : \"carters\""))
        #expect(list.stdout.contains("\"size\" : 2"))

        let show = try runKehu(["tag", "show", "carters", "--data", dir.path])
        #expect(show.status == 0)
        // Two members of three consumers: 66.7%; by channel tmall 1, douyin 1.
        #expect(show.stdout.contains("66.7%"))
        #expect(show.stdout.contains("douyin"))

        // Line 2 is a raw phone (hashed on import), line 3 is bad, line 4 was never seen.
        let keys = dir.path + "/keys.txt"
        try "member:1\nphone:138-0013-8000\nnonsense\nmember:9\n".write(toFile: keys, atomically: true, encoding: .utf8)
        let imported = try runKehu(["tag", "import", "crm", keys, "--data", dir.path])
        #expect(imported.status == 0)
        #expect(imported.stderr.contains("keys.txt:3: an identity key must be type:value"))
        #expect(imported.stdout.contains("4 lines, 1 bad, 3 distinct keys, 2 found, 1 not in the workspace"))

        let size = try runKehu(["audience", "size", "tag:carters and not stage = P", "--data", dir.path, "--format", "json"])
        #expect(size.status == 0)
        #expect(size.stdout.contains("\"size\" : 1"))

        #expect(try runKehu(["audience", "define", "reach", "tag:carters or tag:crm", "--data", dir.path]).status == 0)
        // reach = {1, 2} ∪ {1, 3} = {1, 2, 3}; against stage = P {1}: both 1, union 3.
        let overlap = try runKehu(["audience", "overlap", "reach", "stage = P", "--data", dir.path, "--format", "json"])
        #expect(overlap.stdout.contains("\"both\" : 1"))
        #expect(overlap.stdout.contains("\"union\" : 3"))

        let out = dir.path + "/tmall.csv"
        let export = try runKehu(["audience", "export", "reach", "--channel", "tmall", "--out", out, "--data", dir.path, "--format", "json"])
        #expect(export.status == 0)
        #expect(export.stdout.contains("\"exported\" : 1"))
        #expect(export.stdout.contains("\"withoutKey\" : 2"))
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.hasSuffix(",buyer,tm_1\n"))
        let wrongChannel = try runKehu(["audience", "export", "reach", "--channel", "fax", "--out", out, "--data", dir.path])
        #expect(wrongChannel.status != 0)

        #expect(try runKehu(["audience", "snapshot", "reach", "--data", dir.path]).status == 0)
        let snapshots = try runKehu(["audience", "snapshots", "--data", dir.path, "--format", "json"])
        #expect(snapshots.stdout.contains("\"size\" : 3"))

        let inUse = try runKehu(["tag", "delete", "carters", "--data", dir.path])
        #expect(inUse.status == 1)
        #expect(inUse.stderr.contains("'carters' is used by audience reach"))
    }
}
