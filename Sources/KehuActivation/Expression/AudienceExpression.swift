import KehuAnalytics
import KehuModel

/// A parsed tag or audience expression (docs/activation.md has the language): boolean
/// combinations of conditions on a consumer as of an evaluation day.
///
/// Tags and audiences share the one grammar; `!=` and `not in` are parsed as `not` around the
/// positive condition, so the evaluator only knows `and`, `or`, `not` and conditions.
public indirect enum AudienceExpression: Sendable, Hashable {
    case and(AudienceExpression, AudienceExpression)
    case or(AudienceExpression, AudienceExpression)
    case not(AudienceExpression)
    /// A condition and the 1-based column where it starts in the source text.
    case condition(AudienceCondition, column: Int)

    /// The names of every `tag:NAME` the expression mentions, in order of first mention.
    public var referencedTags: [String] {
        var names: [String] = []
        func walk(_ e: AudienceExpression) {
            switch e {
            case .and(let a, let b), .or(let a, let b):
                walk(a)
                walk(b)
            case .not(let a): walk(a)
            case .condition(.tag(let name), _): if !names.contains(name) { names.append(name) }
            case .condition: break
            }
        }
        walk(self)
        return names
    }

    /// The number of conditions (leaves).
    public var conditionCount: Int {
        switch self {
        case .and(let a, let b), .or(let a, let b): a.conditionCount + b.conditionCount
        case .not(let a): a.conditionCount
        case .condition: 1
        }
    }
}

/// One condition on a consumer, evaluated as of the evaluation day D (windows are the N days
/// ending D; "ever" means up to the end of D).
public enum AudienceCondition: Sendable, Hashable {
    /// AIPL stage as of D is one of `stages` (bit `1 << rawValue`).
    case stage(mask: UInt8)
    /// R `rfm` package segment as of D over 365 days is one of `segments` (bit `1 << rawValue`).
    case rfmSegment(mask: UInt16)
    /// RFM eight-class (重要价值 ...) as of D over 365 days is one of `classes`.
    case rfmClass(mask: UInt8)
    /// 12-month CLV (yuan, fitted with calibration end D) compared with an amount in fen.
    /// Consumers without a paid order have no CLV and never match.
    case clv(Comparison, fen: Int64)
    /// Visitors with a `view` in the `days` ending D whose class at their first visit in those
    /// days (looking back 365 days) is one of `classes` (bit `1 << VisitorClass.rawValue`).
    case visitor(days: Int, mask: UInt8)
    /// The number of `kind` events matching `filters` in the `days` ending D, compared with `value`.
    case count(EventKind, days: Int, filters: [EventFilter], Comparison, Int64)
    /// The sum of the amounts (fen) of `kind` events (pay or refund) matching `filters` in the
    /// `days` ending D, compared with `fen`.
    case sum(EventKind, days: Int, filters: [EventFilter], Comparison, fen: Int64)
    /// The latest `kind` event matching `filters` up to D lies in the `days` ending D.
    case last(EventKind, filters: [EventFilter], days: Int)
    /// The earliest `kind` event matching `filters` lies in the `days` ending D.
    case first(EventKind, filters: [EventFilter], days: Int)
    /// Any event up to D whose field (channel, category, ...) is one of `values`.
    case field(EventField, values: [String])
    /// The preferred category as of D is one of `values` (docs/activation.md defines it).
    case preferredCategory(values: [String])
    /// A member as of D: the last `member_join` or `member_leave` up to D is a join.
    case member
    /// The consumers of another tag.
    case tag(String)
}

/// A filter inside `count(...)`, `sum(...)`, `last(...)` and `first(...)`: the event's field is one of the values.
public struct EventFilter: Sendable, Hashable {
    public var field: EventField
    public var values: [String]

    public init(field: EventField, values: [String]) {
        self.field = field
        self.values = values
    }
}

/// `=`, `!=`, `<`, `<=`, `>`, `>=`.
public enum Comparison: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Whether `lhs op rhs` holds.
    @inlinable
    public func holds(_ lhs: Int64, _ rhs: Int64) -> Bool {
        switch self {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .less: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        case .greater: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        }
    }

    /// Whether `lhs op rhs` holds for a real left side.
    public func holds(_ lhs: Double, _ rhs: Double) -> Bool {
        switch self {
        case .equal: lhs == rhs
        case .notEqual: lhs != rhs
        case .less: lhs < rhs
        case .lessOrEqual: lhs <= rhs
        case .greater: lhs > rhs
        case .greaterOrEqual: lhs >= rhs
        }
    }

    /// Whether a consumer with no matching event (a count or sum of 0) satisfies the comparison.
    public func holdsForZero(_ rhs: Int64) -> Bool { holds(0, rhs) }
}
