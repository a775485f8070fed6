import Foundation
import GRDB
import KehuModel
import KehuStore
import KehuTesting
import Testing

/// A reach plan end to end through the `kehu` executable, on a generated brand: define, plan,
/// export to a file, a simulated response ingested through the store's ingest path, effect.
@Suite("kehu reach end to end") struct ReachCommandTests {
    @Test("interested but not bought in 30 days, 10% holdout: plan, export, response, effect")
    func interestedButNotBought() throws {
        let (dir, workspace, snapshot) = try generatedSnapshot(consumers: 6_000, days: 200, seed: 77)
        let last = try #require(snapshot.dataDays).last
        let common = ["--data", dir.path, "--workspace", workspace.name]
        func kehu(_ arguments: [String]) throws -> ProcessResult {
            let result = try runKehu(arguments + common)
            #expect(result.status == 0, "kehu \(arguments.joined(separator: " ")): \(result.stderr)")
            return result
        }
        let window = "\(last.advanced(by: 1))..\(last.advanced(by: 3))"
        _ = try kehu([
            "reach", "define", "interested-no-pay", "--audience", "stage = I and not count(pay, 30d) >= 1",
            "--content", "coupon-20off", "--channel", "tmall", "--key-prefix", "tm_", "--window", window, "--hours", "9-21",
            "--cap", "1/7d", "--holdout", "10%", "--seed", "20261124",
        ])

        // Bad definitions are usage errors that say what fits.
        let badChannel = try runKehu(["reach", "define", "x", "--audience", "stage = I", "--content", "c", "--channel", "weibo", "--window", window] + common)
        #expect(badChannel.status == 64 && badChannel.stderr.contains("--channel must be one of tmall, jd, douyin, wechat_mp, sms, email, app_push"))
        let badHoldout = try runKehu(["reach", "define", "x", "--audience", "stage = I", "--content", "c", "--channel", "sms", "--window", window, "--holdout", "60%"] + common)
        #expect(badHoldout.status == 64 && badHoldout.stderr.contains("--holdout must be a share from 0% to 50%"))
        let badAudience = try runKehu(["reach", "plan", "nope"] + common)
        #expect(badAudience.status == 1 && badAudience.stderr.contains("no reach plan named 'nope'; there are: interested-no-pay"))

        // Plan: the JSON summary adds up, step by step.
        let planned = try JSONSerialization.jsonObject(with: Data(try kehu(["reach", "plan", "interested-no-pay", "--format", "json"]).stdout.utf8)) as! [String: Any]
        let audience = planned["audience"] as! Int
        let eligible = planned["eligible"] as! Int
        let holdout = planned["holdout"] as! Int
        let scheduled = planned["scheduled"] as! Int
        #expect(audience == eligible + (planned["suppressed"] as! Int) + (planned["capped"] as! Int) + (planned["noChannelKey"] as! Int))
        #expect(holdout + scheduled == eligible)
        #expect(eligible >= 300, "the generated audience is too small to measure: \(eligible)")
        // 10% within 3σ of the eligible consumers.
        let sigma = (Double(eligible) * 0.1 * 0.9).squareRoot()
        #expect(abs(Double(holdout) - Double(eligible) / 10) <= 3 * sigma)

        // The audience by a second, plain computation: stage I as of the day before the window
        // (the last day with data) and no pay event in the 30 days ending it.
        let reference = try ReachReference(snapshot: snapshot, workspace: workspace, asOf: last)
        #expect(audience == reference.interestedWithoutPay)

        // Export: one JSON line per scheduled send, each with its own idempotency key, at an
        // allowed hour of the first window day (nothing else is scheduled, so no cap applies).
        let file = dir.path + "/sends.jsonl"
        _ = try kehu(["reach", "deliver", "interested-no-pay", "--file", file])
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == scheduled)
        let exported = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(Set(exported.map { $0["idempotency_key"] as! String }).count == scheduled)
        #expect(exported.allSatisfy { ($0["key"] as! String).hasPrefix("tm_") && $0["key_type"] as! String == "buyer" })
        for item in exported {
            let at = item["send_at_ms"] as! Int64
            #expect(workspace.zone.day(ofUTC: at) == last.advanced(by: 1))
            #expect((9...21).contains(workspace.zone.hour(ofUTC: at)))
        }
        // Delivering again sends nothing.
        #expect(try kehu(["reach", "deliver", "interested-no-pay", "--file", dir.path + "/again.jsonl"]).stdout.contains("Nothing was left to deliver."))

        // Simulated response, through the ingest path: a pay 3 hours after the (would-be) send
        // time by treatment consumers whose id ends in 0-3 (about 40%) and holdout consumers
        // whose id ends in 0 (about 10%), of ¥99 plus ¥10 × (id mod 7), keyed by the channel key.
        let sends = try workspace.catalogue.read { db in
            try Row.fetchAll(db, sql: "SELECT consumer_id, holdout, channel_key, send_at FROM reach_send WHERE plan = 'interested-no-pay'")
        }
        #expect(sends.count == eligible)
        var response: [EventRecord] = []
        for row in sends {
            let id: Int64 = row["consumer_id"]
            let held: Bool = row["holdout"]
            guard held ? id % 10 == 0 : id % 10 < 4 else { continue }
            let at: Int64 = row["send_at"]
            response.append(event(
                "response-\(id)", at + 3 * 3_600_000, .pay, [row["channel_key"]], channel: "tmall", order: "response-\(id)",
                amount: 9_900 + (id % 7) * 1_000))
        }
        try ingest(response, into: workspace)

        // Effect over 14 days, and the same figures by a plain count on the new snapshot.
        let effect = try JSONSerialization.jsonObject(
            with: Data(try kehu(["reach", "effect", "interested-no-pay", "--window", "14d", "--format", "json"]).stdout.utf8)) as! [String: Any]
        let after = try workspace.buildSnapshot()
        var count = [false: (n: 0, converted: 0, fen: Int64(0)), true: (n: 0, converted: 0, fen: Int64(0))]
        for row in sends {
            let held: Bool = row["holdout"]
            let c = try #require(after.denseIndex(ofConsumer: UInt32(row["consumer_id"] as Int64)))
            let start: Int64 = row["send_at"]
            var paid = false
            var fen: Int64 = 0
            for i in after.events(of: c) where after.kind[i] == .pay && after.ts[i] >= start && after.ts[i] < start + 14 * 86_400_000 {
                paid = true
                fen += after.amount(i) ?? 0
            }
            count[held]!.n += 1
            count[held]!.converted += paid ? 1 : 0
            count[held]!.fen += fen
        }
        let treatment = effect["treatment"] as! [String: Any]
        let held = effect["holdout"] as! [String: Any]
        #expect(treatment["consumers"] as! Int == count[false]!.n)
        #expect(treatment["converted"] as! Int == count[false]!.converted)
        #expect(treatment["gmvFen"] as! Int64 == count[false]!.fen)
        #expect(held["consumers"] as! Int == count[true]!.n)
        #expect(held["converted"] as! Int == count[true]!.converted)
        #expect(held["gmvFen"] as! Int64 == count[true]!.fen)
        // The responses were the only pays after the data ended: the counts are the simulated ones.
        #expect(count[false]!.converted == sends.filter { !($0["holdout"] as Bool) && ($0["consumer_id"] as Int64) % 10 < 4 }.count)
        let uplift = effect["conversionUplift"] as! [String: Any]
        let expected = Double(count[false]!.converted) / Double(count[false]!.n) - Double(count[true]!.converted) / Double(count[true]!.n)
        #expect(abs(uplift["absolute"] as! Double - expected) < 1e-12)
        #expect(expected > 0.2)
        #expect(uplift["lower"] as! Double > 0, "the conversion uplift's interval should exclude 0: \(uplift)")
        let gmv = effect["gmvPerConsumerUpliftFen"] as! [String: Any]
        let gmvExpected = Double(count[false]!.fen) / Double(count[false]!.n) - Double(count[true]!.fen) / Double(count[true]!.n)
        #expect(abs(gmv["absolute"] as! Double - gmvExpected) < 1e-6)
        #expect(gmv["lower"] as! Double > 0)
    }
}

/// The plan's audience by plain loops: AIPL stage I as of `asOf` (an I-signal event in the 15
/// days ending it, no purchase in the 365 days ending it) and no pay event in the 30 days
/// ending it.
struct ReachReference {
    var interestedWithoutPay = 0

    init(snapshot: Snapshot, workspace: Workspace, asOf: Day) throws {
        let zone = snapshot.zone
        let end = zone.end(of: asOf)
        let iStart = zone.start(of: asOf.advanced(by: -14))
        let payStart = zone.start(of: asOf.advanced(by: -29))
        let pStart = zone.start(of: asOf.advanced(by: -364))
        for c in 0..<snapshot.consumerCount {
            var interested = false
            var payInLast30 = false
            // Orders: paid before `end` in the P window and not refunded in full before `end`.
            var orders: [UInt32: (first: Int64, paid: Int64, refunded: Int64, unknown: Bool)] = [:]
            var loosePurchase = false
            for i in snapshot.events(of: c) where snapshot.ts[i] < end {
                let ts = snapshot.ts[i]
                let kind = snapshot.kind[i]
                if kind.defaultStageSignal == .interested && ts >= iStart { interested = true }
                if kind == .pay && ts >= payStart { payInLast30 = true }
                if kind == .pay || kind == .refund {
                    let order = snapshot.code(.orderID, i)
                    if order == 0 {
                        if kind == .pay && ts >= pStart { loosePurchase = true }
                        continue
                    }
                    var o = orders[order] ?? (.max, 0, 0, false)
                    if kind == .pay {
                        o.first = min(o.first, ts)
                        if let fen = snapshot.amount(i) { o.paid += fen } else { o.unknown = true }
                    } else {
                        o.refunded += snapshot.amount(i) ?? 0
                    }
                    orders[order] = o
                }
            }
            let purchased = loosePurchase || orders.values.contains { o in
                o.first != .max && o.first >= pStart && (o.unknown || o.refunded == 0 || o.refunded < o.paid)
            }
            if interested && !purchased && !payInLast30 { interestedWithoutPay += 1 }
        }
    }
}
