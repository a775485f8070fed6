import Foundation
import Hummingbird
import KehuAnalytics
import KehuModel
import KehuPlan
import KehuStore

/// Planning over the API (DESIGN section 5): saved GMV gap plans and campaigns with their
/// rhythm report, as `kehu plan gap --save` and `kehu campaign define | list | report` do.
///
/// Bodies name fields as the CLI does (`as-of`, `seeding-days`); answers use the report JSON's
/// names (`targetFen`, `seedingDays`). Writing needs a write key, reading a read key; a key only
/// ever sees its own workspace's plans and campaigns.
struct PlanningRoutes: Sendable {
    let authenticator: Authenticator

    /// Planning bodies are small: a name and a few parameters.
    static let maxBodyBytes = 64 * 1024

    func register(on router: Router<KehuRequestContext>) {
        router.post("/v1/plans") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let body = try await Self.object(request)
            return try await savePlan(body, served: served)
        }
        router.get("/v1/plans") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let plans = try await blocking { try PlanStore.plans(in: served.workspace) }
            return Response.json(
                JSONValue.object(["plans": .array(plans.map { Self.summary(of: $0, zone: served.workspace.zone) })]).serialized())
        }
        router.get("/v1/plans/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = Self.pathName(context)
            let saved = try await blocking { try PlanStore.plan(named: name, in: served.workspace) }
            guard let saved else { throw try await Self.noSuchPlan(name, served: served) }
            return Response.json(try Self.document(of: saved, zone: served.workspace.zone).serialized())
        }
        router.post("/v1/campaigns") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let campaign = try Self.campaign(from: try await Self.object(request))
            try await blocking {
                if let plan = campaign.planName, try PlanStore.plan(named: plan, in: served.workspace) == nil {
                    throw APIError.badRequest("plan: no plan named '\(plan.prefix(64))' is saved in this workspace; save it first with POST /v1/plans")
                }
                try PlanStore.define(campaign, in: served.workspace)
            }
            return Response.json(Self.document(of: campaign).serialized(), status: .created)
        }
        router.get("/v1/campaigns") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let campaigns = try await blocking { try PlanStore.campaigns(in: served.workspace) }
            return Response.json(JSONValue.object(["campaigns": .array(campaigns.map(Self.document(of:)))]).serialized())
        }
        router.get("/v1/campaigns/{name}/report") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = Self.pathName(context)
            let body = try await blocking { () throws -> [UInt8] in
                guard let campaign = try PlanStore.campaign(named: name, in: served.workspace) else {
                    let known = try PlanStore.campaigns(in: served.workspace).map(\.name)
                    throw APIError.notFound(
                        "no campaign named '\(name.prefix(64))'"
                            + (known.isEmpty ? "; define one with POST /v1/campaigns" : "; there are: \(known.joined(separator: ", "))"))
                }
                let plan: PlanStore.SavedPlan?
                if let planName = campaign.planName {
                    guard let saved = try PlanStore.plan(named: planName, in: served.workspace) else {
                        throw APIError.notFound("campaign '\(name.prefix(64))' compares with plan '\(planName.prefix(64))', which is not saved")
                    }
                    plan = saved
                } else {
                    plan = try PlanStore.latestPlan(for: campaign.harvest, in: served.workspace)
                }
                let snapshot = try served.snapshots.snapshot()
                guard snapshot.dataDays != nil else {
                    throw APIError.badRequest("the workspace has no events yet; ingest some before asking for a campaign report")
                }
                return try Self.document(of: CampaignReport.compute(snapshot, campaign: campaign, plan: plan)).serialized()
            }
            return Response.json(body)
        }
    }

    /// Runs `plan-gap` with the body's parameters on the current data and saves the plan.
    func savePlan(_ body: [String: JSONValue], served: ServedWorkspace) async throws -> Response {
        guard let nameValue = body["name"] else {
            throw APIError.badRequest("name: missing (the name to save the plan under, e.g. 双11-2026)")
        }
        guard case .string(let name) = nameValue else { throw APIError.badRequest("name: expected a string, got \(nameValue.typeName)") }
        try Self.checkName(name)
        var arguments = AnalysisArguments()
        for (key, value) in body where key != "name" {
            arguments.set(key, try Self.argument(value, field: key))
        }
        // `benchmark` names a file: only one in the workspace's files/ folder, as for queries.
        try QueryRoutes.resolveFiles(&arguments, of: .planGap, workspaceDirectory: served.workspace.directory)
        let planArguments = arguments
        let saved = try await blocking { () throws -> PlanStore.SavedPlan in
            let snapshot = try served.snapshots.snapshot()
            let report: any Report
            do { report = try Analysis.planGap.run(snapshot, planArguments) } catch { throw APIError.badRequest("\(error)") }
            guard let plan = report as? GapPlan else { throw APIError.internal("plan-gap did not return a plan") }
            try PlanStore.save(plan, name: name, in: served.workspace)
            guard let saved = try PlanStore.plan(named: name, in: served.workspace) else {
                throw APIError.internal("the plan was saved but cannot be read back")
            }
            return saved
        }
        return Response.json(try Self.document(of: saved, zone: served.workspace.zone).serialized(), status: .created)
    }

    // MARK: - Bodies

    /// The request body as a JSON object.
    static func object(_ request: Request) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw APIError.tooLarge("the body is larger than \(maxBodyBytes) bytes; a planning body is a name and a few parameters")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(buffer.readableBytesView) } catch { throw APIError.badRequest("\(error)") }
        guard case .object(let members) = json else { throw APIError.badRequest("body: expected a JSON object, got \(json.typeName)") }
        return members
    }

    /// A body member as the text the CLI would take: strings as they are, numbers as written,
    /// booleans as true/false, and an object of group amounts (`{"A": 2.5, "I": 4}`) as `A=2.5,I=4`.
    static func argument(_ value: JSONValue, field: String) throws(APIError) -> String? {
        switch value {
        case .null: return nil
        case .string(let text): return text
        case .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .object(let members):
            var parts: [String] = []
            for key in members.keys.sorted() {
                guard let amount = members[key]!.text else {
                    throw .badRequest("\(field).\(key): expected a number, got \(members[key]!.typeName)")
                }
                parts.append("\(key)=\(amount)")
            }
            return parts.joined(separator: ",")
        case .array:
            throw .badRequest("\(field): expected a string or a number, got an array")
        }
    }

    static func checkName(_ name: String, field: String = "name") throws(APIError) {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: { $0.isNewline || $0 == "\0" || $0 == "/" }) else {
            throw .badRequest("\(field): 1-64 characters on one line, without '/' (got \(name.count) characters)")
        }
    }

    /// The fields of `POST /v1/campaigns`, with the CLI's names.
    static let campaignFields = ["name", "harvest", "seeding-days", "growing-days", "nurture-days", "plan"]

    /// A campaign definition from a body; every error names its field.
    static func campaign(from body: [String: JSONValue]) throws(APIError) -> CampaignDefinition {
        if let unknown = body.keys.sorted().first(where: { !campaignFields.contains($0) }) {
            throw .badRequest("\(unknown.prefix(40)): not a campaign field; the fields are \(campaignFields.joined(separator: ", "))")
        }
        func string(_ field: String) throws(APIError) -> String? {
            guard let value = body[field], value != .null else { return nil }
            guard case .string(let text) = value else { throw .badRequest("\(field): expected a string, got \(value.typeName)") }
            return text
        }
        func days(_ field: String, default fallback: Int) throws(APIError) -> Int {
            guard let value = body[field], value != .null else { return fallback }
            guard let text = value.text, let number = Int(text.trimmingASCIISpaces()) else {
                var given = value.typeName
                if case .string(let text) = value { given = "'\(text.prefix(20))'" }
                throw .badRequest("\(field): expected a whole number of days, got \(given)")
            }
            return number
        }
        guard let name = try string("name") else { throw .badRequest("name: missing (the campaign's name, e.g. 双11-2026)") }
        try checkName(name)
        guard let harvestText = try string("harvest") else {
            throw .badRequest("harvest: missing (the campaign days as D1..D2, e.g. 2026-11-01..2026-11-11)")
        }
        let harvest: DayRange
        do { harvest = try DayRange.parse(harvestText) } catch {
            throw .badRequest("harvest '\(harvestText.prefix(40))': expected D1..D2 (\(error))")
        }
        let seeding = try days("seeding-days", default: 30)
        let growing = try days("growing-days", default: 15)
        let nurture = try days("nurture-days", default: 15)
        guard (1...365).contains(growing) else { throw .badRequest("growing-days: must be 1-365 (got \(growing))") }
        guard seeding > growing, seeding <= 365 else {
            throw .badRequest("seeding-days: must be more than growing-days (\(growing)) and at most 365 (got \(seeding))")
        }
        guard (1...365).contains(nurture) else { throw .badRequest("nurture-days: must be 1-365 (got \(nurture))") }
        let plan = try string("plan")
        if let plan { try checkName(plan, field: "plan") }
        let campaign = CampaignDefinition(
            name: name, harvest: harvest, seedingDays: seeding, growingDays: growing, nurtureDays: nurture, planName: plan)
        do { try campaign.validate() } catch { throw .badRequest(error.description) }
        return campaign
    }

    // MARK: - Answers

    static func pathName(_ context: KehuRequestContext) -> String {
        let raw = context.parameters.get("name") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    static func noSuchPlan(_ name: String, served: ServedWorkspace) async throws -> APIError {
        let known = try await blocking { try PlanStore.plans(in: served.workspace).map(\.name) }
        return .notFound(
            "no plan named '\(name.prefix(64))'" + (known.isEmpty ? "; save one with POST /v1/plans" : "; there are: \(known.joined(separator: ", "))"))
    }

    static func savedAt(_ ms: Int64, zone: ZoneRules) -> JSONValue { .s(Timestamp.format(ms, zone: zone)) }

    /// One line of `GET /v1/plans`.
    static func summary(of saved: PlanStore.SavedPlan, zone: ZoneRules) -> JSONValue {
        let used = saved.plan.parametersUsed
        return .object([
            "name": .s(saved.name), "savedAt": savedAt(saved.savedAt, zone: zone),
            "campaign": .s("\(used.campaign)"), "reference": .s("\(used.reference)"), "asOf": .s("\(used.asOf)"),
            "targetFen": .number(String(used.targetFen)), "expectedGMVFen": .number(String(saved.plan.expectedGMVFen)),
            "gapFen": .number(String(saved.plan.gapFen)),
            "path": .s("/v1/plans/" + (saved.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? saved.name)),
        ])
    }

    /// `{"name", "savedAt", "plan": the plan-gap report as the query API shows it}`.
    static func document(of saved: PlanStore.SavedPlan, zone: ZoneRules) throws -> JSONValue {
        .object([
            "name": .s(saved.name), "savedAt": savedAt(saved.savedAt, zone: zone),
            "plan": try QueryRoutes.document(of: saved.plan, analysis: .planGap),
        ])
    }

    /// A campaign with the days of each phase.
    static func document(of campaign: CampaignDefinition) -> JSONValue {
        .object([
            "name": .s(campaign.name), "harvest": .s("\(campaign.harvest)"),
            "seedingDays": .int(campaign.seedingDays), "growingDays": .int(campaign.growingDays), "nurtureDays": .int(campaign.nurtureDays),
            "plan": campaign.planName.map(JSONValue.s) ?? .null,
            "phases": .array(CampaignDefinition.Phase.allCases.map { phase in
                .object(["phase": .s(phase.name), "chineseName": .s(phase.chineseName), "days": .s("\(campaign.days(of: phase))")])
            }),
            "report": .s("/v1/campaigns/" + (campaign.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? campaign.name) + "/report"),
        ])
    }

    /// The campaign report's own JSON with `title` and `parameters` added, as the query API does.
    static func document(of report: CampaignReport) throws -> JSONValue {
        let encoded = try JSONEncoder.sorted.encode(report)
        guard case .object(var members) = try JSONValue.parse(encoded) else { return .null }
        members["title"] = .s(report.title)
        members["parameters"] = .array(report.parameters.map { .object(["name": .s($0.name), "value": .s($0.value)]) })
        return .object(members)
    }
}
