import Foundation
import KehuModel

/// Reads a programme file: UTF-8 text of `name = value` lines, a `[tier]` line before each tier's
/// lines, `#` comment lines and blank lines (docs/members.md shows a full file). Every error names
/// the file, the 1-based line and the field.
///
/// ```
/// name = 美妆会员 2026
/// basis = spend
/// window_days = 365
/// review = 01-01, 07-01
/// grace_days = 90
/// earn_points = 1
/// earn_yuan = 1
/// expiry_months = 12
///
/// [tier]
/// code = normal
/// name = 普通会员
/// threshold = 0
/// benefit = 积分兑礼
/// ```
public enum ProgrammeFile {
    /// Reads and checks the programme file at `path`.
    public static func read(path: String) throws(MemberError) -> MemberProgramme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .programme(file: path, line: 0, field: "file", reason: "cannot read the file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .programme(file: path, line: 0, field: "file", reason: "not UTF-8 text")
        }
        return try parse(text, file: (path as NSString).lastPathComponent)
    }

    private struct TierLines {
        var line: Int
        var code: (String, Int)?
        var name: (String, Int)?
        var threshold: (String, Int)?
        var multiplier: (String, Int)?
        var benefits: [String] = []
    }

    /// Parses programme text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(MemberError) -> MemberProgramme {
        var top: [String: (value: String, line: Int)] = [:]
        var tiers: [TierLines] = []
        var lineNumber = 0
        let topKeys = ["name", "basis", "window_days", "review", "grace_days", "earn_points", "earn_yuan", "expiry_months"]
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if trimmed == "[tier]" {
                tiers.append(TierLines(line: lineNumber))
                continue
            }
            if trimmed.hasPrefix("[") {
                throw .programme(file: file, line: lineNumber, field: trimmed, reason: "unknown section; the only section is [tier]")
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw .programme(file: file, line: lineNumber, field: String(trimmed.prefix(40)), reason: "expected `name = value`")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if var tier = tiers.popLast() {
                func once(_ slot: inout (String, Int)?) throws(MemberError) {
                    if let (_, first) = slot {
                        throw .programme(file: file, line: lineNumber, field: key, reason: "given twice for this tier (first on line \(first))")
                    }
                    slot = (value, lineNumber)
                }
                switch key {
                case "code": try once(&tier.code)
                case "name": try once(&tier.name)
                case "threshold": try once(&tier.threshold)
                case "multiplier": try once(&tier.multiplier)
                case "benefit":
                    guard !value.isEmpty else { throw .programme(file: file, line: lineNumber, field: key, reason: "empty; describe the benefit") }
                    tier.benefits.append(value)
                default:
                    throw .programme(file: file, line: lineNumber, field: key, reason: "not a tier field; a tier has code, name, threshold, multiplier and benefit lines")
                }
                tiers.append(tier)
            } else {
                guard topKeys.contains(key) else {
                    throw .programme(file: file, line: lineNumber, field: key, reason: "not a programme field; expected one of \(topKeys.joined(separator: ", ")) or a [tier] section")
                }
                if let first = top[key] {
                    throw .programme(file: file, line: lineNumber, field: key, reason: "given twice (first on line \(first.line))")
                }
                top[key] = (value, lineNumber)
            }
        }

        func fail(_ line: Int, _ field: String, _ reason: String) -> MemberError {
            .programme(file: file, line: line, field: field, reason: reason)
        }
        func integer(_ key: String, default value: Int, range: ClosedRange<Int>) throws(MemberError) -> Int {
            guard let (text, line) = top[key].map({ ($0.value, $0.line) }) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw fail(line, key, "'\(text.prefix(40))' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        guard let name = top["name"], !name.value.isEmpty else {
            throw fail(top["name"]?.line ?? 1, "name", "missing; name the programme, e.g. `name = 会员 2026`")
        }
        guard let basisText = top["basis"] else { throw fail(1, "basis", "missing; `basis = spend` (rolling spend) or `basis = points`") }
        guard let basis = MemberProgramme.Basis(rawValue: basisText.value.lowercased()) else {
            throw fail(basisText.line, "basis", "'\(basisText.value.prefix(40))' is not spend or points")
        }
        let windowDays = try integer("window_days", default: 365, range: 1...3_660)
        let graceDays = try integer("grace_days", default: 0, range: 0...3_660)
        let earnPoints = try integer("earn_points", default: 1, range: 0...1_000)
        let earnYuan = try integer("earn_yuan", default: 1, range: 1...100_000)
        let expiryMonths = try integer("expiry_months", default: 12, range: 0...120)
        var reviews: [MemberProgramme.ReviewDate] = []
        if let review = top["review"], !review.value.isEmpty, review.value.lowercased() != "none" {
            for part in review.value.split(separator: ",") {
                let text = part.trimmingCharacters(in: .whitespaces)
                let pieces = text.split(separator: "-")
                guard pieces.count == 2, pieces.allSatisfy({ $0.count == 2 }), let month = Int(pieces[0]), let day = Int(pieces[1]),
                    Day.isValid(year: 2025, month: month, day: day)
                else {
                    throw fail(review.line, "review", "'\(text.prefix(20))' is not a day of the year as MM-DD (02-29 is not accepted: it is not in every year)")
                }
                let date = MemberProgramme.ReviewDate(month: month, day: day)
                guard !reviews.contains(date) else { throw fail(review.line, "review", "\(date) is given twice") }
                reviews.append(date)
            }
        }

        guard !tiers.isEmpty else { throw fail(lineNumber, "[tier]", "the programme has no tiers; add a [tier] section for each, lowest first") }
        var built: [MemberProgramme.Tier] = []
        for (index, tier) in tiers.enumerated() {
            guard let (code, codeLine) = tier.code else { throw fail(tier.line, "code", "tier \(index + 1) has no code line") }
            guard !code.isEmpty, code.count <= 32, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw fail(codeLine, "code", "'\(code.prefix(40))' is not a code: 1-32 characters a-z, 0-9, '_' or '-'")
            }
            if let earlier = built.firstIndex(where: { $0.code == code }) {
                throw fail(codeLine, "code", "'\(code)' is also the code of tier \(earlier + 1)")
            }
            guard let (tierName, _) = tier.name, !tierName.isEmpty else { throw fail(tier.line, "name", "tier '\(code)' has no name line") }
            guard let (thresholdText, thresholdLine) = tier.threshold else {
                throw fail(tier.line, "threshold", "tier '\(code)' has no threshold line")
            }
            let threshold: Int64
            switch basis {
            case .spend:
                do { threshold = try Money.parse(yuan: thresholdText).fen } catch {
                    throw fail(thresholdLine, "threshold", "'\(thresholdText.prefix(40))' is not an amount in yuan (\(error))")
                }
            case .points:
                guard let points = Int64(thresholdText) else {
                    throw fail(thresholdLine, "threshold", "'\(thresholdText.prefix(40))' is not a whole number of points")
                }
                threshold = points
            }
            if index == 0, threshold != 0 {
                throw fail(thresholdLine, "threshold", "the first tier is every new member's tier: its threshold must be 0")
            }
            if let previous = built.last, threshold <= previous.threshold {
                throw fail(thresholdLine, "threshold", "must be above the previous tier's (\(previous.code): \(thresholdText) is not above it); list tiers lowest first")
            }
            var multiplier: Int64 = 100
            if let (text, line) = tier.multiplier {
                guard let percent = percent(text), (1...1_000).contains(percent) else {
                    throw fail(line, "multiplier", "'\(text.prefix(40))' is not a multiplier from 1% to 1000% (write 150% or 1.5)")
                }
                multiplier = percent
            }
            built.append(.init(code: code, name: tierName, threshold: threshold, multiplierPercent: multiplier, benefits: tier.benefits))
        }
        return MemberProgramme(
            name: name.value, basis: basis, windowDays: windowDays, reviewDates: reviews, graceDays: graceDays,
            earnPoints: Int64(earnPoints), earnYuan: Int64(earnYuan), expiryMonths: expiryMonths, tiers: built)
    }

    /// `150%` or `1.5` (at most two decimals) as a whole percent.
    static func percent(_ text: String) -> Int64? {
        if text.hasSuffix("%") { return Int64(text.dropLast().trimmingCharacters(in: .whitespaces)) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole >= 0 else { return nil }
        guard parts.count == 2 else { return whole * 100 }
        let decimals = parts[1]
        guard (1...2).contains(decimals.count), decimals.allSatisfy(\.isNumber), let fraction = Int64(decimals) else { return nil }
        return whole * 100 + (decimals.count == 1 ? fraction * 10 : fraction)
    }
}
