import KehuModel
import Testing

@testable import KehuGenerator

@Suite struct ConfigurationTests {
    @Test func defaultsAreDocumented() {
        let config = BrandConfig.default
        #expect(config.consumers == 10_000)
        #expect(config.range == DayRange(Day(year: 2025, month: 11, day: 21), Day(year: 2026, month: 11, day: 20)))
        #expect(config.zone == .shanghai)
        #expect(config.eventsPerConsumerYear == 50)
        #expect(config.stores == 5)
        #expect(BrandConfig(consumers: 100).stores == 1)
    }

    @Test(arguments: [
        (BrandConfig(consumers: 0), "consumers must be between 1 and 100000000 (got 0)"),
        (BrandConfig(days: 0), "days must be between 1 and 3650 (got 0)"),
        (BrandConfig(days: 4_000), "days must be between 1 and 3650 (got 4000)"),
        (BrandConfig(eventsPerConsumerYear: 0.5), "events per consumer-year must be between 1 and 10000 (got 0.5)"),
        (BrandConfig(stores: 0), "stores must be between 1 and 9999 (got 0)"),
        (BrandConfig(days: 10, endDay: Day(year: 1971, month: 1, day: 5)),
         "the range 1970-12-27..1971-01-05 must lie between 1971-01-01 and 2099-12-31"),
    ])
    func badSettingsAreNamed(config: BrandConfig, message: String) {
        #expect(throws: GeneratorError.invalidConfiguration(message)) { try BrandSimulator(config) }
    }

    @Test func campaignsOverlappingTheDefaultRange() throws {
        let simulator = try BrandSimulator()
        // 双11 2025's nurturing (11-12..11-26) reaches into the range; 618 2027's seeding starts after it.
        #expect(simulator.campaigns.map(\.name) == ["1111-2025", "618-2026", "1111-2026"])
    }

    @Test func campaignRhythm() throws {
        let campaign = try #require(BrandCampaign.campaigns(overlapping: DayRange(Day(year: 2026, month: 6, day: 1), Day(year: 2026, month: 6, day: 1))).first)
        #expect(campaign.name == "618-2026")
        #expect(campaign.seeding.description == "2026-05-02..2026-05-16")
        #expect(campaign.growing.description == "2026-05-17..2026-05-31")
        #expect(campaign.harvest.description == "2026-06-01..2026-06-18")
        #expect(campaign.nurturing.description == "2026-06-19..2026-07-03")
        #expect(campaign.phase(of: Day(year: 2026, month: 5, day: 16)) == .seeding)
        #expect(campaign.phase(of: Day(year: 2026, month: 7, day: 4)) == nil)
    }

    @Test func catalogueHasPricedProductsInEveryCategory() throws {
        let catalogue = try BrandSimulator().catalogue
        #expect(catalogue.products.count == 44)
        #expect(catalogue.products.first?.sku == "SKU0001")
        #expect(Set(catalogue.products.map(\.category)) == Set(BrandCatalogue.categories))
        #expect(catalogue.products.allSatisfy { $0.listPriceFen >= 4_900 && $0.listPriceFen % 100 == 0 })
    }

    /// A one-day range outside any campaign still works and stays inside the day.
    @Test func aSingleDay() throws {
        let config = BrandConfig(consumers: 200, days: 1, endDay: Day(year: 2026, month: 3, day: 10), seed: 4)
        let simulator = try BrandSimulator(config)
        let start = config.zone.start(of: config.endDay)
        var count = 0
        let summary = simulator.forEachChunk { batch in
            count += batch.count
            #expect(batch.ts.allSatisfy { $0 >= start && $0 < start + 86_400_000 })
        }
        #expect(count > 0 && count == summary.events)
        #expect(simulator.campaigns.isEmpty)
    }
}
