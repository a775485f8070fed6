import ArgumentParser
import Foundation
import Testing
import KehuModel
import KehuStore
import KehuTesting
@testable import KehuCommands

@Suite("kehu commands, through the real binary")
struct CommandTests {
    @Test("the root help text is the golden text")
    func rootHelp() throws {
        let golden = """
            OVERVIEW: Kehu (客户): consumer operations for e-commerce brands.

            Turns a brand's omni-channel events into consumer assets: one ID per consumer
            across channels (OneID), and the analyses an operations team runs on them.
            Start with `kehu demo`; see docs/cli.md for every command.

            USAGE: kehu <subcommand>

            OPTIONS:
              -h, --help              Show help information.

            SUBCOMMANDS:
              demo                    Simulate a brand, ingest it into ./kehu-data, and
                                      show what Kehu sees.
              generate                Simulate a brand's consumers and write their events
                                      as a canonical CSV or JSONL file.
              ingest                  Load event files into a workspace.
              stats                   Show a workspace's consumers, events, GMV, buyers and
                                      channels, and its storage.
              identity                Show the consumer behind an identity key: all their
                                      keys and the channels they were seen in.
              aipl                    AIPL consumer assets: consumers per stage (认知 / 兴趣 /
                                      购买 / 忠诚) as of a day.
              fast                    FAST consumer health: operable consumers, advancing
                                      rate, members and active members.
              visitors                Customer-operations view: visitors as 新访 / 回访 / 老客,
                                      growth paths, revisits of non-buyers.
              nine                    The nine metrics: new, old and dormant customers ×
                                      traffic, conversion, AOV, reconciled with GMV.
              funnel                  Conversion funnel: consumers per step within a
                                      window, drop-off, time to convert.
              orders                  Orders not paid within a time limit (kehu orders
                                      unpaid).
              retention               Cohort retention: who came back in each week or month
                                      after their first purchase or visit.
              lifecycle               Buyer lifecycle per week or month: new, returning,
                                      resurrecting and dormant buyers.
              rfm                     RFM: recency, frequency and monetary scores, the R
                                      rfm package segments and the eight classes (重要价值 ...).
              channels                Channel quality (渠道质量): reach, A→I and I→P
                                      conversion, buyers, GMV, new-to-brand buyers, cost
                                      and ROI.
              price                   Price sensitivity (价格敏感): buyers by share of
                                      discounted purchases, and 以价换量 per SKU.
              content                 Content seeding (内容种草): purchase rate after a content
                                      view against non-viewers in the same AIPL stage.
              profile                 One consumer's profile (画像): keys, activity, AIPL
                                      stage history, RFM, CLV and preferences.
              clv                     Customer lifetime value: BG/NBD purchases,
                                      probability alive, Gamma-Gamma spend, discounted CLV.
              plan                    Campaign planning: the GMV gap deduction (用户缺口推演).
              campaign                Campaign rhythm: 种草 seeding, 长草 growing, 拔草 harvest,
                                      养草 nurturing.
              tag                     Tags (标签): rule tags computed on each snapshot,
                                      imported tags, tags written back after campaigns.
              audience                Audiences (人群圈选): combinations of tags and
                                      conditions; sizes, overlap, export per channel,
                                      snapshots.
              reach                   Reach plans (PCT): the right people, content and
                                      time, with a holdout to measure the effect.
              member                  Members (会员): programme, points, tiers, 招育转留赞 report.
              serve                   Run the HTTP server: Segment-compatible ingestion and
                                      the query API.
              keys                    Create, list and revoke a workspace's API keys (read
                                      or write).
              flush                   Move events waiting in the streaming inbox into
                                      segments.
              compact                 Merge small segments into large ones sorted by
                                      consumer and time.

              See 'kehu help <subcommand>' for detailed help.
            """
        #expect(Kehu.helpMessage(columns: 80) == golden)
    }

    /// 12 data lines (file lines 2-13); exactly 5 are bad:
    /// line 4: amount with 3 decimals; line 6: unknown kind; line 8: pay without order_id;
    /// line 10: a key without a type; line 12: a timestamp that is not one.
    static let mixedCSV = """
        event_id,ts,keys,kind,channel,order_id,amount
        e1,2026-06-01T10:00:00+08:00,member:1,view,tmall,,
        e2,2026-06-01T10:05:00+08:00,member:1,pay,tmall,o1,128.50
        e3,2026-06-01T10:06:00+08:00,member:2,pay,tmall,o2,12.345
        e4,2026-06-01T10:07:00+08:00,member:2,view,jd,,
        e5,2026-06-01T10:08:00+08:00,member:3,teleport,jd,,
        e6,2026-06-01T10:09:00+08:00,member:3|phone:138 0013 8000,view,jd,,
        e7,2026-06-01T10:10:00+08:00,member:4,pay,tmall,,20.00
        e8,2026-06-01T10:11:00+08:00,member:4,cart,tmall,,
        e9,2026-06-01T10:12:00+08:00,1005,view,tmall,,
        e10,2026-06-01T10:13:00+08:00,member:5,view,douyin,,
        e11,yesterday,member:5,view,douyin,,
        e12,2026-06-01T10:15:00+08:00,member:6,pay,pos,o6,99.00

        """

    @Test("5 bad lines among good ones: exactly those 5 are reported with line numbers, every good one is committed")
    func rejects() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/mixed.csv"
        try Self.mixedCSV.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runKehu(["ingest", file, "--data", dir.path + "/data"])
        // Rejects make the exit status non-zero unless --allow-rejects.
        #expect(result.status == 1)
        #expect(result.stderr.contains("5 record(s) rejected"))
        let workspace = try Workspace(dataDirectory: dir.path + "/data", name: "default", create: false)
        #expect(try workspace.buildSnapshot().eventCount == 7)
        // The report names each bad line, its field and the reason; no phone digits anywhere.
        let reports = try FileManager.default.contentsOfDirectory(atPath: workspace.directory + "/rejects")
        #expect(reports.count == 1)
        let report = try String(contentsOfFile: workspace.directory + "/rejects/" + reports[0], encoding: .utf8)
        let lines = report.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 3).map(String.init) }
        #expect(lines.map { Int($0[1])! } == [4, 6, 8, 10, 12])
        #expect(lines.map { $0[2] } == ["amount", "kind", "order_id", "keys", "ts"])
        #expect(!report.contains("13800138000") && !result.stderr.contains("138 0013"))

        // Running again: every good record is a duplicate now; nothing is added.
        let again = try runKehu(["ingest", file, "--data", dir.path + "/data", "--allow-rejects"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("duplicates skipped"))
        #expect(try workspace.buildSnapshot().eventCount == 7)
    }

    @Test("--strict commits nothing when any record is bad")
    func strict() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/mixed.csv"
        try Self.mixedCSV.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try runKehu(["ingest", file, "--data", dir.path + "/data", "--strict"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("nothing was committed"))
        let workspace = try Workspace(dataDirectory: dir.path + "/data", name: "default", create: false)
        #expect(try workspace.segments().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.directory + "/segments").isEmpty)
    }

    @Test("identity finds a consumer by phone without ever showing the number")
    func identityByPhone() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/keys.csv"
        // member:7 and the phone are seen together, then buyer:tb7 with the phone in another form:
        // all three keys are one consumer.
        try """
            event_id,ts,keys,kind,channel
            k1,2026-06-01T10:00:00+08:00,member:7|phone:+86 138-0013-8000,view,wechat_mp
            k2,2026-06-02T10:00:00+08:00,buyer:tb7|phone:13800138000,view,tmall

            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runKehu(["ingest", file, "--data", dir.path]).status == 0)
        let result = try runKehu(["identity", "phone:138 0013 8000", "--data", dir.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("member:7"))
        #expect(result.stdout.contains("buyer:tb7"))
        #expect(result.stdout.contains("wechat_mp"))
        #expect(!result.stdout.contains("13800138000") && !result.stdout.contains("0013"))
        let missing = try runKehu(["identity", "member:404", "--data", dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("No consumer has the key member:404"))
    }

    @Test("rfm exports every consumer; profile finds a consumer by phone and never shows the number")
    func rfmAndProfile() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let file = dir.path + "/orders.csv"
        // member:7 with a phone pays twice; member:8 once. As of 2026-06-30: member:7 R 0, F 2,
        // M 300.00; member:8 R 29, F 1, M 50.00.
        try """
            event_id,ts,keys,kind,channel,category,order_id,amount,list_price,quantity
            k1,2026-06-01T10:00:00+08:00,member:7|phone:+86 138-0013-8000,view,tmall,面霜,,,,
            k2,2026-06-01T10:05:00+08:00,member:7,pay,tmall,面霜,o1,100.00,125.00,1
            k3,2026-06-30T10:05:00+08:00,phone:13800138000,pay,tmall,面霜,o2,200.00,,2
            k4,2026-06-01T11:00:00+08:00,member:8,pay,jd,精华,o3,50.00,,1

            """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try runKehu(["ingest", file, "--data", dir.path]).status == 0)
        let rfm = try runKehu(["rfm", "--data", dir.path, "--as-of", "2026-06-30", "--export", dir.path + "/rfm.csv"])
        #expect(rfm.status == 0, "\(rfm.stderr)")
        #expect(rfm.stdout.contains("Champions"))
        let csv = try String(contentsOfFile: dir.path + "/rfm.csv", encoding: .utf8)
        // Scores among 2: member:7 has 1 worse on each → 1 + 5/2 = 3; member:8 has none → 1.
        #expect(csv.contains(",0,2,300.00,3,3,3,333,"))
        #expect(csv.contains(",29,1,50.00,1,1,1,111,Lost,一般挽留客户"))
        let json = try runKehu(["rfm", "--data", dir.path, "--as-of", "2026-06-30", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["customers"] as? Int == 2)
        #expect(object["table"] == nil)

        let profile = try runKehu(["profile", "phone:138 0013 8000", "--data", dir.path, "--as-of", "2026-06-30"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains("member:7"))
        #expect(profile.stdout.contains("phone:"))
        #expect(profile.stdout.contains("salted SHA-256"))
        #expect(!profile.stdout.contains("13800138000") && !profile.stdout.contains("0013"))
        #expect(profile.stdout.contains("面霜"))
        let missing = try runKehu(["profile", "phone:13900000000", "--data", dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no consumer has this key"))
        #expect(!missing.stderr.contains("13900000000"))
    }

    @Test("demo on an empty directory generates, ingests and shows the overview; a second run reuses the data")
    func demo() throws {
        let dir = TemporaryDirectory(prefix: "kehu-cli")
        let first = try runKehu(["demo", "--data", dir.path, "--consumers", "300", "--days", "90", "--format", "json", "--no-serve"])
        #expect(first.status == 0, "\(first.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        // The headline follows the overview: every section is there, and AIPL covers every consumer.
        #expect(Set(root.keys) == ["overview", "aipl", "aipl-flow", "fast", "visitors", "nine", "clv"])
        let overview = try #require(root["overview"] as? [String: Any])
        let aipl = try #require(root["aipl"] as? [String: Any])
        let stageCounts = try #require(aipl["counts"] as? [[String: Any]]).map { $0["consumers"] as! Int }
        #expect(stageCounts.reduce(0, +) == overview["consumers"] as! Int)
        let events = overview["events"] as! Int
        #expect(events > 1_000)
        #expect((overview["buyers"] as! Int) > 0)
        #expect((overview["gmvFen"] as! Int) > 0)
        #expect((overview["channels"] as! [[String: Any]]).count == 5)
        let second = try runKehu(["demo", "--data", dir.path, "--format", "json", "--no-serve"])
        #expect(second.stderr.contains("Using the data already in"))
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect((again["overview"] as? [String: Any])?["events"] as? Int == events)
    }

    @Test("a bad option value gets a sentence that says what to do")
    func validation() throws {
        let result = try runKehu(["stats", "--workspace", "Brand A"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--workspace must be 1-64 characters a-z, 0-9, '-' or '_'"))
        let none = try runKehu(["stats", "--data", "/tmp/kehu-no-such-dir-\(UUID().uuidString)"])
        #expect(none.stderr.contains("run kehu demo"))
    }
}

@Suite("command wiring") struct CommandWiringTests {
    /// Every command, depth first.
    static func commands(_ root: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
        [root] + root.configuration.subcommands.flatMap(commands)
    }

    @Test("every async leaf command is run asynchronously by the executable (else it would print its help and exit 0)")
    func asyncCommandsAreAwaited() {
        let leaves = Self.commands(Kehu.self).filter { $0.configuration.subcommands.isEmpty && $0 is any AsyncParsableCommand.Type }
        #expect(!leaves.isEmpty)
        for command in leaves {
            #expect(command is any AsynchronousCommand.Type, "\(command) is async but not an AsynchronousCommand: main.swift would call its synchronous run()")
        }
    }
}
