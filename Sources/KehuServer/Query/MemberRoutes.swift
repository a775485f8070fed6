import Foundation
import Hummingbird
import KehuAnalytics
import KehuIngest
import KehuMembers
import KehuModel
import KehuStore

/// `GET /v1/members/report`, `GET /v1/members/{key}` and `POST /v1/members/{key}/points`: the
/// members of the key's workspace (docs/api.md, "Members").
struct MemberRoutes: Sendable {
    let authenticator: Authenticator

    func register(on router: Router<KehuRequestContext>) {
        router.get("/v1/members/report") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let query = try QueryRoutes.arguments(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            let body = try await blocking { () throws -> [UInt8] in
                let snapshot = try served.snapshots.snapshot()
                let report = try Self.report(query, snapshot: snapshot, workspace: served.workspace)
                return try Self.document(of: report).serialized()
            }
            return Response.json(body)
        }
        router.get("/v1/members/{key}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let key = try Self.memberKey(context.parameters.get("key"), served: served)
            let body = try await blocking { () throws -> [UInt8] in
                guard let detail = try MemberDetail.load(key, in: served.workspace) else {
                    throw APIError.notFound("no member with this key; members come from member_join events (kehu member sync) or kehu member join")
                }
                return try Self.document(of: detail).serialized()
            }
            return Response.json(body)
        }
        router.post("/v1/members/{key}/points") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let key = try Self.memberKey(context.parameters.get("key"), served: served)
            let body = try await request.body.collect(upTo: 64 * 1024)
            let operation = try Self.operation(body.readableBytesView, member: key)
            let ledger = PointsLedger(served.workspace)
            let result: PostResult = try await blocking {
                do { return try ledger.post(operation) } catch { throw Self.apiError(error) }
            }
            return Response.json(try JSONEncoder.sorted.encode(result), status: result.replayed ? .ok : .created)
        }
    }

    /// The report's own JSON with `title` and `parameters` added, as the analyses have them.
    static func document(of report: some Report) throws -> JSONValue {
        guard case .object(var members) = try JSONValue.parse(try JSONEncoder.sorted.encode(report)) else { return .null }
        members["title"] = .s(report.title)
        members["parameters"] = .array(report.parameters.map { .object(["name": .s($0.name), "value": .s($0.value)]) })
        return .object(members)
    }

    /// The member key of a path: `type:value` or a bare value meaning `member:value`, percent-decoded,
    /// with phones and emails hashed as at ingest. The key is never repeated in messages.
    static func memberKey(_ raw: String?, served: ServedWorkspace) throws -> String {
        let text = raw.flatMap { $0.removingPercentEncoding } ?? ""
        do {
            return try served.hasher.identityKey(raw: text.contains(":") ? text : "member:" + text).description
        } catch {
            throw APIError.badRequest("key: not a member key (expected type:value, e.g. member:1001, or the member number)")
        }
    }

    /// The body `{"operation_id", "kind", "points", "reason"}` as an operation dated now.
    static func operation(_ bytes: some Collection<UInt8>, member: String) throws -> PointsOperation {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw APIError.badRequest("\(error)") }
        guard case .object = json else { throw APIError.badRequest("body: expected an object with operation_id, kind and points") }
        guard case .string(let operationID)? = json["operation_id"] else {
            throw APIError.badRequest("operation_id: missing or not a string (the id that makes a retry safe)")
        }
        guard case .string(let kindText)? = json["kind"], let kind = PointsKind(rawValue: kindText), kind != .expire else {
            throw APIError.badRequest("kind: expected earn, redeem or adjust")
        }
        guard case .number(let pointsText)? = json["points"], let points = Int64(pointsText) else {
            throw APIError.badRequest("points: expected a whole number")
        }
        var reason: String?
        switch json["reason"] {
        case nil, .null?: break
        case .string(let text)?: reason = text
        case let other?: throw APIError.badRequest("reason: expected a string, got \(other.typeName)")
        }
        if kind != .adjust && points <= 0 {
            throw APIError.badRequest("points: \(kind.rawValue) takes a positive number of points (adjust takes a signed one)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return switch kind {
        case .earn: .earn(operationID, member: member, points: points, at: now, reason: reason)
        case .redeem: .redeem(operationID, member: member, points: points, at: now, reason: reason)
        default: .adjust(operationID, member: member, points: points, at: now, reason: reason)
        }
    }

    /// The HTTP answer to a ledger error: 409 when the operation conflicts with what is stored
    /// (its id used for other content, not enough points, the member has left), 404 for an
    /// unknown member, 400 for a wrong value. Messages name the operation id, not the member.
    static func apiError(_ error: any Error) -> any Error {
        guard let error = error as? MemberError else { return error }
        switch error {
        case .operationConflict: return APIError(.conflict, code: "operation_conflict", "\(error)")
        case .insufficientPoints(_, let operationID, let balance, let requested):
            return APIError(.conflict, code: "insufficient_points", "operation '\(operationID)': the balance is \(balance) points; taking \(requested) would make it negative, so nothing was posted")
        case .memberLeft(_, let operationID):
            return APIError(.conflict, code: "member_left", "operation '\(operationID)': the member has left the programme; only adjustments are accepted")
        case .unknownMember: return APIError.notFound("no member with this key")
        case .noProgramme: return APIError(.conflict, code: "no_programme", "\(error)")
        case .invalid, .programme: return APIError.badRequest("\(error)")
        case .store: return error
        }
    }

    /// The 招育转留赞 report for `from`, `to` (default: the 30 days ending the last day with data)
    /// and `lapse-days` (default 180).
    static func report(_ query: AnalysisArguments, snapshot: Snapshot, workspace: Workspace) throws -> MemberFunnel {
        for name in query.values.keys where !["from", "to", "lapse-days"].contains(name) {
            throw APIError.badRequest("\(name): not a parameter of the member report (from, to, lapse-days)")
        }
        func day(_ name: String) throws -> Day? {
            guard let text = query.values[name] else { return nil }
            do { return try Day.parse(text) } catch { throw APIError.badRequest("\(name): '\(text.prefix(20))' is not a day (YYYY-MM-DD)") }
        }
        guard let last = try day("to") ?? snapshot.dataDays?.last else {
            throw APIError.badRequest("the workspace has no events yet; give from and to")
        }
        let first = try day("from") ?? last.advanced(by: -29)
        guard first <= last else { throw APIError.badRequest("from: \(first) is after to (\(last))") }
        var lapseDays = 180
        if let text = query.values["lapse-days"] {
            guard let value = Int(text), (1...3_660).contains(value) else { throw APIError.badRequest("lapse-days: expected a whole number from 1 to 3660") }
            lapseDays = value
        }
        let members: [MemberFunnel.Subject]
        do { members = try MemberFunnel.subjects(in: workspace, snapshot: snapshot) } catch { throw apiError(error) }
        return MemberFunnel.compute(snapshot, members: members, period: DayRange(first, last), lapseDays: lapseDays)
    }
}
