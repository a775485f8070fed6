import Foundation
import KehuModel
import KehuStore

/// One consumer's profile (画像, DESIGN 4.8) as of a day: identity keys, activity, membership,
/// AIPL stage history, RFM and CLV against the whole base, and preferences computed from behaviour.
public struct ProfileReport: Report {
    public var workspace: String
    public var asOf: Day
    /// The `consumer` argument as typed, phone and email values masked.
    public var query: String
    public var consumerID: UInt32
    /// Nil when no identity directory was available (the profile was asked for by `#id` alone).
    public var keys: [KeyLine]?
    public var events: Int
    public var firstSeen: String?
    public var lastSeen: String?
    public var eventsByKind: [KindCount]
    public var member: MemberStatus
    /// AIPL stage at the end of each of the 12 months before the as-of month, then as of the day.
    public var stageHistory: [StagePoint]
    public var rfm: RFMLine?
    /// Why there is no RFM line.
    public var rfmNote: String?
    public var clv: CLVLine?
    /// Why there is no CLV line.
    public var clvNote: String?
    /// Category, channel, content and campaign, most frequent first.
    public var preferences: [PreferenceGroup]
    public var price: PriceLevel

    public struct KeyLine: Sendable, Codable, Hashable {
        public var key: String
        public var firstSeen: String
        public var note: String
    }

    public struct KindCount: Sendable, Codable, Hashable {
        public var kind: String
        public var chineseName: String
        public var events: Int
    }

    public struct MemberStatus: Sendable, Codable, Hashable {
        /// `member`, `left` or `not a member`.
        public var status: String
        /// Last join day, if any.
        public var joined: Day?
        /// Leave day after the last join, if they left.
        public var left: Day?
    }

    public struct StagePoint: Sendable, Codable, Hashable {
        public var day: Day
        public var stage: String
        public var chineseName: String
    }

    public struct RFMLine: Sendable, Codable, Hashable {
        public var recencyDays: Int
        public var frequency: Int
        public var monetaryFen: Int64
        public var rScore: Int
        public var fScore: Int
        public var mScore: Int
        public var segment: String
        public var segmentChinese: String
        public var valueClass: String
        /// RFM consumers in the base the scores were computed against.
        public var baseCustomers: Int
    }

    public struct CLVLine: Sendable, Codable, Hashable {
        public var probabilityAlive: Double
        public var expectedPurchases: Double
        /// Expected spend per purchase, yuan.
        public var expectedSpend: Double
        /// Discounted value over 12 months, yuan.
        public var clv: Double
        public var horizonMonths: Int
    }

    public struct PreferenceGroup: Sendable, Codable, Hashable {
        /// `category`, `channel`, `content` or `campaign`.
        public var field: String
        /// The consumer's events carrying a value in this field (the share's denominator).
        public var events: Int
        public var top: [Preference]
    }

    public struct Preference: Sendable, Codable, Hashable {
        public var value: String
        public var events: Int
        public var share: Double
    }

    public struct PriceLevel: Sendable, Codable, Hashable {
        /// Units bought in payments with a known amount (purchases as of the day).
        public var units: Int64
        /// Paid amount / units, fen; nil without priced payments.
        public var averageUnitPriceFen: Int64?
        /// The same over every consumer's purchases.
        public var brandAverageUnitPriceFen: Int64?
        /// averageUnitPrice / brandAverageUnitPrice.
        public var relativeToBrand: Double?
        /// Payments with a known amount and list price.
        public var purchasesWithListPrice: Int
        /// Of those, paid at least 20% below list price.
        public var discountedPurchases: Int
        public var discountedShare: Double?
    }

    public var title: String { "Consumer profile 消费者画像 · #\(consumerID)" }

    public var parameters: [ReportParameter] {
        [ReportParameter("consumer", query), ReportParameter("as of", "\(asOf)"), ReportParameter("RFM window", "365d"),
         ReportParameter("CLV", clvNote == Self.clvOffNote
            ? Self.clvOffNote : "BG/NBD + Gamma-Gamma on the whole base, 12 months, weekly, 1%/month discount")]
    }

    /// The note of a card asked for without its CLV line.
    static let clvOffNote = "not computed (clv=false)"

    /// Preferences list at most this many values per field.
    public static let topValues = 5

    /// The profile of the consumer `reference` names, as of `day`.
    /// - Parameter directory: resolves identity keys and lists the consumer's keys; without it only
    ///   `#id` is accepted and keys are not shown.
    /// - Parameter clv: whether the card has its CLV line. The line needs BG/NBD and Gamma-Gamma
    ///   fitted on the whole base, once per snapshot and day: the first card of a day pays for the fit.
    /// - Throws: ``AnalysisError`` when the reference is malformed or names no consumer.
    public static func compute(
        _ snapshot: Snapshot, consumer reference: String, asOf day: Day, directory: (any ConsumerDirectory)?, clv: Bool = true
    ) throws(AnalysisError) -> ProfileReport {
        let parsed = try ConsumerReference.parse(reference)
        let shown = ConsumerReference.masked(reference)
        let identity: ConsumerIdentity?
        let consumerID: UInt32
        switch parsed {
        case .id(let id):
            consumerID = id
            identity = try directory?.identity(ofConsumer: id)
        case .key(let text):
            guard let directory else {
                throw .invalidParameter(
                    parameter: "consumer", value: shown,
                    reason: "finding a consumer by identity key needs the workspace's identity catalogue; use `kehu profile` or a consumer id such as #123")
            }
            guard let found = try directory.identity(forKey: text) else {
                throw .invalidParameter(parameter: "consumer", value: shown, reason: "no consumer has this key in workspace \(snapshot.workspace)")
            }
            identity = found
            consumerID = found.consumerID
        }
        guard let c = snapshot.denseIndex(ofConsumer: consumerID) else {
            throw .invalidParameter(parameter: "consumer", value: shown, reason: "consumer #\(consumerID) has no events in workspace \(snapshot.workspace)")
        }
        return compute(snapshot, dense: c, query: shown, identity: identity, asOf: day, clv: clv)
    }

    /// The profile of dense consumer `c`.
    public static func compute(
        _ snapshot: Snapshot, dense c: Int, query: String, identity: ConsumerIdentity?, asOf day: Day, clv withCLV: Bool = true
    ) -> ProfileReport {
        let calendar = AnalysisCalendar(snapshot)
        let end = calendar.end(of: day)
        let zone = snapshot.zone
        let rows = snapshot.events(of: c)
        let last = snapshot.firstEvent(of: c, atOrAfter: end)
        let seen = rows.lowerBound..<last

        // Events by kind, membership, preferences.
        var kinds = [Int](repeating: 0, count: 256)
        var joined: Day?
        var left: Day?
        let fields: [EventField] = [.category, .channel, .content, .campaign]
        var counts = [[UInt32: Int]](repeating: [:], count: fields.count)
        var withValue = [Int](repeating: 0, count: fields.count)
        for i in seen {
            let kind = snapshot.kind[i]
            kinds[Int(kind.rawValue)] += 1
            if kind == .memberJoin {
                joined = calendar.day(of: snapshot.ts[i])
                left = nil
            } else if kind == .memberLeave, joined != nil {
                left = calendar.day(of: snapshot.ts[i])
            }
            for (f, field) in fields.enumerated() {
                let code = snapshot.code(field, i)
                if code != 0 {
                    counts[f][code, default: 0] += 1
                    withValue[f] += 1
                }
            }
        }
        let preferences = fields.enumerated().map { f, field in
            PreferenceGroup(
                field: field.name, events: withValue[f],
                top: counts[f].sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(topValues).map {
                    Preference(
                        value: snapshot.dictionaries[field.rawValue].string($0.key) ?? "", events: $0.value,
                        share: Double($0.value) / Double(withValue[f]))
                })
        }
        let member = MemberStatus(
            status: joined == nil ? "not a member" : (left == nil ? "member" : "left"), joined: joined, left: left)

        // Stage history: the month ends of the 12 months before the as-of month, then the day.
        let purchases = PurchaseIndex.of(snapshot)
        var days: [Day] = []
        var monthStart: Day = { let civil = day.civil; return Day(year: civil.year, month: civil.month, day: 1) }()
        for _ in 0..<12 {
            let monthEnd = monthStart.advanced(by: -1)
            days.append(monthEnd)
            let civil = monthEnd.civil
            monthStart = Day(year: civil.year, month: civil.month, day: 1)
        }
        days.reverse()
        days.append(day)
        let rules = AIPLRules.standard
        let history = days.map { d in
            let stage = AIPLStages.stage(
                snapshot, purchases, consumer: c, aStart: calendar.window(days: rules.awarenessDays, ending: d).lowerBound,
                iStart: calendar.window(days: rules.interestDays, ending: d).lowerBound,
                pStart: calendar.window(days: rules.purchaseDays, ending: d).lowerBound, end: calendar.end(of: d), rules: rules)
            return StagePoint(day: d, stage: stage.letter, chineseName: stage.chineseName)
        }

        // RFM against the whole base.
        let table = RFMTable.of(snapshot, asOf: day, days: 365)
        var rfm: RFMLine?
        var rfmNote: String?
        if let r = table.row(ofConsumer: c) {
            rfm = RFMLine(
                recencyDays: Int(table.recencyDays[r]), frequency: Int(table.frequency[r]), monetaryFen: table.monetaryFen[r],
                rScore: Int(table.rScore[r]), fScore: Int(table.fScore[r]), mScore: Int(table.mScore[r]),
                segment: table.segment[r].name, segmentChinese: table.segment[r].chineseName,
                valueClass: table.valueClass[r].chineseName, baseCustomers: table.count)
        } else {
            rfmNote = "no paid order in the 365 days to \(day), so no RFM"
        }

        // CLV: both models fitted on every consumer's paid orders up to the day.
        var clv: CLVLine?
        var clvNote: String?
        switch withCLV ? baseCLV(snapshot, asOf: day) : nil {
        case nil:
            clvNote = clvOffNote
        case .success(let report)?:
            if let value = report.values.first(where: { $0.consumerID == snapshot.consumerIDs[c] }) {
                clv = CLVLine(
                    probabilityAlive: value.probabilityAlive, expectedPurchases: value.expectedPurchases,
                    expectedSpend: value.expectedSpend, clv: value.clv, horizonMonths: report.horizonMonths)
            } else {
                clvNote = "no paid order up to \(day), so no CLV"
            }
        case .failure(let error)?:
            clvNote = "CLV unavailable: \(error)"
        }

        var firstSeen: String?
        var lastSeen: String?
        if !seen.isEmpty {
            firstSeen = Timestamp.format(snapshot.ts[seen.lowerBound], zone: zone)
            lastSeen = Timestamp.format(snapshot.ts[seen.upperBound - 1], zone: zone)
        }
        return ProfileReport(
            workspace: snapshot.workspace, asOf: day, query: query, consumerID: snapshot.consumerIDs[c],
            keys: identity.map { identity in
                identity.keys.map { linked in
                    KeyLine(
                        key: linked.key.shownInReports, firstSeen: Timestamp.format(linked.firstSeen, zone: zone),
                        note: linked.guardedConsumers.map { "shared by \($0) consumers: not used for linking" } ?? "")
                }
            },
            events: seen.count, firstSeen: firstSeen, lastSeen: lastSeen,
            eventsByKind: EventKind.allCases.compactMap { kind in
                kinds[Int(kind.rawValue)] == 0
                    ? nil : KindCount(kind: kind.name, chineseName: kind.chineseName, events: kinds[Int(kind.rawValue)])
            },
            member: member, stageHistory: history, rfm: rfm, rfmNote: rfmNote, clv: clv, clvNote: clvNote,
            preferences: preferences, price: priceLevel(snapshot, purchases, consumer: c, end: end, asOf: day))
    }

    /// The CLV report of the whole base as of a day, fitted once per snapshot and day.
    static func baseCLV(_ snapshot: Snapshot, asOf day: Day) -> Result<CustomerValueReport, CustomerValueError> {
        // Derived values cannot be built inside another's build: build what the CLV groups read first.
        _ = RFMTable.of(snapshot, asOf: day, days: 365)
        return snapshot.derived.value("ProfileCLV.\(day.index)") { () -> Result<CustomerValueReport, CustomerValueError> in
            do throws(CustomerValueError) {
                return .success(try CustomerValueReport.compute(snapshot, CustomerValueParameters(calibrationEnd: day, top: 0)))
            } catch {
                return .failure(error)
            }
        }
    }
}

extension Analysis {
    /// `profile` without an identity directory: the consumer must be given as `#id`.
    public static let profile = profile(directory: nil)

    /// `profile` resolving identity keys through `directory`.
    public static func profile(directory: (any ConsumerDirectory)?) -> Analysis {
        Analysis(
            name: "profile", title: "Consumer profile",
            summary: "One consumer's profile (画像): keys, activity, membership, AIPL stage history, RFM, CLV and "
                + "preferences (category, channel, content, campaign, price level) from behaviour.",
            parameters: [
                AnalysisParameter("consumer", .string, help: "An identity key type:value (e.g. member:1001) or a consumer id #123."),
                AnalysisParameter("as-of", .day, help: "The day (default: the last day with data)."),
                AnalysisParameter(
                    "clv", .boolean,
                    help: "Show the CLV line (default true). It fits BG/NBD and Gamma-Gamma on the whole base once per snapshot "
                        + "and day, so the day's first card takes longer (about 2 s at 10M events)."),
            ]
        ) { snapshot, arguments throws(AnalysisError) in
            guard let consumer = arguments.string("consumer") else { throw .missingParameter(parameter: "consumer") }
            return try ProfileReport.compute(
                snapshot, consumer: consumer, asOf: try arguments.asOf(in: snapshot), directory: directory,
                clv: try arguments.boolean("clv", default: true))
        }
    }
}
