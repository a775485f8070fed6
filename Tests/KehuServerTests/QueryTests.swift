import Foundation
import Hummingbird
import HummingbirdTesting
import KehuActivation
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("query API and OpenAPI document")
struct QueryTests {
    /// A small brand over two weeks of June 2026: c1 views, carts and pays twice (two orders,
    /// one refunded in part), c2 views and favorites, c3 pays once on wechat with a campaign,
    /// c4 only views. Enough for every analysis to have something to count.
    static let records: [EventRecord] = [
        event("c1-v", TestClock.at(2026, 6, 3), .view, ["member:c1"], sku: "S1", category: "skincare"),
        event("c1-c", TestClock.at(2026, 6, 3, hour: 13), .cart, ["member:c1"], sku: "S1", category: "skincare"),
        event("c1-o1", TestClock.at(2026, 6, 3, hour: 14), .order, ["member:c1"], order: "o1", amount: 19_990),
        event("c1-p1", TestClock.at(2026, 6, 3, hour: 14), .pay, ["member:c1"], order: "o1", amount: 19_990, listPrice: 25_000, sku: "S1"),
        event("c1-r1", TestClock.at(2026, 6, 5), .refund, ["member:c1"], order: "o1", amount: 5_000),
        event("c1-p2", TestClock.at(2026, 6, 12), .pay, ["member:c1", "phone:" + String(repeating: "a", count: 64)], order: "o2", amount: 8_800),
        event("c1-rv", TestClock.at(2026, 6, 13), .review, ["member:c1"]),
        event("c2-v", TestClock.at(2026, 6, 8), .view, ["member:c2"], channel: "jd"),
        event("c2-f", TestClock.at(2026, 6, 8, hour: 13), .favorite, ["member:c2"], channel: "jd"),
        event("c3-v", TestClock.at(2026, 6, 10), .view, ["unionid:u3"], channel: "wechat_mp", campaign: "618"),
        event("c3-p", TestClock.at(2026, 6, 10, hour: 15), .pay, ["unionid:u3"], channel: "wechat_mp", campaign: "618", order: "o3", amount: 12_345),
        event("c3-j", TestClock.at(2026, 6, 11), .memberJoin, ["unionid:u3", "member:c3"], channel: "wechat_mp"),
        event("c4-v", TestClock.at(2026, 6, 14), .view, ["anon:x4"], channel: "douyin", touchpoint: "live"),
    ]

    @Test("GET /v1/analyses lists every catalogued analysis with its parameters")
    func list() async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/analyses", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok)
            guard case .array(let listed)? = response.json["analyses"] else {
                Issue.record("no analyses array: \(response.text)")
                return
            }
            #expect(listed.count == ServerCatalogue.all.count)
            for (entry, analysis) in zip(listed, ServerCatalogue.all) {
                #expect(entry["name"] == .string(analysis.name))
                #expect(entry["path"] == .string("/v1/analyses/\(analysis.name)"))
                guard case .array(let parameters)? = entry["parameters"] else { continue }
                #expect(parameters.map { $0["name"] } == analysis.parameters.map { .string($0.name) })
            }
        }
    }

    @Test("every analysis in the catalogue answers 200 with title and parameters, as its CLI JSON would", arguments: ServerCatalogue.all.map(\.name))
    func everyAnalysis(_ name: String) async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        let analysis = try ServerCatalogue.named(name)
        let snapshot = try fixture.a.buildSnapshot()
        let arguments = try Self.requiredArguments(name, workspace: fixture.a)
        // File parameters travel as names in the workspace's files/ folder; run directly, the
        // analysis gets the path the server resolves them to.
        var direct = arguments
        for parameter in analysis.parameters where parameter.kind == .file {
            direct[parameter.name] = direct[parameter.name].map { QueryRoutes.filesDirectory(of: fixture.a.directory) + "/" + $0 }
        }
        let expected = try QueryRoutes.document(of: analysis.run(snapshot, AnalysisArguments(direct)), analysis: analysis)
        let query = arguments.sorted { $0.key < $1.key }.map { key, value in
            key + "=" + value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._")))!
        }.joined(separator: "&")
        try await fixture.withClient { client in
            let response = try await client.execute(
                uri: "/v1/analyses/\(name)" + (query.isEmpty ? "" : "?" + query), method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok, "\(name): \(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(response.json["analysis"] == .string(name))
            #expect(response.json["title"] != nil && response.json["parameters"] != nil)
            // The same numbers as running the analysis directly on the same data.
            #expect(response.json == expected)
        }
    }

    /// The arguments an analysis cannot run without, on the fixture's data (a plan's reference
    /// window needs buyers: c1 pays on 06-03).
    static func requiredArguments(_ name: String, workspace: Workspace) throws -> [String: String] {
        switch name {
        case "funnel": return ["steps": "view,cart,pay"]
        case "profile": return ["consumer": "#1"]
        case "aipl-benchmark":
            try Self.writeIndustryFile(in: workspace)
            return ["file": "industry.csv"]
        case "plan-gap":
            return ["target": "1000", "campaign": "2026-06-12..2026-06-14", "reference": "2026-06-03..2026-06-05", "as-of": "2026-06-11"]
        case "plan-backtest": return ["campaign": "2026-06-10..2026-06-14", "reference": "2026-06-03..2026-06-05"]
        default: return [:]
        }
    }

    @Test("parameters come from the query string, with the CLI's names; bad, unknown and repeated ones are 400; an unknown analysis is 404")
    func parameters() async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        try await fixture.withClient { client in
            // As of 06-05 c1 has paid (P); as of 06-20 c1 has two paid orders (L, with the default
            // 2 orders in 365 days), c3 one (P), c2 and c4 are in A/I windows.
            var response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-05", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok)
            #expect(response.json["asOf"] == .string("2026-06-05"))
            #expect(response.json["parameters"]?.serializedText.contains("2026-06-05") == true)
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-05&l-orders=3", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok)

            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=june", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("as-of 'june': expected a day as YYYY-MM-DD") == true, "\(response.text)")
            response = try await client.execute(uri: "/v1/analyses/aipl?colour=red", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("aipl has no parameter 'colour'") == true, "\(response.text)")
            response = try await client.execute(uri: "/v1/analyses/aipl?as-of=2026-06-05&as-of=2026-06-06", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage == "as-of: given more than once; give each parameter once")
            response = try await client.execute(uri: "/v1/analyses/no-such-thing", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .notFound)
            #expect(response.errorMessage?.hasPrefix("no analysis named 'no-such-thing'; there are: aipl") == true)
        }
    }

    /// `files/industry.csv` in the workspace: an AIPL benchmark file (docs/formats.md).
    static func writeIndustryFile(in workspace: Workspace) throws {
        let folder = QueryRoutes.filesDirectory(of: workspace.directory)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "stage,share\nA,0.55\nI,0.25\nP,0.14\nL,0.06\n".write(toFile: folder + "/industry.csv", atomically: true, encoding: .utf8)
    }

    @Test("file parameters name a file in the workspace's files/ folder, never a path: paths, dot files and missing files are 400")
    func fileParameters() async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        try Self.writeIndustryFile(in: fixture.a)
        // A readable file outside the folder: the server must refuse to open it by path.
        let outside = NSTemporaryDirectory() + "kehu-outside-\(UUID().uuidString).csv"
        try "stage,share\nA,1\n".write(toFile: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try await fixture.withClient { client in
            var response = try await client.execute(uri: "/v1/analyses/aipl-benchmark?file=industry.csv", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok, "\(response.text)")
            for (value, message) in [
                (outside, "is not a file name"), ("../../etc%2Fpasswd", "is not a file name"), ("..", "is not a file name"),
                (".hidden", "is not a file name"), ("nothing.csv", "no file 'nothing.csv' in the workspace's files/ folder"),
            ] {
                response = try await client.execute(uri: "/v1/analyses/aipl-benchmark?file=\(value)", method: .get, headers: bearer(fixture.aRead))
                #expect(response.status == .badRequest, "\(value): \(response.text)")
                #expect(response.errorMessage?.contains(message) == true, "\(value): \(response.text)")
            }
            // Workspace B has no such file, and cannot name A's.
            response = try await client.execute(uri: "/v1/analyses/aipl-benchmark?file=industry.csv", method: .get, headers: bearer(fixture.bRead))
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.errorMessage == "file: no file 'industry.csv' in the workspace's files/ folder", "\(response.text)")
        }
    }

    @Test("an empty workspace: analyses answer 400 saying there is no data yet")
    func emptyWorkspace() async throws {
        let fixture = try ServerFixture()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/v1/analyses/aipl", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("no events yet") == true, "\(response.text)")
        }
    }

    @Test("ingested events are in the next query: the snapshot cache rebuilds when the data version moves, and not otherwise")
    func snapshotCache() async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        let registry = WorkspaceRegistry(dataDirectory: fixture.dir.path)
        let served = try #require(try registry.served("brand_a"))
        let first = try served.snapshots.snapshot()
        #expect(try served.snapshots.snapshot() === first)
        let app = Application(router: KehuServer.router(registry: registry))
        try await app.test(.router) { client in
            let body = #"{"event": "Product Viewed", "userId": "c9", "messageId": "new", "timestamp": "2026-06-14T09:00:00+08:00", "properties": {"channel": "jd"}}"#
            let response = try await client.execute(uri: "/v1/track", method: .post, headers: basic(fixture.aWrite), body: buffer(body))
            #expect(response.status == .ok)
        }
        let second = try served.snapshots.snapshot()
        #expect(second !== first)
        #expect(second.eventCount == first.eventCount + 1)
    }

    @Test("/openapi.json is OpenAPI 3.1 and in sync with the router: every route documented, every documented operation served")
    func openAPISync() async throws {
        let fixture = try ServerFixture(aRecords: Self.records)
        let router = KehuServer.router(registry: WorkspaceRegistry(dataDirectory: fixture.dir.path))
        let document = try await fixture.app().test(.router) { client -> JSONValue in
            let response = try await client.execute(uri: "/openapi.json", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .ok)
            return response.json
        }
        #expect(document["openapi"] == .string("3.1.0"))
        guard case .object(let paths)? = document["paths"] else {
            Issue.record("no paths")
            return
        }
        var documented: [(method: String, path: String)] = []
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys { documented.append((method.uppercased(), path)) }
        }
        // Every route of the router matches a documented operation (templates such as
        // /v1/analyses/{name} are documented once per analysis).
        let routes = router.routes.map { (method: $0.method.rawValue, path: Self.template("\($0.path)")) }
        for route in routes {
            #expect(
                documented.contains { $0.method == route.method && Self.matches(template: route.path, path: $0.path) },
                "route \(route.method) \(route.path) is not in /openapi.json")
        }
        // Every documented operation is a route, and answers with something other than 404.
        for operation in documented {
            #expect(
                routes.contains { $0.method == operation.method && Self.matches(template: $0.path, path: operation.path) },
                "/openapi.json documents \(operation.method) \(operation.path), which the router does not serve")
        }
        let operations = documented
        // A saved plan and a campaign named `sync`, so /v1/plans/{name} and
        // /v1/campaigns/{name}/report have something to answer.
        let plan = try Analysis.planGap.run(
            try fixture.a.buildSnapshot(), AnalysisArguments(try Self.requiredArguments("plan-gap", workspace: fixture.a)))
        try PlanStore.save(try #require(plan as? GapPlan), name: "sync", in: fixture.a)
        try PlanStore.define(CampaignDefinition(name: "sync", harvest: DayRange(try Day.parse("2026-06-12"), try Day.parse("2026-06-14"))), in: fixture.a)
        // A tag, an audience and a reach plan named `sync`, so the activation routes under
        // /v1/tags/{name}, /v1/audiences/{name} and /v1/reach/plans/{name} answer.
        try TagStore(workspace: fixture.a).define(name: "sync", expression: "stage != none")
        try AudienceStore(workspace: fixture.a).define(name: "sync", expression: "tag:sync")
        try ReachStore.define(
            ReachPlan(name: "sync", audience: "sync", content: "c", channel: .tmall,
                      window: SendWindow(days: DayRange(try Day.parse("2026-06-16"), try Day.parse("2026-06-18")))),
            in: fixture.a)
        try await fixture.withClient { client in
            for operation in operations {
                let uri = operation.path.hasPrefix("/v1/") ? operation.path.replacingOccurrences(of: "{name}", with: "sync").replacingOccurrences(of: "{other}", with: "sync") : operation.path
                let response = try await client.execute(
                    uri: uri, method: .init(operation.method)!, headers: basic(fixture.aWrite), body: buffer("{}"))
                // A templated path ({key}) reaches its handler, which may answer 404 for the
                // placeholder itself: that 404 carries the API's JSON error, the router's does not.
                let handled = operation.path.contains("{") && response.status == .notFound && response.errorMessage != nil
                #expect(handled || (response.status != .notFound && response.status != .methodNotAllowed), "\(operation.method) \(operation.path)")
            }
        }
        // Every analysis and each of its parameters is documented with a schema.
        for analysis in ServerCatalogue.all {
            guard case .array(let parameters)? = paths["/v1/analyses/\(analysis.name)"]?["get"]?["parameters"] else {
                #expect(analysis.parameters.isEmpty, "\(analysis.name) has undocumented parameters")
                continue
            }
            #expect(parameters.map { $0["name"] } == analysis.parameters.map { .string($0.name) })
            #expect(parameters.allSatisfy { $0["schema"]?["type"] != nil })
        }
    }

    /// `/v1/analyses/:name` or `/v1/analyses/{name}` → `/v1/analyses/{}`.
    static func template(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? "{}" : String(part)
        }.joined(separator: "/")
    }

    static func matches(template: String, path: String) -> Bool {
        let t = template.split(separator: "/", omittingEmptySubsequences: false)
        let p = path.split(separator: "/", omittingEmptySubsequences: false)
        guard t.count == p.count else { return false }
        return zip(t, p).allSatisfy { $0 == "{}" || $0 == $1 }
    }
}

extension JSONValue {
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
