import KehuModel
import KehuStore

/// A condition on one string field of an event: `channel=tmall`, `channel=tmall|jd` (any of the
/// values) or `touchpoint!=live` (none of them; an absent value passes).
public struct FieldCondition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var field: EventField
    public var values: [String]
    public var negated: Bool

    public init(field: EventField, values: [String], negated: Bool = false) {
        self.field = field
        self.values = values
        self.negated = negated
    }

    /// The fields a condition may name.
    public static let fields: [EventField] = [.channel, .touchpoint, .campaign, .content, .sku, .category]

    public var description: String { field.name + (negated ? "!=" : "=") + values.joined(separator: "|") }

    /// Parses `field=v1|v2` or `field!=v`; `parameter` names the option in errors.
    public static func parse(_ text: some StringProtocol, parameter: String) throws(AnalysisError) -> FieldCondition {
        let text = String(text).trimmingCharacters(in: .whitespaces)
        let negated = text.contains("!=")
        let parts = text.split(separator: negated ? "!=" : "=", maxSplits: 1, omittingEmptySubsequences: false)
        let names = fields.map(\.name).joined(separator: ", ")
        guard parts.count == 2 else {
            throw .invalidParameter(parameter: parameter, value: text, reason: "expected FIELD=VALUE (or FIELD!=VALUE, several values as a|b) with FIELD one of \(names)")
        }
        let name = parts[0].trimmingCharacters(in: .whitespaces)
        guard let field = EventField(name: name), fields.contains(field) else {
            throw .invalidParameter(parameter: parameter, value: text, reason: "'\(name)' is not a field a step can be filtered on; use one of \(names)")
        }
        let values = parts[1].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !values.isEmpty else {
            throw .invalidParameter(parameter: parameter, value: text, reason: "no value after '\(negated ? "!=" : "=")'")
        }
        return FieldCondition(field: field, values: values, negated: negated)
    }

    /// Parses comma-separated conditions (`channel=tmall,touchpoint=live`); empty text gives none.
    public static func parseList(_ text: some StringProtocol, parameter: String) throws(AnalysisError) -> [FieldCondition] {
        var out: [FieldCondition] = []
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            out.append(try parse(part, parameter: parameter))
        }
        return out
    }
}

/// One step of a funnel: an event kind, optionally narrowed by field conditions, all of which
/// must hold (`view[channel=tmall,touchpoint=live]`).
public struct FunnelStep: Sendable, Hashable, Codable, CustomStringConvertible {
    public var kind: EventKind
    public var conditions: [FieldCondition]

    public init(_ kind: EventKind, _ conditions: [FieldCondition] = []) {
        self.kind = kind
        self.conditions = conditions
    }

    /// The most steps a funnel may have (as ClickHouse's `windowFunnel`).
    public static let maximumCount = 32

    public var description: String {
        conditions.isEmpty ? kind.name : kind.name + "[" + conditions.map(\.description).joined(separator: ",") + "]"
    }

    /// Parses `view[channel=tmall],cart,order,pay`: steps separated by commas outside brackets,
    /// each an event kind (`cart` or `加购`) with optional `[conditions]`.
    public static func parseList(_ text: String, parameter: String = "steps") throws(AnalysisError) -> [FunnelStep] {
        var pieces: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "[": depth += 1
            case "]": depth -= 1
            default: break
            }
            guard depth >= 0 else {
                throw .invalidParameter(parameter: parameter, value: text, reason: "a ']' without its '['")
            }
            if character == "," && depth == 0 {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        guard depth == 0 else { throw .invalidParameter(parameter: parameter, value: text, reason: "a '[' without its ']'") }
        pieces.append(current)
        var steps: [FunnelStep] = []
        for piece in pieces {
            let piece = piece.trimmingCharacters(in: .whitespaces)
            guard !piece.isEmpty else {
                throw .invalidParameter(parameter: parameter, value: text, reason: "an empty step; write kinds separated by commas, e.g. view,cart,order,pay")
            }
            let name: String
            var conditions: [FieldCondition] = []
            if let open = piece.firstIndex(of: "[") {
                guard piece.hasSuffix("]") else {
                    throw .invalidParameter(parameter: parameter, value: piece, reason: "conditions go in brackets at the end of a step, e.g. view[channel=tmall]")
                }
                name = piece[..<open].trimmingCharacters(in: .whitespaces)
                conditions = try FieldCondition.parseList(piece[piece.index(after: open)..<piece.index(before: piece.endIndex)], parameter: parameter)
            } else {
                name = piece
            }
            guard let kind = EventKind(name: name) else {
                throw .invalidParameter(parameter: parameter, value: name, reason: "not an event kind; use one of \(EventKind.allNames)")
            }
            steps.append(FunnelStep(kind, conditions))
        }
        guard steps.count <= maximumCount else {
            throw .invalidParameter(parameter: parameter, value: text, reason: "at most \(maximumCount) steps")
        }
        return steps
    }
}

/// The funnel's steps compiled against one snapshot's dictionaries: for an event, the set of
/// steps it matches as a bit mask (bit k = step k + 1), with no allocation.
struct FunnelMatcher: Sendable {
    /// Per kind raw value: the steps of that kind, before conditions.
    let kindSteps: [UInt32]
    /// Steps that have conditions.
    let conditionalSteps: UInt32
    /// Per step: indices into `conditionField` / `allowed`.
    let stepConditions: [[Int]]
    /// Per compiled condition: the field's raw value.
    let conditionField: [Int]
    /// Per compiled condition: whether each code of the field passes.
    let allowed: [[Bool]]

    /// `shared` conditions apply to every step. Values that never occur in the data are an error
    /// naming the parameter, since a typo would otherwise show an empty funnel.
    init(_ steps: [FunnelStep], shared: [FieldCondition], snapshot: Snapshot) throws(AnalysisError) {
        var kindSteps = [UInt32](repeating: 0, count: 256)
        var conditionalSteps: UInt32 = 0
        var stepConditions: [[Int]] = []
        var conditionField: [Int] = []
        var allowed: [[Bool]] = []
        for (k, step) in steps.enumerated() {
            kindSteps[Int(step.kind.rawValue)] |= 1 << UInt32(k)
            var indices: [Int] = []
            for (condition, parameter) in step.conditions.map({ ($0, "steps") }) + shared.map({ ($0, "filter") }) {
                let table = snapshot.dictionaries[condition.field.rawValue]
                var pass = [Bool](repeating: condition.negated, count: max(1, table.codeCount))
                for value in condition.values {
                    guard let code = table.code(of: value), code != 0 else {
                        let known = table.strings.sorted()
                        let shown = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", …" : "")
                        throw .invalidParameter(
                            parameter: parameter, value: condition.description,
                            reason: "no event has \(condition.field.name) '\(value)'" + (known.isEmpty ? "" : "; values in the data: \(shown)"))
                    }
                    pass[Int(code)] = !condition.negated
                }
                // An absent value (code 0) never equals a value and always differs from one.
                pass[0] = condition.negated
                indices.append(allowed.count)
                conditionField.append(condition.field.rawValue)
                allowed.append(pass)
            }
            if !indices.isEmpty { conditionalSteps |= 1 << UInt32(k) }
            stepConditions.append(indices)
        }
        self.kindSteps = kindSteps
        self.conditionalSteps = conditionalSteps
        self.stepConditions = stepConditions
        self.conditionField = conditionField
        self.allowed = allowed
    }

    /// The steps event `i` matches.
    /// - Complexity: O(1) for steps without conditions; O(conditions of the candidate steps) otherwise.
    func steps(_ snapshot: Snapshot, _ i: Int) -> UInt32 {
        var mask = kindSteps[Int(snapshot.kind[i].rawValue)]
        var check = mask & conditionalSteps
        while check != 0 {
            let k = check.trailingZeroBitCount
            check &= check - 1
            for c in stepConditions[k] where !allowed[c][Int(snapshot.fields[conditionField[c]][i])] {
                mask &= ~(1 << UInt32(k))
                break
            }
        }
        return mask
    }
}
