import KehuModel

/// Where a consumer starts a campaign (or its reference window): their AIPL stage the day before
/// it, or new to the brand (first seen during the window).
public enum PlanGroup: Int, CaseIterable, Sendable, Codable, Hashable, CustomStringConvertible {
    /// Known to the brand before the window, but in no stage.
    case none = 0
    case aware = 1
    case interested = 2
    case purchased = 3
    case loyal = 4
    /// First seen during the window.
    case newToBrand = 5

    public init(_ stage: AIPLStage) { self = PlanGroup(rawValue: Int(stage.rawValue))! }

    /// The name used in files and options: `none`, `A`, `I`, `P`, `L`, `new`.
    public var name: String {
        switch self {
        case .none: "none"
        case .aware: "A"
        case .interested: "I"
        case .purchased: "P"
        case .loyal: "L"
        case .newToBrand: "new"
        }
    }

    public var chineseName: String {
        switch self {
        case .none: "无阶段"
        case .aware: "认知"
        case .interested: "兴趣"
        case .purchased: "购买"
        case .loyal: "忠诚"
        case .newToBrand: "新客(窗口内首次出现)"
        }
    }

    public var description: String { name }

    /// Parses `none`, `A` ... `L`, `new` (case-insensitive), or the Chinese stage names.
    public init?(name text: some StringProtocol) {
        let value = String(text).trimmingSpaces
        for group in PlanGroup.allCases
        where group.name.lowercased() == value.lowercased() || group.chineseName == value
            || (group == .newToBrand && value == "新客")
        {
            self = group
            return
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
