/// Why a tag or audience operation failed. Messages name the tag, audience, file and line; never
/// an identity key's value.
public enum ActivationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName(what: String, name: String)
    case unknownTag(String, defined: [String])
    case unknownAudience(String, defined: [String])
    /// The name is taken by a tag of another kind (e.g. writing back into a rule tag).
    case kindMismatch(name: String, existing: String, wanted: String)
    case expression(ExpressionError)
    /// The tag is mentioned by these tags or audiences.
    case inUse(name: String, by: [String])
    case badKeyFile(file: String, line: Int, reason: String)
    case unreadableFile(String, reason: String)
    case store(String)

    public var description: String {
        switch self {
        case .invalidName(let what, let name):
            "the \(what) name '\(name.prefix(64))' is not valid: use 1-64 letters (any script), digits, '_', '-' or '.', starting with a letter, digit or '_'"
        case .unknownTag(let name, let defined):
            "no tag called '\(name)'" + (defined.isEmpty ? " (no tags are defined; see kehu tag define)" : " (defined: \(defined.joined(separator: ", ")))")
        case .unknownAudience(let name, let defined):
            "no audience called '\(name)'"
                + (defined.isEmpty ? " (no audiences are defined; see kehu audience define)" : " (defined: \(defined.joined(separator: ", ")))")
        case .kindMismatch(let name, let existing, let wanted):
            "'\(name)' is already a \(existing) tag; a \(wanted) tag needs another name (or delete the tag first)"
        case .expression(let error): error.description
        case .inUse(let name, let by):
            "'\(name)' is used by \(by.joined(separator: ", ")); change or delete those first"
        case .badKeyFile(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .unreadableFile(let file, let reason): "cannot read \(file): \(reason)"
        case .store(let message): message
        }
    }

    /// Tag and audience names: what the expression lexer reads after `tag:` without quotes.
    static func validate(name: String, what: String) throws(ActivationError) {
        guard let first = name.first, name.count <= 64,
            first.isLetter || first.isNumber || first == "_",
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
        else { throw .invalidName(what: what, name: name) }
    }
}
