import KehuStore

/// What can go wrong with members and points. Messages name the operation, member or file line
/// at fault and say what to do; they never carry phone numbers or emails (member keys of those
/// types are digests).
public enum MemberError: Error, Sendable, CustomStringConvertible {
    /// The programme file is wrong: `file:line: field: reason`.
    case programme(file: String, line: Int, field: String, reason: String)
    /// No programme has been set for the workspace.
    case noProgramme
    case unknownMember(String)
    /// The member left the programme before the operation's time; only adjustments are accepted.
    case memberLeft(member: String, operationID: String)
    /// The operation id was used before for different content.
    case operationConflict(operationID: String, difference: String)
    /// The operation would make the balance negative.
    case insufficientPoints(member: String, operationID: String, balance: Int64, requested: Int64)
    /// A value given to an operation or command is wrong.
    case invalid(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .programme(let file, let line, let field, let reason):
            "\(file):\(line): \(field): \(reason)"
        case .noProgramme:
            "no membership programme is set for this workspace; set one with `kehu member programme set FILE` (docs/members.md)"
        case .unknownMember(let key):
            "no member '\(key)'; members come from member_join events (`kehu member sync`) or `kehu member join`"
        case .memberLeft(let member, let operationID):
            "operation '\(operationID)': member '\(member)' has left the programme; only adjustments are accepted"
        case .operationConflict(let operationID, let difference):
            "operation '\(operationID)' was already posted with different content (\(difference)); an operation id names one operation: use a new id for a new operation"
        case .insufficientPoints(let member, let operationID, let balance, let requested):
            "operation '\(operationID)': member '\(member)' has \(balance) points; taking \(requested) would make the balance negative, so nothing was posted"
        case .invalid(let message): message
        case .store(let error): error.description
        }
    }
}
