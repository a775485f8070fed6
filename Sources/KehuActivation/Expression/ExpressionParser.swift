import KehuAnalytics
import KehuModel

extension AudienceExpression {
    /// Parses a tag or audience expression (docs/activation.md has the grammar).
    ///
    /// Precedence, loosest first: `or` (或), `and` (且), `not` (非), then parentheses and conditions;
    /// `and` and `or` group left to right.
    /// - Throws: ``ExpressionError`` with the column of the first mistake and what was expected.
    /// - Complexity: O(length of the text).
    public static func parse(_ text: String) throws(ExpressionError) -> AudienceExpression {
        var parser = ExpressionParser(source: text, tokens: try ExpressionLexer.tokens(text))
        guard parser.peek.kind != .end else {
            throw ExpressionError(expression: text, column: 1, message: "the expression is empty (expected a condition such as stage = P or tag:vip)")
        }
        let expression = try parser.parseOr()
        guard parser.peek.kind == .end else {
            throw parser.error(at: parser.peek, "expected and, or or the end of the expression, got \(parser.peek.quoted)")
        }
        return expression
    }
}

/// A recursive-descent parser over the tokens.
struct ExpressionParser {
    let source: String
    let tokens: [ExpressionToken]
    var position = 0

    init(source: String, tokens: [ExpressionToken]) {
        self.source = source
        self.tokens = tokens
    }

    var peek: ExpressionToken { tokens[position] }

    mutating func next() -> ExpressionToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    func error(at token: ExpressionToken, _ message: String) -> ExpressionError {
        ExpressionError(expression: source, column: token.column, length: token.length, message: message)
    }

    static let conditionNames =
        "stage, rfm, clv, visitor, count(...), sum(...), last(...), first(...), channel, touchpoint, campaign, content, sku, category, preferred category, member or tag:NAME"

    // MARK: boolean structure

    mutating func parseOr() throws(ExpressionError) -> AudienceExpression {
        var left = try parseAnd()
        while peek.isWord("or", "或") {
            _ = next()
            left = .or(left, try parseAnd())
        }
        return left
    }

    mutating func parseAnd() throws(ExpressionError) -> AudienceExpression {
        var left = try parseNot()
        while peek.isWord("and", "且") {
            _ = next()
            left = .and(left, try parseNot())
        }
        return left
    }

    mutating func parseNot() throws(ExpressionError) -> AudienceExpression {
        if peek.isWord("not", "非") {
            _ = next()
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(ExpressionError) -> AudienceExpression {
        let token = peek
        if token.isSymbol("(") {
            _ = next()
            let inner = try parseOr()
            try expect(")", "expected ) to close the ( at column \(token.column)")
            return inner
        }
        guard token.kind == .word else {
            throw error(at: token, "expected a condition (\(Self.conditionNames)), got \(token.quoted)")
        }
        _ = next()
        let column = token.column
        switch token.text.lowercased() {
        case "stage", "阶段": return try parseStage(column)
        case "rfm": return try parseRFM(column)
        case "clv":
            let op = try parseComparison()
            let fen = try parseMoney()
            return .condition(.clv(op, fen: fen), column: column)
        case "visitor", "访客": return try parseVisitor(column)
        case "count": return try parseCount(column)
        case "sum": return try parseSum(column)
        case "last", "first": return try parseLastFirst(token, column)
        case "preferred":
            guard peek.isWord("category") else { throw error(at: peek, "expected 'category' after 'preferred', got \(peek.quoted)") }
            _ = next()
            let (negated, values) = try parseMembership(subject: "preferred category")
            return wrap(.condition(.preferredCategory(values: values.map(\.text)), column: column), negated: negated)
        case "member", "会员":
            return .condition(.member, column: column)
        case "tag", "标签":
            try expect(":", "expected ':' after tag (as in tag:vip)")
            let name = next()
            guard name.kind == .word || name.kind == .string || name.kind == .number, !name.text.isEmpty else {
                throw error(at: name, "expected a tag name after 'tag:', got \(name.quoted)")
            }
            return .condition(.tag(name.text), column: column)
        default:
            if let field = Self.field(token.text) {
                let (negated, values) = try parseMembership(subject: field.name)
                return wrap(.condition(.field(field, values: values.map(\.text)), column: column), negated: negated)
            }
            throw error(at: token, "expected a condition (\(Self.conditionNames)), got \(token.quoted)")
        }
    }

    func wrap(_ e: AudienceExpression, negated: Bool) -> AudienceExpression { negated ? .not(e) : e }

    mutating func expect(_ symbol: String, _ message: String) throws(ExpressionError) {
        guard peek.isSymbol(symbol) else { throw error(at: peek, message + ", got \(peek.quoted)") }
        _ = next()
    }

    static func field(_ name: String) -> EventField? {
        switch name.lowercased() {
        case "channel", "渠道": .channel
        case "touchpoint", "触点": .touchpoint
        case "campaign", "活动": .campaign
        case "content", "内容": .content
        case "sku": .sku
        case "category", "品类", "类目": .category
        default: nil
        }
    }

    // MARK: values

    /// `= v`, `!= v`, `in (v, ...)` or `not in (v, ...)`; returns whether negated and the value tokens.
    mutating func parseMembership(subject: String) throws(ExpressionError) -> (Bool, [ExpressionToken]) {
        let token = next()
        if token.isSymbol("=") || token.isSymbol("!=") {
            return (token.text == "!=", [try parseValue(subject)])
        }
        var negated = false
        var inToken = token
        if token.isWord("not") {
            negated = true
            inToken = next()
        }
        guard inToken.isWord("in") else {
            throw error(at: inToken, "expected =, != or in (...) after \(subject), got \(inToken.quoted)")
        }
        try expect("(", "expected ( after in")
        var values = [try parseValue(subject)]
        while peek.isSymbol(",") {
            _ = next()
            values.append(try parseValue(subject))
        }
        try expect(")", "expected , or ) in the list of \(subject) values")
        return (negated, values)
    }

    mutating func parseValue(_ subject: String) throws(ExpressionError) -> ExpressionToken {
        let token = next()
        guard token.kind == .word || token.kind == .string || token.kind == .number else {
            throw error(at: token, "expected a \(subject) value, got \(token.quoted)")
        }
        return token
    }

    mutating func parseComparison() throws(ExpressionError) -> Comparison {
        let token = next()
        guard token.kind == .symbol, let op = Comparison(rawValue: token.text) else {
            throw error(at: token, "expected a comparison (=, !=, <, <=, >, >=), got \(token.quoted)")
        }
        return op
    }

    /// A window: `30d`, 1 to 3660 days.
    mutating func parseWindow() throws(ExpressionError) -> Int {
        let token = next()
        let digits = token.text.dropLast()
        guard token.kind == .number, token.text.last == "d" || token.text.last == "天", !digits.isEmpty,
            digits.allSatisfy({ $0.isASCII && $0.isNumber }), let days = Int(digits)
        else {
            throw error(at: token, "expected a window like 30d, got \(token.quoted)")
        }
        guard (1...3660).contains(days) else { throw error(at: token, "a window is 1d to 3660d, got \(token.quoted)") }
        return days
    }

    mutating func parseInteger() throws(ExpressionError) -> Int64 {
        let token = next()
        guard token.kind == .number, token.text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(token.text) else {
            throw error(at: token, "expected a whole number of events like 2, got \(token.quoted)")
        }
        return value
    }

    /// Yuan to the fen, exactly (`1000`, `99.5`, `99.50`).
    mutating func parseMoney() throws(ExpressionError) -> Int64 {
        let token = next()
        guard token.kind == .number else {
            throw error(at: token, "expected an amount in yuan like 1000 or 99.50, got \(token.quoted)")
        }
        do {
            return try Money.parse(yuan: token.text).fen
        } catch {
            throw self.error(at: token, "expected an amount in yuan like 1000 or 99.50, got \(token.quoted): \(error)")
        }
    }

    mutating func parseKind() throws(ExpressionError) -> (EventKind, ExpressionToken) {
        let token = next()
        guard token.kind == .word || token.kind == .string, let kind = EventKind(name: token.text) else {
            throw error(at: token, "expected an event kind (\(EventKind.allNames)), got \(token.quoted)")
        }
        return (kind, token)
    }

    /// `, channel = tmall` or `, category in (a, b)` inside `count(...)` and friends.
    mutating func parseFilters() throws(ExpressionError) -> [EventFilter] {
        var filters: [EventFilter] = []
        while peek.isSymbol(",") {
            _ = next()
            let token = next()
            guard token.kind == .word, let field = Self.field(token.text) else {
                throw error(at: token, "expected a filter on channel, touchpoint, campaign, content, sku or category, got \(token.quoted)")
            }
            let (negated, values) = try parseMembership(subject: field.name)
            if negated {
                throw error(at: token, "a filter inside (...) must be = or in; put not outside, as in not count(...)")
            }
            filters.append(EventFilter(field: field, values: values.map(\.text)))
        }
        return filters
    }

    // MARK: conditions

    mutating func parseStage(_ column: Int) throws(ExpressionError) -> AudienceExpression {
        let (negated, values) = try parseMembership(subject: "stage")
        var mask: UInt8 = 0
        for value in values {
            guard let stage = Self.stage(value.text) else {
                throw error(at: value, "unknown stage \(value.quoted) (expected A, I, P, L or none; 认知, 兴趣, 购买, 忠诚 or 无)")
            }
            mask |= 1 << stage.rawValue
        }
        return wrap(.condition(.stage(mask: mask), column: column), negated: negated)
    }

    static func stage(_ text: String) -> AIPLStage? {
        switch text.lowercased() {
        case "a", "认知": .aware
        case "i", "兴趣": .interested
        case "p", "购买": .purchased
        case "l", "忠诚": .loyal
        case "none", "无", "-": AIPLStage.none
        default: nil
        }
    }

    mutating func parseRFM(_ column: Int) throws(ExpressionError) -> AudienceExpression {
        let (negated, values) = try parseMembership(subject: "rfm")
        var segments: UInt16 = 0
        var classes: UInt8 = 0
        for value in values {
            let key = Self.rfmKey(value.text)
            if let segment = RFMSegment.allCases.first(where: { Self.rfmKey($0.name) == key || $0.chineseName == value.text }) {
                segments |= 1 << UInt16(segment.rawValue)
            } else if let valueClass = RFMValueClass.allCases.first(where: {
                Self.rfmKey($0.name) == key || $0.chineseName == value.text || $0.chineseName == value.text + "客户"
            }) {
                classes |= 1 << valueClass.rawValue
            } else {
                throw error(
                    at: value,
                    "unknown RFM segment or class \(value.quoted) (expected one of "
                        + RFMSegment.allCases.map { Self.rfmKey($0.name) }.joined(separator: ", ") + "; or an eight-class: "
                        + RFMValueClass.allCases.map { Self.rfmKey($0.name) }.joined(separator: ", ") + ", 重要价值 ...)")
            }
        }
        var result: AudienceExpression
        switch (segments != 0, classes != 0) {
        case (true, true):
            result = .or(.condition(.rfmSegment(mask: segments), column: column), .condition(.rfmClass(mask: classes), column: column))
        case (true, false): result = .condition(.rfmSegment(mask: segments), column: column)
        default: result = .condition(.rfmClass(mask: classes), column: column)
        }
        return wrap(result, negated: negated)
    }

    /// Names compared without case, spaces, `_`, `-` or apostrophes: `Can't Lose Them` = `cant_lose_them`.
    static func rfmKey(_ name: String) -> String {
        String(name.lowercased().filter { $0 != " " && $0 != "_" && $0 != "-" && $0 != "'" && $0 != "’" })
    }

    mutating func parseVisitor(_ column: Int) throws(ExpressionError) -> AudienceExpression {
        var days = 1
        if peek.isSymbol("(") {
            _ = next()
            days = try parseWindow()
            try expect(")", "expected ) after the visitor window")
        }
        let (negated, values) = try parseMembership(subject: "visitor")
        var mask: UInt8 = 0
        for value in values {
            let visitorClass: VisitorClass
            switch value.text.lowercased() {
            case "new", "新访": visitorClass = .new
            case "returning", "回访": visitorClass = .returning
            case "customer", "old", "老客": visitorClass = .old
            default:
                throw error(at: value, "unknown visitor class \(value.quoted) (expected new, returning or customer; 新访, 回访 or 老客)")
            }
            mask |= 1 << UInt8(visitorClass.rawValue)
        }
        return wrap(.condition(.visitor(days: days, mask: mask), column: column), negated: negated)
    }

    mutating func parseCount(_ column: Int) throws(ExpressionError) -> AudienceExpression {
        try expect("(", "expected ( after count, as in count(cart, 30d)")
        let (kind, _) = try parseKind()
        try expect(",", "expected , and a window after the event kind, as in count(cart, 30d)")
        let days = try parseWindow()
        let filters = try parseFilters()
        try expect(")", "expected , and a filter or ) to close count(")
        let op = try parseComparison()
        let value = try parseInteger()
        return .condition(.count(kind, days: days, filters: filters, op, value), column: column)
    }

    mutating func parseSum(_ column: Int) throws(ExpressionError) -> AudienceExpression {
        try expect("(", "expected ( after sum, as in sum(pay, 365d)")
        let (kind, token) = try parseKind()
        guard kind == .pay || kind == .refund else {
            throw error(at: token, "sum(...) adds amounts of pay or refund events, got \(token.quoted)")
        }
        try expect(",", "expected , and a window after the event kind, as in sum(pay, 365d)")
        let days = try parseWindow()
        let filters = try parseFilters()
        try expect(")", "expected , and a filter or ) to close sum(")
        let op = try parseComparison()
        let fen = try parseMoney()
        return .condition(.sum(kind, days: days, filters: filters, op, fen: fen), column: column)
    }

    mutating func parseLastFirst(_ token: ExpressionToken, _ column: Int) throws(ExpressionError) -> AudienceExpression {
        let name = token.text.lowercased()
        try expect("(", "expected ( after \(name), as in \(name)(view) within 7d")
        let (kind, _) = try parseKind()
        let filters = try parseFilters()
        try expect(")", "expected , and a filter or ) to close \(name)(")
        guard peek.isWord("within") else { throw error(at: peek, "expected 'within' and a window, as in \(name)(view) within 7d, got \(peek.quoted)") }
        _ = next()
        let days = try parseWindow()
        let condition: AudienceCondition = name == "last" ? .last(kind, filters: filters, days: days) : .first(kind, filters: filters, days: days)
        return .condition(condition, column: column)
    }
}
