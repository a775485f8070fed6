import Foundation
import GRDB
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuMembers

@Suite("points ledger")
struct LedgerTests {
    @Test("replaying an operation id with the same content returns the original entry; other content is refused")
    func replay() throws {
        let (dir, workspace) = try membersWorkspace()
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        _ = try MemberStore.join(key: key("member:1"), at: TestClock.at(2026, 6, 1), channel: "tmall", referrer: nil, in: workspace)
        let ledger = PointsLedger(workspace)
        let first = try ledger.post(.earn("gift-1", member: "member:1", points: 100, at: TestClock.at(2026, 6, 2)))
        #expect(!first.replayed && first.entry.balanceAfter == 100)
        // Retried later, with another time and reason: the same operation.
        let again = try ledger.post(.earn("gift-1", member: "member:1", points: 100, at: TestClock.at(2026, 6, 3), reason: "retry"))
        #expect(again.replayed && again.entry == first.entry)
        #expect(throws: MemberError.self) { try ledger.post(.earn("gift-1", member: "member:1", points: 120, at: TestClock.at(2026, 6, 3))) }
        do {
            _ = try ledger.post(.redeem("gift-1", member: "member:1", points: 100, at: TestClock.at(2026, 6, 3)))
            Issue.record("a redeem under an earn's operation id was accepted")
        } catch {
            #expect("\(error)".contains("operation 'gift-1' was already posted with different content (kind earn, now redeem; points 100, now -100)"))
        }
        #expect(try ledger.entries(of: "member:1").count == 1)
        #expect(try MemberStore.member("member:1", in: workspace)?.balance == 100)
    }

    @Test("a debit beyond the balance is refused whole, with the balance in the message")
    func neverNegative() throws {
        let (dir, workspace) = try membersWorkspace()
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        _ = try MemberStore.join(key: key("member:1"), at: TestClock.at(2026, 6, 1), channel: nil, referrer: nil, in: workspace)
        let ledger = PointsLedger(workspace)
        _ = try ledger.post(.earn("e1", member: "member:1", points: 50, at: TestClock.at(2026, 6, 2)))
        do {
            _ = try ledger.post(.redeem("r1", member: "member:1", points: 51, at: TestClock.at(2026, 6, 3)))
            Issue.record("overdraft accepted")
        } catch {
            #expect("\(error)" == "operation 'r1': member 'member:1' has 50 points; taking 51 would make the balance negative, so nothing was posted")
        }
        #expect(throws: MemberError.self) { try ledger.post(.adjust("a1", member: "member:1", points: -51, at: TestClock.at(2026, 6, 3))) }
        // Exactly the balance is fine.
        #expect(try ledger.post(.redeem("r2", member: "member:1", points: 50, at: TestClock.at(2026, 6, 3))).entry.balanceAfter == 0)
        #expect(throws: MemberError.self) { try ledger.post(.earn("x", member: "member:404", points: 1, at: TestClock.at(2026, 6, 3))) }
        #expect(throws: MemberError.self) { try ledger.post(.earn("earn:o1", member: "member:1", points: 1, at: TestClock.at(2026, 6, 3))) }
        #expect(try ledger.verify().isEmpty)
    }

    @Test("entries are append-only: the catalogue refuses UPDATE and DELETE")
    func appendOnly() throws {
        let (dir, workspace) = try membersWorkspace()
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        _ = try MemberStore.join(key: key("member:1"), at: TestClock.at(2026, 6, 1), channel: nil, referrer: nil, in: workspace)
        _ = try PointsLedger(workspace).post(.earn("e1", member: "member:1", points: 50, at: TestClock.at(2026, 6, 2)))
        #expect(throws: (any Error).self) { try workspace.catalogue.write { db in try db.execute(sql: "UPDATE points_entry SET points = 5000") } }
        #expect(throws: (any Error).self) { try workspace.catalogue.write { db in try db.execute(sql: "DELETE FROM points_entry") } }
        // A balance below zero is refused by the table too.
        #expect(throws: (any Error).self) { try workspace.catalogue.write { db in try db.execute(sql: "UPDATE member SET balance = -1") } }
        #expect(try PointsLedger(workspace).entries(of: "member:1").map(\.points) == [50])
    }

    @Test("expiry takes the lots that expire first; worked by hand")
    func expiryFIFO() throws {
        let (dir, workspace) = try membersWorkspace()
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        _ = try MemberStore.join(key: key("member:1"), at: TestClock.at(2025, 1, 1), channel: nil, referrer: nil, in: workspace)
        let ledger = PointsLedger(workspace)
        let m = "member:1"
        // e1 +100 on 2025-01-10, usable through 2026-01-31.
        #expect(try ledger.post(.earn("e1", member: m, points: 100, at: TestClock.at(2025, 1, 10))).entry.expiresOn == Day(year: 2026, month: 1, day: 31))
        // e2 +50 on 2025-03-05, through 2026-03-31.
        _ = try ledger.post(.earn("e2", member: m, points: 50, at: TestClock.at(2025, 3, 5)))
        // r1 −120 on 2025-06-01: all 100 of e1, then 20 of e2 (30 left of e2). Balance 30.
        _ = try ledger.post(.redeem("r1", member: m, points: 120, at: TestClock.at(2025, 6, 1)))
        // e3 +70 on 2025-12-20, through 2026-12-31. Balance 100.
        _ = try ledger.post(.earn("e3", member: m, points: 70, at: TestClock.at(2025, 12, 20)))
        #expect(PointsLedger.openLots(try ledger.entries(of: m)).map { "\($0.operationID)=\($0.remaining)" } == ["e2=30", "e3=70"])
        // By the end of 2026-01-31 e1's day has passed, but nothing of e1 is left: nothing expires.
        #expect(try ledger.expire(by: ZoneRules.shanghai.end(of: Day(year: 2026, month: 1, day: 31))).isEmpty)
        // By the end of 2026-03-30 e2 is still usable.
        #expect(try ledger.expire(by: ZoneRules.shanghai.end(of: Day(year: 2026, month: 3, day: 30))).isEmpty)
        // By the end of 2026-03-31 e2's 30 expire. Balance 70.
        let expired = try ledger.expire(by: ZoneRules.shanghai.end(of: Day(year: 2026, month: 3, day: 31)))
        #expect(expired.map(\.operationID) == ["expire:e2"] && expired.map(\.points) == [-30] && expired.first?.balanceAfter == 70)
        // Expiring again posts nothing (the lot is empty; its expire id is taken).
        #expect(try ledger.expire(by: ZoneRules.shanghai.end(of: Day(year: 2026, month: 4, day: 30))).isEmpty)
        // A redeem of 10 on 2027-01-02: e3 (70, through 2026-12-31) expires first, leaving 0: refused,
        // and the refusal posts nothing, not even the expiry.
        #expect(throws: MemberError.self) { try ledger.post(.redeem("r2", member: m, points: 10, at: TestClock.at(2027, 1, 2))) }
        #expect(try MemberStore.member(m, in: workspace)?.balance == 70)
        // With e4 +5 on 2027-01-02 (through 2028-01-31), a redeem of 5 expires e3's 70 first, then spends e4.
        _ = try ledger.post(.earn("e4", member: m, points: 5, at: TestClock.at(2027, 1, 2)))
        let redeem = try ledger.post(.redeem("r3", member: m, points: 5, at: TestClock.at(2027, 1, 2, hour: 13)))
        #expect(redeem.expired.map(\.operationID) == ["expire:e3"] && redeem.expired.map(\.points) == [-70])
        #expect(redeem.entry.balanceAfter == 0)
        #expect(try ledger.entries(of: m).map(\.points) == [100, 50, -120, 70, -30, 5, -70, -5])
        #expect(try ledger.verify().isEmpty)
    }

    @Test("50 concurrent operations over two connections, each posted twice: no overdraft, each id once, balances as worked out")
    func concurrency() throws {
        let (dir, workspace) = try membersWorkspace()
        // A second handle on the same catalogue: its own connection pool, as another process would have.
        let other = try Workspace(dataDirectory: dir.path, name: workspace.name, create: false)
        _ = try MemberStore.join(key: key("member:a"), at: TestClock.at(2026, 6, 1), channel: nil, referrer: nil, in: workspace)
        _ = try MemberStore.join(key: key("member:b"), at: TestClock.at(2026, 6, 1), channel: nil, referrer: nil, in: workspace)
        let ledgers = [PointsLedger(workspace), PointsLedger(other)]
        _ = try ledgers[0].post(.earn("a-seed", member: "member:a", points: 1_000, at: TestClock.at(2026, 6, 2)))
        _ = try ledgers[0].post(.earn("b-seed", member: "member:b", points: 100, at: TestClock.at(2026, 6, 2)))

        // member:a: tasks 0, 5, 10 ... 45 earn 30 (10 × 30 = 300); the other 40 redeem 25 (1,000).
        // Even with every redeem first, 1,000 − 1,000 = 0: all succeed; a ends at 1,000 + 300 − 1,000 = 300.
        // member:b: every task also tries to redeem 7 of b's 100: ⌊100 / 7⌋ = 14 succeed, 36 are
        // refused, b ends at 100 − 98 = 2, whatever the order.
        let at = TestClock.at(2026, 6, 3)
        let outcomes = Locked<[String: [Bool]]>([:])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 50) { i in
            let ledger = ledgers[i % 2]
            let a: PointsOperation = i % 5 == 0
                ? .earn("a-earn-\(i)", member: "member:a", points: 30, at: at)
                : .redeem("a-redeem-\(i)", member: "member:a", points: 25, at: at)
            let b: PointsOperation = .redeem("b-\(i)", member: "member:b", points: 7, at: at)
            for operation in [a, b, a, b] {
                do {
                    let result = try ledger.post(operation)
                    outcomes.withLock { $0[operation.operationID, default: []].append(result.replayed) }
                } catch MemberError.insufficientPoints {
                    outcomes.withLock { $0[operation.operationID, default: []].append(false) }
                    failures.withLock { $0.append(operation.operationID) }
                } catch {
                    failures.withLock { $0.append("\(operation.operationID): \(error)") }
                }
            }
        }
        let refused = failures.withLock { $0 }
        #expect(refused.allSatisfy { $0.hasPrefix("b-") && !$0.contains(":") }, "\(refused.filter { !$0.hasPrefix("b-") })")
        // Each refused b operation was refused both times it was tried: 36 operations × 2.
        #expect(refused.count == 72)
        #expect(Set(refused).count == 36)
        // Every accepted operation was posted once and replayed once.
        let all = outcomes.withLock { $0 }
        for (id, results) in all where !refused.contains(id) { #expect(results.sorted { !$0 && $1 } == [false, true], "\(id)") }

        #expect(try MemberStore.member("member:a", in: workspace)?.balance == 300)
        #expect(try MemberStore.member("member:b", in: workspace)?.balance == 2)
        let entries = try ledgers[1].entries(of: "member:a") + ledgers[1].entries(of: "member:b")
        #expect(entries.count == 2 + 50 + 14)
        #expect(Set(entries.map(\.operationID)).count == entries.count)
        #expect(entries.allSatisfy { $0.balanceAfter >= 0 })
        #expect(try ledgers[0].verify().isEmpty)
        let distinct = try workspace.catalogue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT operation_id) = COUNT(*) FROM points_entry")
        }
        #expect(distinct == 1)
    }

    @Test("a member who left can no longer earn or redeem; adjustments still post")
    func left() throws {
        let (dir, workspace) = try membersWorkspace([
            event("j", TestClock.at(2026, 6, 1), .memberJoin, ["member:1"]),
            event("l", TestClock.at(2026, 6, 10), .memberLeave, ["member:1"]),
        ])
        // The directory is removed when `dir` goes: keep it for the whole test.
        defer { withExtendedLifetime(dir) {} }
        _ = try MemberSync.run(try workspace.buildSnapshot(), workspace: workspace, asOf: Day(year: 2026, month: 6, day: 30))
        let ledger = PointsLedger(workspace)
        _ = try ledger.post(.earn("before", member: "member:1", points: 10, at: TestClock.at(2026, 6, 5)))
        #expect(throws: MemberError.self) { try ledger.post(.earn("after", member: "member:1", points: 10, at: TestClock.at(2026, 6, 11))) }
        #expect(try ledger.post(.adjust("fix", member: "member:1", points: -10, at: TestClock.at(2026, 6, 11))).entry.balanceAfter == 0)
    }
}

/// A value shared by the threads of a test.
final class Locked<Value>: @unchecked Sendable {
    // Every access goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
