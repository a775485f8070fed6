import Foundation
import KehuModel
import KehuStore
import KehuTesting
import Testing
@testable import KehuMembers

/// A programme on rolling spend: 普通 from ¥0, 银卡 from ¥1,000.00 at 150%, 金卡 from ¥5,000.00 at
/// 200%; 1 point per yuan; points expire at the end of the 12th month after earning; downgrades
/// reviewed on 07-01 with 30 days' grace.
let spendProgramme = """
    # 测试会员体系
    name = 测试会员
    basis = spend
    window_days = 365
    review = 07-01
    grace_days = 30
    earn_points = 1
    earn_yuan = 1
    expiry_months = 12

    [tier]
    code = normal
    name = 普通会员
    threshold = 0
    benefit = 积分兑礼

    [tier]
    code = silver
    name = 银卡
    threshold = 1000
    multiplier = 150%
    benefit = 生日礼
    benefit = 包邮

    [tier]
    code = gold
    name = 金卡
    threshold = 5000.00
    multiplier = 2
    """

/// A workspace holding `records`, with the spend programme in force.
func membersWorkspace(_ records: [EventRecord] = [], programme: String = spendProgramme) throws -> (TemporaryDirectory, Workspace) {
    let (dir, workspace, _) = try snapshot(of: records)
    try MemberStore.setProgramme(try ProgrammeFile.parse(programme, file: "programme.txt"), source: "programme.txt", in: workspace)
    return (dir, workspace)
}

func key(_ text: String) -> IdentityKey { try! IdentityKey.parse(text) }

@Suite("programme file")
struct ProgrammeFileTests {
    @Test("a full file parses: thresholds in fen, multipliers in percent, review days")
    func parses() throws {
        let programme = try ProgrammeFile.parse(spendProgramme, file: "p.txt")
        #expect(programme.name == "测试会员")
        #expect(programme.basis == .spend)
        #expect(programme.tiers.map(\.code) == ["normal", "silver", "gold"])
        #expect(programme.tiers.map(\.threshold) == [0, 100_000, 500_000])
        #expect(programme.tiers.map(\.multiplierPercent) == [100, 150, 200])
        #expect(programme.tiers[1].benefits == ["生日礼", "包邮"])
        #expect(programme.reviewDates == [.init(month: 7, day: 1)])
        #expect(programme.graceDays == 30)
        #expect(programme.qualifiedTier(99_999) == 0)
        #expect(programme.qualifiedTier(100_000) == 1)
        #expect(programme.qualifiedTier(500_000) == 2)
    }

    @Test("errors name the file, line and field", arguments: [
        ("name = x\nbasis = spend\n[tier]\ncode = a\nname = A\nthreshold = 10\n", "p.txt:6: threshold: the first tier is every new member's tier: its threshold must be 0"),
        ("name = x\nbasis = spend\n[tier]\ncode = a\nname = A\nthreshold = 0\n[tier]\ncode = b\nname = B\nthreshold = 0\n",
         "p.txt:10: threshold: must be above the previous tier's (a: 0 is not above it); list tiers lowest first"),
        ("name = x\nbasis = spend\ncolour = red\n", "p.txt:3: colour: not a programme field; expected one of name, basis, window_days, review, grace_days, earn_points, earn_yuan, expiry_months or a [tier] section"),
        ("name = x\nbasis = spend\n[tier]\ncode = a\nname = A\nthreshold = 0\nmultiplier = 1.555\n", "p.txt:7: multiplier: '1.555' is not a multiplier from 1% to 1000% (write 150% or 1.5)"),
        ("name = x\nbasis = spend\n[tier]\ncode = a\nname = A\nthreshold = 0.001\n", "p.txt:6: threshold: '0.001' is not an amount in yuan"),
        ("name = x\nbasis = spend\nreview = 02-29\n[tier]\ncode = a\nname = A\nthreshold = 0\n", "p.txt:3: review: '02-29' is not a day of the year as MM-DD"),
        ("name = x\nbasis = spending\n", "p.txt:2: basis: 'spending' is not spend or points"),
        ("name = x\nbasis = spend\n[tier]\ncode = a\ncode = b\n", "p.txt:5: code: given twice for this tier (first on line 4)"),
    ])
    func errors(text: String, message: String) {
        #expect {
            _ = try ProgrammeFile.parse(text, file: "p.txt")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test("earn rounding: whole points, rounded down, on the order's net fen")
    func rounding() throws {
        let programme = try ProgrammeFile.parse(spendProgramme, file: "p.txt")
        // ¥199.99 at 1 point per yuan, 100%: ⌊19 999 × 100 / 10 000⌋ = ⌊199.99⌋ = 199.
        #expect(MemberProgramme.points(netFen: 19_999, rate: programme.earnRate(tier: 0)) == 199)
        // At 150%: ⌊19 999 × 150 / 10 000⌋ = ⌊299.985⌋ = 299.
        #expect(MemberProgramme.points(netFen: 19_999, rate: programme.earnRate(tier: 1)) == 299)
        // ¥0.99 earns nothing; ¥1.00 earns 1.
        #expect(MemberProgramme.points(netFen: 99, rate: programme.earnRate(tier: 0)) == 0)
        #expect(MemberProgramme.points(netFen: 100, rate: programme.earnRate(tier: 0)) == 1)
        // 1 point per 10 yuan: ¥99.99 → ⌊9 999 × 100 / 100 000⌋ = 9.
        var perTen = programme
        perTen.earnYuan = 10
        #expect(MemberProgramme.points(netFen: 9_999, rate: perTen.earnRate(tier: 0)) == 9)
    }

    @Test("points expire at the end of the 12th month after the month they were earned")
    func expiryDay() throws {
        let programme = try ProgrammeFile.parse(spendProgramme, file: "p.txt")
        #expect(programme.expiresOn(earnedOn: Day(year: 2025, month: 1, day: 10)) == Day(year: 2026, month: 1, day: 31))
        #expect(programme.expiresOn(earnedOn: Day(year: 2025, month: 12, day: 31)) == Day(year: 2026, month: 12, day: 31))
        #expect(programme.expiresOn(earnedOn: Day(year: 2023, month: 2, day: 1)) == Day(year: 2024, month: 2, day: 29))
        var never = programme
        never.expiryMonths = 0
        #expect(never.expiresOn(earnedOn: Day(year: 2025, month: 1, day: 10)) == nil)
    }
}
