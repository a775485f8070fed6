import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

/// A webhook receiver that remembers idempotency keys, the way a channel's API should:
/// per key, the first attempt answers 503 (busy), the second is acted on but its answer is lost
/// (500), and later attempts find the key already done and answer 200 without acting again.
/// Sends to keys listed in `unavailable` always get 503; those in `rejected` always get 400.
actor WebhookReceiver {
    var requests: [String: Int] = [:]
    var normalAttempts: [String: Int] = [:]
    /// Times the receiver acted on each key: more than 1 would be a double delivery.
    var acted: [String: Int] = [:]
    /// 2xx answers per key: more than 1 would mean the client sent again after success.
    var successes: [String: Int] = [:]
    var unavailable: Set<String> = []
    var rejected: Set<String> = []
    var bodiesMatchHeader = true

    func configure(unavailable: Set<String>, rejected: Set<String>) {
        self.unavailable = unavailable
        self.rejected = rejected
    }

    func handle(key: String, body: Data) -> HTTPResponse.Status {
        requests[key, default: 0] += 1
        let item = try? JSONDecoder().decode(DeliveryItem.self, from: body)
        if item?.idempotencyKey != key { bodiesMatchHeader = false }
        let channelKey = item?.key ?? ""
        if rejected.contains(channelKey) { return .badRequest }
        if unavailable.contains(channelKey) { return .serviceUnavailable }
        normalAttempts[key, default: 0] += 1
        switch normalAttempts[key]! {
        case 1: return .serviceUnavailable
        case 2:
            acted[key, default: 0] += 1
            return .internalServerError
        default:
            if acted[key] == nil { acted[key] = 1 }
            successes[key, default: 0] += 1
            return .ok
        }
    }

    var totalRequests: Int { requests.values.reduce(0, +) }
}

@Suite struct WebhookDeliveryTests {
    @Test func retriesWithoutDoubleDelivery() async throws {
        let (dir, workspace, snapshot) = try ReachScheduleTests.fourConsumers()
        defer { _ = dir }
        let plan = ReachScheduleTests.plan("hook", 10, 12, cap: FrequencyCap(sends: 1, days: 7), holdout: 0)
        try ReachStore.define(plan, in: workspace)
        let schedule = try ReachRun.schedule(
            plan, snapshot: snapshot, asOf: Day(year: 2026, month: 6, day: 3), audience: .all(capacity: 4),
            suppressed: ConsumerSet(capacity: 4), in: workspace)
        #expect(schedule.scheduled == 4)

        let receiver = WebhookReceiver()
        await receiver.configure(unavailable: ["b3"], rejected: ["b4"])
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? ""
            let body = try await request.body.collect(upTo: 1 << 16)
            return Response(status: await receiver.handle(key: key, body: Data(body.readableBytesView)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/hook"))
            // Two retries: three attempts, just what the receiver's 503, 500, 200 needs.
            let webhook = WebhookDelivery(url: url, retries: 2, baseDelay: .milliseconds(5), timeout: 5, concurrency: 2)

            // Run 1: b1 and b2 get 503, 500 (acted on, answer lost), 200: delivered in 3 attempts.
            // b3 gets 503 three times: failed. b4 gets 400: failed at once, no retry.
            let first = try await ReachRun.deliver("hook", to: webhook, in: workspace)
            #expect((first.delivered, first.failed, first.deliveredBefore) == (2, 2, 0))
            #expect(first.failures == ["HTTP 503 after 3 attempts": 1, "HTTP 400": 1])
            #expect(await receiver.totalRequests == 3 + 3 + 3 + 1)

            // Run 2, receiver healthy: only b3 and b4 are sent (3 attempts each); b1 and b2 are not.
            await receiver.configure(unavailable: [], rejected: [])
            let second = try await ReachRun.deliver("hook", to: webhook, in: workspace)
            #expect((second.delivered, second.failed, second.deliveredBefore) == (2, 0, 2))
            #expect(await receiver.totalRequests == 10 + 3 + 3)

            // Run 3: nothing left to send, no request at all.
            let third = try await ReachRun.deliver("hook", to: webhook, in: workspace)
            #expect((third.delivered, third.failed, third.deliveredBefore) == (0, 0, 4))
            #expect(await receiver.totalRequests == 16)
        }
        // Every key acted on once and answered 2xx once: no double delivery.
        let acted = await receiver.acted
        let successes = await receiver.successes
        #expect(acted.count == 4 && acted.values.allSatisfy { $0 == 1 })
        #expect(successes.count == 4 && successes.values.allSatisfy { $0 == 1 })
        #expect(await receiver.bodiesMatchHeader)
        // Each key is (workspace, plan, consumer, send time): the four are distinct and stable.
        let stored = try ReachStore.sends(of: "hook", in: workspace)
        #expect(Set(acted.keys) == Set(stored.map {
            ReachHash.idempotencyKey(workspace: workspace.name, plan: "hook", consumerID: $0.consumerID, sendAt: $0.sendAt)
        }))
        #expect(stored.allSatisfy { $0.status == .delivered })
        // Attempts add up across runs: b1, b2 3; b3 3 + 3; b4 1 + 3.
        #expect(stored.map(\.attempts) == [3, 3, 6, 4])
    }

    @Test func fileDeliveryWritesOnceAndMarksDelivered() throws {
        let (dir, workspace, snapshot) = try ReachScheduleTests.fourConsumers()
        defer { _ = dir }
        // Seed 9 and 10% hold out consumer id 2 (see the caps test): three sends to export.
        let plan = ReachScheduleTests.plan("file", 10, 12, cap: FrequencyCap(sends: 1, days: 7), holdout: 0.1, seed: 9)
        try ReachStore.define(plan, in: workspace)
        _ = try ReachRun.schedule(
            plan, snapshot: snapshot, asOf: Day(year: 2026, month: 6, day: 3), audience: .all(capacity: 4),
            suppressed: ConsumerSet(capacity: 4), in: workspace)
        let csv = dir.path + "/sends.csv"
        let first = try ReachRun.deliver("file", toFile: csv, in: workspace)
        #expect((first.delivered, first.holdout) == (3, 1))
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == Substring(FileDelivery.csvHeader))
        #expect(lines.dropFirst().map { $0.split(separator: ",")[4] } == ["b1", "b3", "b4"])
        #expect(lines[1].contains(",tmall,buyer,b1,2026-06-10T20:00:00.000+08:00,kehu-"))
        // A second export has nothing left to write and leaves no file behind.
        let jsonl = dir.path + "/again.jsonl"
        let second = try ReachRun.deliver("file", toFile: jsonl, in: workspace)
        #expect((second.delivered, second.deliveredBefore) == (0, 3))
        #expect(!FileManager.default.fileExists(atPath: jsonl))
        // A delivered plan keeps its schedule.
        #expect(throws: ReachError.alreadyDelivered(plan: "file", delivered: 3)) {
            try ReachStore.define(plan, in: workspace)
        }
        #expect(throws: ReachError.invalid("--file out.txt: the name must end in .jsonl or .csv (the format to write)")) {
            _ = try FileDelivery.Format(path: "out.txt")
        }
    }
}
