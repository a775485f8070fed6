import KehuAnalytics
import KehuModel

/// `kehu member programme show`: the programme in force.
extension MemberProgramme: Report {
    public var title: String { "Membership programme \(name)" }

    public var parameters: [ReportParameter] {
        [
            .init("basis", basis == .spend ? "rolling spend over \(windowDays) days" : "points earned over \(windowDays) days"),
            .init("earn", "\(earnPoints) points per \(earnYuan) yuan, rounded down"),
            .init("expiry", expiryMonths == 0 ? "never" : "end of the \(expiryMonths)th month after earning"),
            .init("review", reviewDates.isEmpty ? "none (no downgrades)" : reviewDates.map(\.description).joined(separator: ", ")),
            .init("grace days", "\(graceDays)"),
        ]
    }

    public func tables() -> [TextTable] {
        var table = TextTable(headers: ["tier", "name", "threshold", "multiplier", "benefits"], alignments: [.left, .left, .right, .right, .left])
        table.rows = tiers.map { [$0.code, $0.name, format(qualifying: $0.threshold), "\($0.multiplierPercent)%", $0.benefits.joined(separator: "; ")] }
        return [table]
    }
}
