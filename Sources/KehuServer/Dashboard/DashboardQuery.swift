import Foundation
import Hummingbird
import KehuAnalytics
import KehuCharts
import KehuModel

/// The dashboard speaks the charts' languages: Chinese by default, English with `?lang=en`.
typealias DashboardLanguage = ChartLanguage

extension ChartLanguage {
    /// The `lang` attribute of the page.
    var htmlLang: String { self == .zh ? "zh-CN" : "en" }
}

/// What a dashboard request asked for: the language, the date bar (`as-of`, `from`, `to`) that
/// every navigation link carries, and the page's own parameters (funnel steps, plan target ...),
/// which stay on their page.
struct DashboardQuery: Sendable {
    /// The names of the date bar's fields, carried across pages.
    static let dateNames = ["as-of", "from", "to"]

    var language: DashboardLanguage
    /// Non-empty query values other than `lang`, by name (a name given twice keeps the first).
    var values: [String: String]

    init(language: DashboardLanguage = .zh, values: [String: String] = [:]) {
        self.language = language
        self.values = values
    }

    init(_ request: Request) {
        var values: [String: String] = [:]
        var language = DashboardLanguage.zh
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            if name == "lang" {
                language = DashboardLanguage(rawValue: String(value)) ?? .zh
            } else if !value.isEmpty, values[name] == nil {
                values[name] = String(value)
            }
        }
        self.init(language: language, values: values)
    }

    /// The date bar's values (only those given).
    var dates: [String: String] { values.filter { Self.dateNames.contains($0.key) } }

    /// The page's own parameters (not the date bar's).
    var pageValues: [String: String] { values.filter { !Self.dateNames.contains($0.key) } }

    /// A link to `path` carrying the language and the date bar, with `changes` applied (nil removes).
    func link(_ path: String, keepPageValues: Bool = false, language: DashboardLanguage? = nil, _ changes: [String: String?] = [:]) -> String {
        var items = keepPageValues ? values : dates
        for (name, value) in changes { items[name] = value }
        return Self.url(path, language: language ?? self.language, items)
    }

    /// `path?lang=..&name=value...`, names sorted so links are stable.
    static func url(_ path: String, language: DashboardLanguage, _ items: [String: String]) -> String {
        var query = "lang=" + language.rawValue
        for (name, value) in items.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            query += "&" + encode(name) + "=" + encode(value)
        }
        return path + "?" + query
    }

    /// Percent-encodes a query component (everything but unreserved characters).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}

/// The date bar resolved against the data: the as-of day and the period.
///
/// Without values: as of the last day with data, over the 30 days ending it. `to` defaults to the
/// as-of day and `from` to 30 days ending `to`.
struct DashboardDates: Sendable, Hashable {
    var asOf: Day
    var period: DayRange
    /// The first and last days with events.
    var dataDays: DayRange

    static let defaultPeriodDays = 30

    /// - Throws: ``AnalysisError/invalidParameter(parameter:value:reason:)`` naming the field.
    static func resolve(_ query: DashboardQuery, dataDays: DayRange) throws(AnalysisError) -> DashboardDates {
        let arguments = AnalysisArguments(query.dates)
        let asOf = try arguments.day("as-of") ?? dataDays.last
        let to = try arguments.day("to") ?? asOf
        let from = try arguments.day("from") ?? to.advanced(by: -(defaultPeriodDays - 1))
        guard from <= to else {
            throw .invalidParameter(parameter: "from", value: "\(from)", reason: "the period starts after it ends (to \(to))")
        }
        return DashboardDates(asOf: asOf, period: DayRange(from, to), dataDays: dataDays)
    }

    /// The date bar's presets: label and the `from`/`to` they set, relative to the as-of day.
    func presets(_ language: DashboardLanguage) -> [(label: String, from: Day, to: Day)] {
        let (y, m, _) = asOf.civil
        let monthStart = Day(year: y, month: m, day: 1)
        return [
            (language.text("近7天", "Last 7 days"), asOf.advanced(by: -6), asOf),
            (language.text("近30天", "Last 30 days"), asOf.advanced(by: -29), asOf),
            (language.text("近90天", "Last 90 days"), asOf.advanced(by: -89), asOf),
            (language.text("本月", "This month"), monthStart, asOf),
        ]
    }
}
