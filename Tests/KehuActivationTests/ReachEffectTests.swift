import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuActivation

@Suite struct ReachEffectTests {
    @Test func studentTQuantilesMatchTables() {
        // t(0.975) from the usual tables: df 1 -> 12.7062, 2 -> 4.3027, 5 -> 2.5706, 30 -> 2.0423,
        // 1000 -> 1.9623; df 11.68 (fractional, from Welch) -> 2.18545.
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 1) - 12.706_205) < 1e-5)
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 2) - 4.302_653) < 1e-5)
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 5) - 2.570_582) < 1e-5)
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 30) - 2.042_272) < 1e-5)
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 1000) - 1.962_339) < 1e-5)
        #expect(abs(EffectStatistics.studentTQuantile(0.975, df: 11.68) - 2.185_452) < 1e-5)
    }

    /// Ten treatment consumers (t1..t10) and five in the holdout (h1..h5), all sent (or held
    /// out) on June 10 at 20:00; the window is 14 days, to June 24 20:00.
    ///
    /// Pays in the window: t1..t4 pay ¥100, ¥200, ¥300, ¥400; h1 pays ¥100. Outside it: h2
    /// paid ¥500 on June 9 (before the send) and t5 pays ¥50 on June 25 (after the window).
    ///
    /// By hand:
    /// - conversion: treatment 4/10 = 40%, holdout 1/5 = 20%; uplift +20pp, relative +100%.
    /// - Wilson 95% (z = 1.959964): 4/10 -> [0.168180, 0.687326]; 1/5 -> [0.036224, 0.624465].
    ///   Newcombe: lower = 0.2 − √((0.4 − 0.168180)² + (0.624465 − 0.2)²) = 0.2 − 0.483644 = −0.283644;
    ///   upper = 0.2 + √((0.687326 − 0.4)² + (0.2 − 0.036224)²) = 0.2 + 0.330725 = 0.530725.
    /// - GMV: treatment 100,000 fen over 10 -> 10,000 fen each; holdout 10,000 over 5 -> 2,000.
    ///   Uplift 8,000 fen (¥80) per consumer, relative +400%.
    ///   Sample variances: treatment deviations 0, 10k, 20k, 30k and six −10k -> (0 + 1e8 + 4e8
    ///   + 9e8 + 6e8) / 9 = 2.2222e8; holdout 8k and four −2k -> (6.4e7 + 1.6e7) / 4 = 2e7.
    ///   se² = 2.2222e8/10 + 2e7/5 = 2.2222e7 + 4e6 = 2.6222e7, se = 5,120.76.
    ///   df = se⁴ / ((2.2222e7)²/9 + (4e6)²/4) = 6.8761e14 / 5.8870e13 = 11.680.
    ///   t(0.975, 11.68) = 2.185449 -> 8,000 ± 11,191.17 = [−3,191.17, 19,191.17] fen.
    ///   (scipy.stats.ttest_ind(equal_var=False) gives the same df, 11.680.)
    @Test func upliftAndIntervalsByHand() throws {
        let send = TestClock.at(2026, 6, 10, hour: 20)
        var records: [EventRecord] = []
        let treatment = (1...10).map { "t\($0)" }
        let holdout = (1...5).map { "h\($0)" }
        for name in treatment + holdout {
            records.append(event("seen-\(name)", TestClock.at(2026, 6, 1), .view, ["buyer:\(name)"]))
        }
        for (n, fen) in [10_000, 20_000, 30_000, 40_000].enumerated() {
            records.append(event("pay-t\(n + 1)", TestClock.at(2026, 6, 11), .pay, ["buyer:t\(n + 1)"], order: "o-t\(n + 1)", amount: Int64(fen)))
        }
        records.append(event("pay-h1", TestClock.at(2026, 6, 12), .pay, ["buyer:h1"], order: "o-h1", amount: 10_000))
        records.append(event("pay-h2", TestClock.at(2026, 6, 9), .pay, ["buyer:h2"], order: "o-h2", amount: 50_000))
        records.append(event("pay-t5", TestClock.at(2026, 6, 25), .pay, ["buyer:t5"], order: "o-t5", amount: 5_000))
        let (dir, workspace, snapshot) = try snapshot(of: records)
        defer { _ = dir }
        func id(_ name: String) throws -> UInt32 {
            try #require(try ConsumerIdentity.lookup(IdentityKey(type: .buyer, value: name), in: workspace)).consumerID
        }
        let sends = try (treatment.map { ($0, false) } + holdout.map { ($0, true) }).map { name, held in
            ReachStore.StoredSend(
                consumerID: try id(name), holdout: held, channelKey: "buyer:\(name)", sendAt: send,
                status: held ? .holdout : .delivered, attempts: 1)
        }
        let effect = ReachEffect.compute(snapshot, plan: "hand", sends: sends, windowDays: 14)
        #expect((effect.treatment.consumers, effect.treatment.converted, effect.treatment.gmvFen) == (10, 4, 100_000))
        #expect((effect.holdout.consumers, effect.holdout.converted, effect.holdout.gmvFen) == (5, 1, 10_000))
        #expect(abs(effect.conversionUplift.absolute - 0.2) < 1e-12)
        #expect(abs(try #require(effect.conversionUplift.relative) - 1.0) < 1e-12)
        #expect(abs(try #require(effect.conversionUplift.lower) - -0.283_644) < 1e-6)
        #expect(abs(try #require(effect.conversionUplift.upper) - 0.530_725) < 1e-6)
        #expect(effect.gmvPerConsumerUpliftFen.absolute == 8_000)
        #expect(abs(try #require(effect.gmvPerConsumerUpliftFen.relative) - 4.0) < 1e-12)
        #expect(abs(try #require(effect.gmvDegreesOfFreedom) - 11.680_119) < 1e-5)
        #expect(abs(try #require(effect.gmvPerConsumerUpliftFen.lower) - -3_191.17) < 0.01)
        #expect(abs(try #require(effect.gmvPerConsumerUpliftFen.upper) - 19_191.17) < 0.01)
        #expect(Set(effect.responders) == Set(try ["t1", "t2", "t3", "t4"].map(id)))
        // The last day with data is June 25, after every window's end (June 24, 20:00).
        #expect(effect.windowPastData == 0)
        let table = effect.rendered(as: .table)
        #expect(table.contains("+20.00pp"))
        #expect(table.contains("[-28.36pp, +53.07pp]"))
        #expect(table.contains("includes 0"))
    }

    @Test func wilsonAtTheEdges() {
        // 0 of 10: lower is exactly 0; 10 of 10: upper exactly 1. Wilson upper for 0/10 is
        // z²/(n + z²) = 3.841459/13.841459 = 0.277533.
        let none = EffectStatistics.wilson(0, 10)
        #expect(none.lower == 0 && abs(none.upper - 0.277_533) < 1e-6)
        #expect(EffectStatistics.wilson(10, 10).upper == 1)
        #expect(EffectStatistics.newcombeDifference(1, 0, 1, 5) == nil)
    }
}
