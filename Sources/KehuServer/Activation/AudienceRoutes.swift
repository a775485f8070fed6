import Foundation
import Hummingbird
import KehuActivation
import KehuModel
import KehuStore

/// `/v1/audiences`: define, list, size, estimate, overlap, export, snapshot and delete
/// audiences, as `kehu audience` does.
struct AudienceRoutes: Sendable {
    let authenticator: Authenticator

    typealias A = ActivationRoutes

    func register(on router: Router<KehuRequestContext>) {
        router.get("/v1/audiences") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let asOf = try A.day(try A.query(request, allowed: ["as-of"], of: "GET /v1/audiences")["as-of"])
            let body = try await A.run { () throws -> [UInt8] in
                let report = try AudienceListReport.compute(AudienceStore(workspace: served.workspace), try served.snapshots.snapshot(), asOf: asOf)
                return try A.document(of: report).serialized()
            }
            return Response.json(body)
        }
        router.put("/v1/audiences/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let body = try await A.object(request, allowed: ["expression", "description"], what: "an audience definition")
            guard let expression = try A.string(body, "expression") else {
                throw APIError.badRequest("expression: missing (e.g. \"tag:vip and stage in (I, P) and not tag:complained\")")
            }
            let description = try A.string(body, "description") ?? ""
            let (audience, created) = try await A.run { () throws -> (Audience, Bool) in
                let store = AudienceStore(workspace: served.workspace)
                let existed = try store.list().contains { $0.name == name }
                try store.define(name: name, expression: expression, description: description)
                return (try store.audience(named: name), !existed)
            }
            guard case .object(var members) = try A.json(audience) else { throw APIError.internal("the audience cannot be encoded") }
            members["path"] = .s(A.path("/v1/audiences/", name))
            return Response.json(JSONValue.object(members).serialized(), status: created ? .created : .ok)
        }
        router.get("/v1/audiences/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = A.pathName(context)
            let asOf = try A.day(try A.query(request, allowed: ["as-of"], of: "GET /v1/audiences/{name}")["as-of"])
            let body = try await A.run { () throws -> [UInt8] in
                let audience = try AudienceStore(workspace: served.workspace).audience(named: name)
                return try Self.size(audience.expression, label: name, kind: "audience", description: audience.description, asOf: asOf, served: served)
            }
            return Response.json(body)
        }
        // Read-only: POST only because the expression travels in a body, so a read key may estimate.
        router.post("/v1/audiences/estimate") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let body = try await A.object(request, allowed: ["expression", "as-of"], what: "an estimate")
            guard let expression = try A.string(body, "expression") else {
                throw APIError.badRequest("expression: missing (the audience expression to count, e.g. \"stage = I and count(cart, 30d) >= 1\")")
            }
            let asOf = try A.day(try A.string(body, "as-of"))
            let answer = try await A.run {
                try Self.size(expression, label: expression, kind: "expression", description: "", asOf: asOf, served: served)
            }
            return Response.json(answer)
        }
        router.get("/v1/audiences/{name}/overlap/{other}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let (first, second) = (A.pathName(context), A.pathName(context, "other"))
            let asOf = try A.day(try A.query(request, allowed: ["as-of"], of: "GET /v1/audiences/{name}/overlap/{other}")["as-of"])
            let body = try await A.run { () throws -> [UInt8] in
                let store = AudienceStore(workspace: served.workspace)
                let (a, b) = (try store.audience(named: first), try store.audience(named: second))
                let snapshot = try served.snapshots.snapshot()
                var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: asOf, tags: TagStore(workspace: served.workspace))
                let report = AudienceOverlapReport(
                    workspace: snapshot.workspace, asOf: evaluator.asOf, first: first, second: second,
                    a: try evaluator.evaluate(a.expression), b: try evaluator.evaluate(b.expression))
                return try A.document(of: report).serialized()
            }
            return Response.json(body)
        }
        // Identity keys leave Kehu only with a write key: a read key (the dashboard's) sees sizes.
        router.get("/v1/audiences/{name}/export") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let query = try A.query(request, allowed: ["channel", "as-of", "format", "offset", "limit"], of: "GET /v1/audiences/{name}/export")
            guard let channelName = query["channel"] else {
                throw APIError.badRequest("channel: missing (one of \(ExportChannel.allNames))")
            }
            guard let channel = ExportChannel(rawValue: channelName) else {
                throw APIError.badRequest("channel: expected one of \(ExportChannel.allNames) (got '\(channelName.prefix(20))')")
            }
            let asOf = try A.day(query["as-of"])
            let csv = try A.wantsCSV(query)
            _ = try A.page(query, total: 0)
            let (export, report) = try await A.run { () throws -> (AudienceExport, AudienceExportReport) in
                let audience = try AudienceStore(workspace: served.workspace).audience(named: name)
                let snapshot = try served.snapshots.snapshot()
                let day = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
                let set = try audience.evaluate(in: snapshot, asOf: day, tags: TagStore(workspace: served.workspace))
                let export = try AudienceExport.compute(set, in: snapshot, workspace: served.workspace, channel: channel)
                return (export, AudienceExportReport(workspace: snapshot.workspace, audience: name, asOf: day, file: "", export: export))
            }
            if csv {
                var response = A.csv(export.csv(), filename: "audience-\(channel.rawValue).csv")
                response.headers[.init("Kehu-Consumers")!] = String(report.consumers)
                response.headers[.init("Kehu-Without-Key")!] = String(report.withoutKey)
                return response
            }
            let rows = try A.page(query, total: export.rows.count)
            guard case .object(var members) = try A.document(of: report) else { throw APIError.internal("the export cannot be encoded") }
            members["file"] = nil
            if case .array(let parameters)? = members["parameters"] {
                members["parameters"] = .array(parameters.filter { $0["name"] != .s("file") })
            }
            members["keys"] = .array(export.rows[rows].map { row in
                .object(["consumerId": .int(Int(row.consumerID)), "keyType": .s(row.key.type.name), "key": .s(row.key.value)])
            })
            members.merge(A.pageMembers(rows, total: export.rows.count, query: query)) { _, page in page }
            return Response.json(JSONValue.object(members).serialized())
        }
        router.post("/v1/audiences/{name}/snapshots") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let asOf = try A.day(try A.string(try await A.object(request, allowed: ["as-of"], what: "a snapshot"), "as-of"))
            let body = try await A.run { () throws -> [UInt8] in
                let taken = try AudienceStore(workspace: served.workspace).takeSnapshot(of: name, in: try served.snapshots.snapshot(), asOf: asOf)
                return try A.document(of: AudienceSnapshotsReport(workspace: served.workspace.name, snapshots: [taken])).serialized()
            }
            return Response.json(body, status: .created)
        }
        router.get("/v1/audiences/{name}/snapshots") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = A.pathName(context)
            _ = try A.query(request, allowed: [], of: "GET /v1/audiences/{name}/snapshots")
            let body = try await A.run { () throws -> [UInt8] in
                let store = AudienceStore(workspace: served.workspace)
                let list = try store.snapshots(of: name)
                // A deleted audience's snapshots stay listed; a name with neither is unknown.
                if list.isEmpty { _ = try store.audience(named: name) }
                return try A.document(of: AudienceSnapshotsReport(workspace: served.workspace.name, snapshots: list)).serialized()
            }
            return Response.json(body)
        }
        router.delete("/v1/audiences/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            try await A.run { try AudienceStore(workspace: served.workspace).delete(name: name) }
            return Response.json(JSONValue.object(["deleted": .s(name)]).serialized())
        }
    }

    /// The size of `expression` by stage and channel on the current snapshot (`kehu audience size`).
    static func size(
        _ expression: String, label: String, kind: String, description: String, asOf: Day?, served: ServedWorkspace
    ) throws -> [UInt8] {
        let snapshot = try served.snapshots.snapshot()
        var evaluator = ExpressionEvaluator(snapshot: snapshot, asOf: asOf, tags: TagStore(workspace: served.workspace))
        let started = ContinuousClock.now
        let set = try evaluator.evaluate(expression)
        let report = ConsumerSetReport.compute(
            subject: "audience", name: label, kind: kind, expression: kind == "audience" ? expression : nil, description: description,
            set: set, evaluationMilliseconds: TagRoutes.milliseconds(ContinuousClock.now - started), snapshot, asOf: evaluator.asOf)
        return try A.document(of: report).serialized()
    }
}
