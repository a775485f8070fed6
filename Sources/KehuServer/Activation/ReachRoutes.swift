import Foundation
import Hummingbird
import KehuActivation
import KehuModel
import KehuStore

/// `/v1/reach/plans`: define, list and schedule reach plans, read their sends and measure their
/// effect, as `kehu reach define | list | plan | effect` do. Delivery stays with the CLI: the
/// server never posts to a URL or writes a file a request names.
struct ReachRoutes: Sendable {
    let authenticator: Authenticator

    typealias A = ActivationRoutes

    /// The fields of `PUT /v1/reach/plans/{name}`: the options of `kehu reach define`.
    static let planFields = ["audience", "content", "channel", "window", "hours", "cap", "suppress", "holdout", "seed", "as-of", "key-prefix"]

    func register(on router: Router<KehuRequestContext>) {
        router.get("/v1/reach/plans") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            _ = try A.query(request, allowed: [], of: "GET /v1/reach/plans")
            let body = try await A.run { () throws -> [UInt8] in
                let list = ReachPlanList(plans: try ReachStore.plans(in: served.workspace), counts: try ReachStore.statusCounts(in: served.workspace))
                return try A.document(of: list).serialized()
            }
            return Response.json(body)
        }
        router.get("/v1/reach/plans/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = A.pathName(context)
            _ = try A.query(request, allowed: [], of: "GET /v1/reach/plans/{name}")
            let body = try await A.run { () throws -> [UInt8] in
                let plan = try ReachStore.plan(named: name, in: served.workspace)
                let list = ReachPlanList(plans: [plan], counts: try ReachStore.statusCounts(in: served.workspace))
                guard case .array(let entries)? = try A.json(list)["plans"], let entry = entries.first else { return [] }
                return entry.serialized()
            }
            return Response.json(body)
        }
        router.put("/v1/reach/plans/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let plan = try Self.plan(named: name, from: try await A.object(request, allowed: Self.planFields, what: "a reach plan"))
            let created = try await A.run(field: "audience") { () throws -> Bool in
                try Self.checkReferences(plan, in: served.workspace)
                let existed = try ReachStore.plans(in: served.workspace).contains { $0.name == name }
                try ReachStore.define(plan, in: served.workspace)
                return !existed
            }
            let answer: JSONValue = .object([
                "plan": try A.json(plan), "path": .s(A.path("/v1/reach/plans/", name)),
                "schedule": .s(A.path("/v1/reach/plans/", name) + "/schedule"),
            ])
            return Response.json(answer.serialized(), status: created ? .created : .ok)
        }
        router.post("/v1/reach/plans/{name}/schedule") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let body = try await A.object(request, allowed: ["dry-run"], what: "a schedule request")
            var flag = false
            if let value = body["dry-run"], value != .null {
                guard case .bool(let given) = value else { throw APIError.badRequest("dry-run: expected true or false, got \(value.typeName)") }
                flag = given
            }
            let dryRun = flag
            let answer = try await A.run(field: "audience") { () throws -> [UInt8] in
                let workspace = served.workspace
                let plan = try ReachStore.plan(named: name, in: workspace)
                let snapshot = try served.snapshots.snapshot()
                guard let data = snapshot.dataDays else { throw ReachError.invalid("the workspace has no events yet; ingest some before scheduling") }
                let asOf = plan.audienceDay(lastDataDay: data.last)
                let audience = try ReachAudiences.audience(plan.audience, snapshot: snapshot, asOf: asOf, in: workspace)
                let suppressed = try ReachAudiences.suppressed(plan.suppressions, snapshot: snapshot, asOf: asOf, in: workspace) { type, value in
                    try served.hasher.identityKey(type: type, value: value)
                }
                let schedule = try ReachRun.schedule(
                    plan, snapshot: snapshot, asOf: asOf, audience: audience, suppressed: suppressed, in: workspace, dryRun: dryRun)
                guard case .object(var members) = try A.document(of: ReachPlanReport(schedule, dryRun: dryRun)) else { return [] }
                members["sends"] = dryRun ? .null : .s(A.path("/v1/reach/plans/", name) + "/sends")
                return JSONValue.object(members).serialized()
            }
            return Response.json(answer)
        }
        // The sends carry each consumer's channel key: keys leave Kehu only with a write key.
        router.get("/v1/reach/plans/{name}/sends") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let query = try A.query(request, allowed: ["format", "offset", "limit"], of: "GET /v1/reach/plans/{name}/sends")
            let csv = try A.wantsCSV(query)
            _ = try A.page(query, total: 0)
            let sends = try await A.run { () throws -> [ReachStore.StoredSend] in
                _ = try ReachStore.plan(named: name, in: served.workspace)
                guard try ReachStore.plannedAsOf(name, in: served.workspace) != nil else { throw ReachError.notPlanned(name) }
                return try ReachStore.sends(of: name, in: served.workspace)
            }
            let zone = served.workspace.zone
            if csv {
                var text = "consumer_id,holdout,channel_key,send_at,status,attempts\n"
                for send in sends {
                    text += "\(send.consumerID),\(send.holdout),\(Self.csvField(send.channelKey)),\(Timestamp.format(send.sendAt, zone: zone)),\(send.status.rawValue),\(send.attempts)\n"
                }
                return A.csv(text, filename: "reach-sends.csv")
            }
            let rows = try A.page(query, total: sends.count)
            var members = A.pageMembers(rows, total: sends.count, query: query)
            members["plan"] = .s(name)
            members["sends"] = .array(sends[rows].map { send in
                .object([
                    "consumerId": .int(Int(send.consumerID)), "holdout": .bool(send.holdout), "channelKey": .s(send.channelKey),
                    "sendAt": .number(String(send.sendAt)), "sendAtLocal": .s(Timestamp.format(send.sendAt, zone: zone)),
                    "status": .s(send.status.rawValue), "attempts": .int(send.attempts),
                ])
            })
            return Response.json(JSONValue.object(members).serialized())
        }
        router.get("/v1/reach/plans/{name}/effect") { request, context in
            // Storing the responders as a tag is a write.
            let writes = request.uri.queryParameters["responders-tag"] != nil
            let served = try await authenticator.authorize(request, context: context, need: writes ? .write : .read)
            let name = A.pathName(context)
            let query = try A.query(request, allowed: ["window", "responders-tag"], of: "GET /v1/reach/plans/{name}/effect")
            let windowText = query["window"] ?? "14d"
            guard let windowDays = Int(windowText.hasSuffix("d") ? String(windowText.dropLast()) : windowText), (1...366).contains(windowDays) else {
                throw APIError.badRequest("window: must be 1d-366d, e.g. 14d (got '\(windowText.prefix(20))')")
            }
            let respondersTag = query["responders-tag"]
            let answer = try await A.run { () throws -> [UInt8] in
                let workspace = served.workspace
                let plan = try ReachStore.plan(named: name, in: workspace)
                let snapshot = try served.snapshots.snapshot()
                let sends = try ReachRun.currentSends(plan.name, snapshot: snapshot, in: workspace)
                let effect = ReachEffect.compute(snapshot, plan: plan.name, sends: sends, windowDays: windowDays)
                guard case .object(var members) = try A.document(of: effect) else { return [] }
                if let respondersTag {
                    let responders = ConsumerSet(
                        capacity: snapshot.consumerCount, members: effect.responders.compactMap { snapshot.denseIndex(ofConsumer: $0) })
                    let summary: WriteBackSummary
                    do throws(ActivationError) {
                        summary = try TagStore(workspace: workspace).writeBack(
                            name: respondersTag, consumers: responders, in: snapshot,
                            description: "converted within \(windowDays)d of reach plan \(plan.name)")
                    } catch {
                        guard case .invalidName = error else { throw error }
                        throw APIError.badRequest("responders-tag: '\(respondersTag.prefix(64))' is not a valid tag name: use 1-64 letters (any script), digits, '_', '-' or '.', starting with a letter, digit or '_'")
                    }
                    members["respondersTag"] = .object([
                        "name": .s(respondersTag), "consumers": .int(summary.consumers), "added": .int(summary.added),
                        "withoutKey": .int(summary.withoutKey), "path": .s(A.path("/v1/tags/", respondersTag)),
                    ])
                }
                return JSONValue.object(members).serialized()
            }
            return Response.json(answer)
        }
    }

    /// A plan from a `PUT` body; every error names its field.
    static func plan(named name: String, from body: [String: JSONValue]) throws(APIError) -> ReachPlan {
        func required(_ field: String, _ example: String) throws(APIError) -> String {
            guard let text = try A.string(body, field) else { throw .badRequest("\(field): missing (\(example))") }
            return text
        }
        let audience = try required("audience", "a saved audience's name or an audience expression")
        let content = try required("content", "the content id to send, e.g. coupon-618")
        let channelName = try required("channel", "one of \(ReachChannel.allNames)")
        guard let channel = ReachChannel(rawValue: channelName) else {
            throw .badRequest("channel: expected one of \(ReachChannel.allNames) (got '\(channelName.prefix(20))')")
        }
        let windowText = try required("window", "the send days as D1..D2, e.g. 2026-06-16..2026-06-18")
        let days: DayRange
        do { days = try DayRange.parse(windowText) } catch { throw .badRequest("window: expected D1..D2 (\(error))") }
        let hours: ClosedRange<Int>
        do { hours = try SendWindow.parseHours(try A.string(body, "hours") ?? "9-21") } catch { throw .badRequest("hours: \(error)") }
        let cap: FrequencyCap
        do { cap = try FrequencyCap.parse(try A.string(body, "cap") ?? "1/7d") } catch { throw .badRequest("cap: \(error)") }
        var suppressions: [Suppression] = []
        let lists: [JSONValue]
        switch body["suppress"] {
        case nil, .null?: lists = []
        case .string?: lists = [body["suppress"]!]
        case .array(let items)?: lists = items
        case let other?: throw .badRequest("suppress: expected a list of strings like tag:NAME, got \(other.typeName)")
        }
        for (i, item) in lists.enumerated() {
            guard case .string(let text) = item else { throw .badRequest("suppress[\(i)]: expected a string like tag:NAME, got \(item.typeName)") }
            let suppression: Suppression
            do { suppression = try Suppression.parse(text) } catch { throw .badRequest("suppress[\(i)]: a suppression is tag:NAME or audience:NAME") }
            guard suppression.kind != .keys else {
                throw .badRequest(
                    "suppress[\(i)]: keys:FILE names a file on the server, which the API never reads; import the keys as a tag "
                        + "(POST /v1/tags/{name}/import) and suppress tag:NAME")
            }
            suppressions.append(suppression)
        }
        var share = 0.1
        switch body["holdout"] {
        case nil, .null?: break
        case .number(let text)?, .string(let text)?:
            let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
            guard let value, value >= 0, value <= 0.5 else {
                throw .badRequest("holdout: a share from 0% to 50%, e.g. \"10%\" or 0.1 (got '\(text.prefix(20))')")
            }
            share = value
        case let other?: throw .badRequest("holdout: expected a share like \"10%\" or 0.1, got \(other.typeName)")
        }
        var seed: UInt64?
        switch body["seed"] {
        case nil, .null?: break
        case .number(let text)?, .string(let text)?:
            guard let value = UInt64(text) else { throw .badRequest("seed: expected a whole number from 0 to \(UInt64.max)") }
            seed = value
        case let other?: throw .badRequest("seed: expected a whole number, got \(other.typeName)")
        }
        let asOf = try A.day(try A.string(body, "as-of"))
        let plan = ReachPlan(
            name: name, audience: audience, content: content, channel: channel,
            window: SendWindow(days: days, firstHour: hours.lowerBound, lastHour: hours.upperBound), cap: cap,
            suppressions: suppressions, holdoutShare: share, seed: seed, asOf: asOf, keyPrefix: try A.string(body, "key-prefix"))
        do { try plan.validate() } catch { throw .badRequest("\(error)".replacingOccurrences(of: "--as-of", with: "as-of")) }
        return plan
    }

    /// Checks what a plan names before it is stored: its audience is a saved audience or an
    /// expression that parses and mentions only defined tags; its suppression tags and audiences exist.
    static func checkReferences(_ plan: ReachPlan, in workspace: Workspace) throws {
        let tags = try TagStore(workspace: workspace).list().map(\.name)
        let audiences = try AudienceStore(workspace: workspace).list().map(\.name)
        if !audiences.contains(plan.audience) {
            let parsed: AudienceExpression
            do throws(ExpressionError) { parsed = try AudienceExpression.parse(plan.audience) } catch {
                let saved = audiences.isEmpty ? "no audiences are saved" : "the saved audiences are \(audiences.joined(separator: ", "))"
                throw APIError(.badRequest, code: "bad_expression", "audience: not a saved audience (\(saved)) nor an expression: \(error)", column: error.column)
            }
            if let unknown = parsed.referencedTags.first(where: { !tags.contains($0) }) {
                throw APIError.badRequest(
                    "audience: unknown tag '\(unknown)'" + (tags.isEmpty ? " (no tags are defined)" : " (defined: \(tags.joined(separator: ", ")))"))
            }
        }
        for (i, list) in plan.suppressions.enumerated() {
            let (known, what) = list.kind == .tag ? (tags, "tag") : (audiences, "audience")
            guard known.contains(list.value) else {
                throw APIError.badRequest(
                    "suppress[\(i)]: no \(what) called '\(list.value.prefix(64))'" + (known.isEmpty ? "" : " (defined: \(known.joined(separator: ", ")))"))
            }
        }
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
