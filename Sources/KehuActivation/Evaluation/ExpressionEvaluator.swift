import KehuAnalytics
import KehuModel
import KehuStore

/// What a `tag:NAME` in an expression stands for.
public enum ResolvedTag: Sendable {
    /// A rule tag: its expression, evaluated on the same snapshot and day.
    case rule(expression: String)
    /// An imported or written-back tag: its members on the snapshot.
    case members(ConsumerSet)
}

/// Where expressions find the tags they mention (``TagStore`` in a workspace; a dictionary in tests).
public protocol TagResolver: Sendable {
    /// The tag called `name`, or nil when there is none.
    func resolveTag(named name: String, in snapshot: Snapshot) throws -> ResolvedTag?
    /// Every tag name, for the message about an unknown one.
    func tagNames() throws -> [String]
}

/// Evaluates expressions on one snapshot as of one day, compiling each condition to a bitmap
/// (``ConsumerSet``) and combining them a word at a time. Tags mentioned are evaluated once per
/// evaluator; a tag that mentions itself, directly or through others, is an error.
public struct ExpressionEvaluator {
    public let snapshot: Snapshot
    /// The evaluation day: windows are the N days ending it.
    public let asOf: Day
    let tags: (any TagResolver)?
    private var tagSets: [String: ConsumerSet] = [:]
    /// Tags being evaluated, outermost first (for cycles).
    private var stack: [String] = []

    /// An evaluator as of `asOf` (default: the snapshot's last day with data).
    public init(snapshot: Snapshot, asOf: Day? = nil, tags: (any TagResolver)? = nil) {
        self.snapshot = snapshot
        self.asOf = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
        self.tags = tags
    }

    /// The consumers `text` selects.
    /// - Throws: ``ExpressionError`` for a mistake in the text, an unknown tag, a cycle of tags, or a
    ///   condition that cannot be computed (a CLV model that cannot be fitted).
    public mutating func evaluate(_ text: String) throws(ExpressionError) -> ConsumerSet {
        try evaluate(AudienceExpression.parse(text), source: text)
    }

    /// The consumers an already parsed expression selects; `source` is its text, for errors.
    /// - Complexity: O(consumers / 64) per boolean operator, plus each condition's kernel
    ///   (docs/activation.md lists their costs).
    public mutating func evaluate(_ expression: AudienceExpression, source: String) throws(ExpressionError) -> ConsumerSet {
        switch expression {
        case .and(let a, .not(let b)):
            return try evaluate(a, source: source).subtracting(try evaluate(b, source: source))
        case .and(let a, let b):
            return try evaluate(a, source: source).intersection(try evaluate(b, source: source))
        case .or(let a, let b):
            return try evaluate(a, source: source).union(try evaluate(b, source: source))
        case .not(let a):
            return try evaluate(a, source: source).complement()
        case .condition(let condition, let column):
            return try evaluate(condition, column: column, source: source)
        }
    }

    private mutating func evaluate(_ condition: AudienceCondition, column: Int, source: String) throws(ExpressionError) -> ConsumerSet {
        switch condition {
        case .tag(let name): return try tagSet(name, column: column, source: source)
        case .clv(let op, let fen):
            let values: [Double]
            do {
                values = try ActivationFeatures.clv(snapshot, asOf: asOf)
            } catch {
                throw ExpressionError(expression: source, column: column, length: 3, message: "CLV cannot be computed as of \(asOf): \(error)")
            }
            let threshold = Double(fen) / 100
            return values.withUnsafeBufferPointer { buffer in
                nonisolated(unsafe) let clv = buffer
                return ConsumerBitmap.filter(capacity: snapshot.consumerCount) { c in
                    let v = clv[c]
                    return !v.isNaN && op.holds(v, threshold)
                }
            }
        default:
            return ConditionKernels.evaluate(condition, snapshot, asOf: asOf)
        }
    }

    private mutating func tagSet(_ name: String, column: Int, source: String) throws(ExpressionError) -> ConsumerSet {
        let length = "tag:".count + name.count
        if let cached = tagSets[name] { return cached }
        if let at = stack.firstIndex(of: name) {
            throw ExpressionError(
                expression: source, column: column, length: length,
                message: "tag '\(name)' refers to itself: " + (stack[at...] + [name]).joined(separator: " → "))
        }
        guard let tags else {
            throw ExpressionError(expression: source, column: column, length: length, message: "unknown tag '\(name)' (no tags are defined here)")
        }
        let resolved: ResolvedTag?
        do {
            resolved = try tags.resolveTag(named: name, in: snapshot)
        } catch {
            throw ExpressionError(expression: source, column: column, length: length, message: "tag '\(name)' cannot be read: \(error)")
        }
        guard let resolved else {
            let names = (try? tags.tagNames()) ?? []
            throw ExpressionError(
                expression: source, column: column, length: length,
                message: "unknown tag '\(name)'" + (names.isEmpty ? " (no tags are defined)" : " (defined: \(names.joined(separator: ", ")))"))
        }
        let set: ConsumerSet
        switch resolved {
        case .members(let members): set = members
        case .rule(let text):
            stack.append(name)
            defer { stack.removeLast() }
            do {
                set = try evaluate(text)
            } catch let inner {
                // A cycle found deeper is reported where the outermost expression mentions the tag.
                if inner.message.contains("refers to itself") && stack.count > 1 { throw inner }
                if inner.message.contains("refers to itself") {
                    throw ExpressionError(expression: source, column: column, length: length, message: inner.message)
                }
                throw ExpressionError(
                    expression: source, column: column, length: length,
                    message: "in tag '\(name)' (\(text)): \(inner.message) at column \(inner.column)")
            }
        }
        tagSets[name] = set
        return set
    }
}
