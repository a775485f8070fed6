import KehuModel
import Testing
@testable import KehuActivation

@Suite struct ExpressionParserTests {
    func parse(_ text: String) throws -> AudienceExpression { try AudienceExpression.parse(text) }

    func error(_ text: String) -> ExpressionError? {
        do {
            _ = try AudienceExpression.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func precedenceIsOrThenAndThenNot() throws {
        // `or` is loosest, `not` binds tightest: a or (b and (not c)).
        let e = try parse("member or tag:b and not tag:c")
        #expect(e == .or(
            .condition(.member, column: 1),
            .and(.condition(.tag("b"), column: 11), .not(.condition(.tag("c"), column: 25)))))
        // Parentheses override; and/or group left to right.
        #expect(try parse("(member or tag:b) and tag:c") == .and(
            .or(.condition(.member, column: 2), .condition(.tag("b"), column: 12)), .condition(.tag("c"), column: 23)))
        #expect(try parse("tag:a and tag:b and tag:c") == .and(
            .and(.condition(.tag("a"), column: 1), .condition(.tag("b"), column: 11)), .condition(.tag("c"), column: 21)))
        // The Chinese connectives read the same.
        #expect(try parse("会员 或 tag:b 且 非 tag:c") == .or(
            .condition(.member, column: 1),
            .and(.condition(.tag("b"), column: 6), .not(.condition(.tag("c"), column: 16)))))
    }

    @Test func everyCondition() throws {
        func condition(_ text: String) throws -> AudienceCondition {
            guard case .condition(let c, column: 1) = try parse(text) else { Issue.record("\(text) is not one condition"); return .member }
            return c
        }
        // Stages as bits 1 << rawValue: I = 2 -> 4, P = 3 -> 8, L = 4 -> 16, none = 0 -> 1.
        #expect(try condition("stage = P") == .stage(mask: 8))
        #expect(try condition("stage in (I, P)") == .stage(mask: 12))
        #expect(try condition("stage in (忠诚, none)") == .stage(mask: 17))
        #expect(try parse("stage != L") == .not(.condition(.stage(mask: 16), column: 1)))
        #expect(try parse("stage not in (A)") == .not(.condition(.stage(mask: 2), column: 1)))
        // RFM: segment names in any spelling, Chinese names, the eight classes.
        #expect(try condition("rfm = champions") == .rfmSegment(mask: 1))
        #expect(try condition("rfm in (\"Can't Lose Them\", at_risk)") == .rfmSegment(mask: 1 << 8 | 1 << 7))
        #expect(try condition("rfm = 已流失") == .rfmSegment(mask: 1 << 9))
        #expect(try condition("rfm = 重要价值") == .rfmClass(mask: 1))
        #expect(try condition("rfm = general_retain") == .rfmClass(mask: 1 << 7))
        #expect(try parse("rfm in (champions, 重要价值)") == .or(
            .condition(.rfmSegment(mask: 1), column: 1), .condition(.rfmClass(mask: 1), column: 1)))
        // Money is parsed exactly to the fen.
        #expect(try condition("clv > 500") == .clv(.greater, fen: 50_000))
        #expect(try condition("clv <= 99.5") == .clv(.lessOrEqual, fen: 9_950))
        #expect(try condition("visitor = new") == .visitor(days: 1, mask: 1))
        #expect(try condition("visitor(30d) in (returning, 老客)") == .visitor(days: 30, mask: 6))
        #expect(try condition("count(cart, 30d) >= 2") == .count(.cart, days: 30, filters: [], .greaterOrEqual, 2))
        #expect(try condition("count(加购, 7天) = 0") == .count(.cart, days: 7, filters: [], .equal, 0))
        #expect(try condition("count(view, 30d, channel = douyin, category in (美妆, 'skin care')) > 3") == .count(
            .view, days: 30, filters: [EventFilter(field: .channel, values: ["douyin"]), EventFilter(field: .category, values: ["美妆", "skin care"])],
            .greater, 3))
        #expect(try condition("sum(pay, 365d) > 1000") == .sum(.pay, days: 365, filters: [], .greater, fen: 100_000))
        #expect(try condition("sum(refund, 90d, channel = jd) >= 0.01") == .sum(
            .refund, days: 90, filters: [EventFilter(field: .channel, values: ["jd"])], .greaterOrEqual, fen: 1))
        #expect(try condition("last(view) within 7d") == .last(.view, filters: [], days: 7))
        #expect(try condition("first(pay, channel = tmall) within 30d") == .first(.pay, filters: [EventFilter(field: .channel, values: ["tmall"])], days: 30))
        #expect(try condition("channel = tmall") == .field(.channel, values: ["tmall"]))
        #expect(try condition("category in (美妆, 个护)") == .field(.category, values: ["美妆", "个护"]))
        #expect(try condition("preferred category = 美妆") == .preferredCategory(values: ["美妆"]))
        #expect(try condition("member") == .member)
        #expect(try condition("tag:高价值") == .tag("高价值"))
        #expect(try condition("tag:'618 responders'") == .tag("618 responders"))
        #expect(try condition("tag:618-responders") == .tag("618-responders"))
        #expect(try parse("tag:a and not (stage = P or member)").referencedTags == ["a"])
        #expect(try parse("tag:a or tag:b and tag:a").conditionCount == 3)
    }

    @Test func errorsPointAtTheColumnOfTheMistake() {
        // (expression, column, start of the message)
        let cases: [(String, Int, String)] = [
            // c-o-u-n-t-( is 1-6, "cart" 7-10, "," 11, space 12: "30x" starts at 13.
            ("count(cart, 30x) >= 2", 13, "expected a window like 30d, got '30x'"),
            ("count(cart, 0d) >= 2", 13, "a window is 1d to 3660d, got '0d'"),
            ("count(kart, 30d) >= 1", 7, "expected an event kind (impression, click"),
            ("count(cart 30d) >= 1", 12, "expected , and a window after the event kind"),
            ("count(cart, 30d) >= two", 21, "expected a whole number of events like 2, got 'two'"),
            ("count(cart, 30d, colour = red) > 1", 18, "expected a filter on channel, touchpoint"),
            ("count(cart, 30d, channel != jd) > 1", 18, "a filter inside (...) must be = or in"),
            ("stage = X", 9, "unknown stage 'X' (expected A, I, P, L or none; 认知, 兴趣, 购买, 忠诚 or 无)"),
            ("stage like P", 7, "expected =, != or in (...) after stage, got 'like'"),
            ("rfm = champs", 7, "unknown RFM segment or class 'champs' (expected one of champions, loyalcustomers,"),
            ("visitor = vip", 11, "unknown visitor class 'vip' (expected new, returning or customer; 新访, 回访 or 老客)"),
            // s-u-m-( 1-4: "view" at 5.
            ("sum(view, 30d) > 1", 5, "sum(...) adds amounts of pay or refund events, got 'view'"),
            // "sum(pay, 30d) > " is 16 characters: the amount starts at 17.
            ("sum(pay, 30d) > 10.123", 17, "expected an amount in yuan like 1000 or 99.50, got '10.123'"),
            ("clv > lots", 7, "expected an amount in yuan like 1000 or 99.50, got 'lots'"),
            ("clv ~ 5", 5, "unexpected character '~'"),
            ("last(view) in 7d", 12, "expected 'within' and a window, as in last(view) within 7d, got 'in'"),
            ("tag:vip and", 12, "expected a condition (stage, rfm, clv"),
            ("(stage = P", 11, "expected ) to close the ( at column 1, got the end of the expression"),
            ("stage = P member", 11, "expected and, or or the end of the expression, got 'member'"),
            ("stage = P & member", 11, "unexpected character '&'"),
            ("channel = 'tmall", 11, "this quoted text has no closing '"),
            ("tag vip", 5, "expected ':' after tag (as in tag:vip), got 'vip'"),
            ("favourite = yes", 1, "expected a condition (stage, rfm, clv"),
            ("", 1, "the expression is empty"),
            ("stage ! = P", 7, "unexpected '!' (use != or not)"),
        ]
        for (text, column, message) in cases {
            guard let e = error(text) else {
                Issue.record("'\(text)' parsed")
                continue
            }
            #expect(e.column == column, "\(text): \(e)")
            #expect(e.message.hasPrefix(message), "\(text): \(e.message)")
        }
    }

    @Test func errorDescriptionHasACaretUnderTheMistake() throws {
        let e = try #require(error("count(cart, 30x) >= 2"))
        #expect(e.description == "column 13: expected a window like 30d, got '30x'\n  count(cart, 30x) >= 2\n              ^^^")
        // Chinese characters are one column each but two terminal cells: "tag:" (4 cells) + "高价值"
        // (6 cells) + " and stage = " (13 cells) = 23 cells before the Z at column 4 + 3 + 13 + 1 = 21.
        let wide = try #require(error("tag:高价值 and stage = Z"))
        #expect(wide.column == 21)
        #expect(wide.caretLine == String(repeating: " ", count: 23) + "^")
    }
}
