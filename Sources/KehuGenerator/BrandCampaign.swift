import KehuModel

/// A platform shopping festival the brand runs every year: 618 (harvest 06-01 ... 06-18) and
/// 双11 (harvest 11-01 ... 11-11), with the 种草 / 长草 / 拔草 / 养草 rhythm around the harvest.
public struct BrandCampaign: Sendable, Hashable {
    /// The four phases around a campaign (DESIGN section 5, campaign rhythm).
    public enum Phase: Int, Sendable, Hashable, CaseIterable {
        /// 种草: 30 to 16 days before the harvest; content and seeding activity ramps up.
        case seeding = 1
        /// 长草: the 15 days before the harvest; carts, favourites, coupons and pre-sale orders.
        case growing = 2
        /// 拔草: the campaign days; purchases spike and discounts are deepest.
        case harvest = 3
        /// 养草: the 15 days after; reviews, member joins and follow-up.
        case nurturing = 4
    }

    /// `618-2026` or `1111-2026`: the value of the `campaign` field on campaign-driven events.
    public let name: String
    /// The campaign days.
    public let harvest: DayRange

    /// 种草 seeding: harvest start - 30 ... harvest start - 16.
    public var seeding: DayRange { DayRange(harvest.first.advanced(by: -30), harvest.first.advanced(by: -16)) }
    /// 长草 growing: harvest start - 15 ... harvest start - 1.
    public var growing: DayRange { DayRange(harvest.first.advanced(by: -15), harvest.first.advanced(by: -1)) }
    /// 养草 nurturing: harvest end + 1 ... harvest end + 15.
    public var nurturing: DayRange { DayRange(harvest.last.advanced(by: 1), harvest.last.advanced(by: 15)) }
    /// Seeding start ... nurturing end.
    public var fullRhythm: DayRange { DayRange(seeding.first, nurturing.last) }

    /// The phase a day falls in, if any.
    public func phase(of day: Day) -> Phase? {
        if harvest.contains(day) { return .harvest }
        if growing.contains(day) { return .growing }
        if seeding.contains(day) { return .seeding }
        if nurturing.contains(day) { return .nurturing }
        return nil
    }

    /// Every 618 and 双11 whose rhythm (seeding to nurturing) overlaps `range`, in date order.
    public static func campaigns(overlapping range: DayRange) -> [BrandCampaign] {
        var result: [BrandCampaign] = []
        let firstYear = range.first.civil.year
        let lastYear = range.last.civil.year + 1
        for year in firstYear...lastYear {
            for (name, month, lastDay) in [("618", 6, 18), ("1111", 11, 11)] {
                let campaign = BrandCampaign(
                    name: "\(name)-\(year)",
                    harvest: DayRange(Day(year: year, month: month, day: 1), Day(year: year, month: month, day: lastDay)))
                if campaign.fullRhythm.last >= range.first && campaign.fullRhythm.first <= range.last {
                    result.append(campaign)
                }
            }
        }
        return result
    }
}
