import Foundation
import Hummingbird
import KehuActivation
import KehuAnalytics
import KehuModel
import KehuStore

/// Activation over the API (DESIGN section 6): tags, audiences and reach plans, in the same
/// tables `kehu tag | audience | reach` use, so what the API defines the CLI lists, and back
/// (docs/api.md, "Activation").
///
/// Reading needs a read key, changing a write key; a key only ever sees its own workspace's
/// tags, audiences and plans. Bodies name fields as the CLI's options do (`key-type`,
/// `as-of`, `key-prefix`); answers are the CLI's `--format json` with `title` and `parameters`.
/// The server never reads a file or calls a URL a request names: no key files, no webhooks.
struct ActivationRoutes: Sendable {
    let authenticator: Authenticator

    func register(on router: Router<KehuRequestContext>) {
        TagRoutes(authenticator: authenticator).register(on: router)
        AudienceRoutes(authenticator: authenticator).register(on: router)
        ReachRoutes(authenticator: authenticator).register(on: router)
    }

    /// Definition bodies are small: an expression, a description, a plan's options.
    static let maxBodyBytes = 64 * 1024

    // MARK: - Requests

    /// The percent-decoded path parameter `parameter`.
    static func pathName(_ context: KehuRequestContext, _ parameter: String = "name") -> String {
        let raw = context.parameters.get(parameter) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// `/v1/tags/` + the name percent-encoded as one path segment.
    static func path(_ prefix: String, _ name: String) -> String {
        prefix + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? name)
    }

    /// The query parameters, each given at most once and each one of `allowed`.
    static func query(_ request: Request, allowed: [String], of endpoint: String) throws(APIError) -> [String: String] {
        let values = try QueryRoutes.arguments(request.uri.queryParameters.map { (String($0.key), String($0.value)) }).values
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest(
                "\(unknown.prefix(40)): not a parameter of \(endpoint)"
                    + (allowed.isEmpty ? " (it takes none)" : " (\(allowed.joined(separator: ", ")))"))
        }
        return values
    }

    /// A `YYYY-MM-DD` day named `field`, or nil when not given.
    static func day(_ text: String?, field: String = "as-of") throws(APIError) -> Day? {
        guard let text else { return nil }
        do { return try Day.parse(text) } catch { throw .badRequest("\(field): '\(text.prefix(20))' is not a day (YYYY-MM-DD)") }
    }

    /// The request body as a JSON object (an empty body is an empty object), with only `allowed` members.
    static func object(_ request: Request, allowed: [String], what: String) async throws -> [String: JSONValue] {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw APIError.tooLarge("the body is larger than \(maxBodyBytes) bytes; \(what) is a few fields")
        }
        if buffer.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let json: JSONValue
        do { json = try JSONValue.parse(buffer.readableBytesView) } catch { throw APIError.badRequest("\(error)") }
        guard case .object(let members) = json else { throw APIError.badRequest("body: expected a JSON object, got \(json.typeName)") }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.badRequest("\(unknown.prefix(40)): not a field of \(what); the fields are \(allowed.joined(separator: ", "))")
        }
        return members
    }

    /// The string member `field`, nil when absent or null.
    static func string(_ body: [String: JSONValue], _ field: String) throws(APIError) -> String? {
        guard let value = body[field], value != .null else { return nil }
        guard case .string(let text) = value else { throw .badRequest("\(field): expected a string, got \(value.typeName)") }
        return text
    }

    /// The rows `offset ..< offset + limit` of `total` from the `offset` and `limit` parameters
    /// (default 0 and 1,000; at most 10,000 rows a page).
    static func page(_ query: [String: String], total: Int) throws(APIError) -> Range<Int> {
        func number(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
            guard let text = query[name] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw .badRequest("\(name): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        let offset = try number("offset", default: 0, range: 0...Int(Int32.max))
        let limit = try number("limit", default: 1_000, range: 1...10_000)
        return min(offset, total)..<min(total, offset + limit)
    }

    /// `{"offset", "limit", "total", "next"}` of a page (`next`: the offset of the next page, or null).
    static func pageMembers(_ rows: Range<Int>, total: Int, query: [String: String]) -> [String: JSONValue] {
        let limit = query["limit"].flatMap(Int.init) ?? 1_000
        return [
            "offset": .int(rows.lowerBound), "limit": .int(limit), "total": .int(total),
            "next": rows.upperBound < total ? .int(rows.upperBound) : .null,
        ]
    }

    /// `format=json` (default) or `format=csv`.
    static func wantsCSV(_ query: [String: String]) throws(APIError) -> Bool {
        switch query["format"] {
        case nil, "json"?: return false
        case "csv"?: return true
        case let other?: throw .badRequest("format: expected json or csv (got '\(other.prefix(20))')")
        }
    }

    // MARK: - Answers

    /// The report's own JSON with `title` and `parameters`, as the other endpoints answer.
    static func document(of report: some Report) throws -> JSONValue { try MemberRoutes.document(of: report) }

    /// A `Codable` value's JSON (keys sorted, numbers as encoded).
    static func json(_ value: some Encodable) throws -> JSONValue { try JSONValue.parse(try JSONEncoder.sorted.encode(value)) }

    static func csv(_ text: String, filename: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The HTTP answer to an activation or reach error. `field` names the body member an
    /// expression came from: a mistake in it is a 400 `bad_expression` with its `column`.
    static func apiError(_ error: any Error, field: String = "expression") -> any Error {
        switch error {
        case let error as ExpressionError:
            return APIError(.badRequest, code: "bad_expression", "\(field): \(error)", column: error.column)
        case let error as ActivationError:
            switch error {
            case .expression(let inner): return apiError(inner, field: field)
            case .invalidName: return APIError.badRequest("name: \(error)")
            case .unknownTag, .unknownAudience: return APIError.notFound("\(error)")
            case .kindMismatch: return APIError(.conflict, code: "kind_conflict", "\(error)")
            case .inUse: return APIError(.conflict, code: "in_use", "\(error)")
            case .badKeyFile(_, let line, let reason): return APIError(.conflict, code: "key_file", "a key file the plan names has a bad line \(line): \(reason)")
            case .unreadableFile: return APIError(.conflict, code: "key_file", "a key file the plan names cannot be read on the server")
            case .store: return APIError.internal("\(error)")
            }
        case let error as ReachError:
            switch error {
            case .invalid: return APIError.badRequest("\(error)")
            case .noSuchPlan(let name, let known):
                return APIError.notFound(
                    "no reach plan named '\(name.prefix(64))'"
                        + (known.isEmpty ? "; define one with PUT /v1/reach/plans/{name}" : "; there are: \(known.joined(separator: ", "))"))
            case .alreadyDelivered: return APIError(.conflict, code: "already_delivered", "\(error)")
            case .notPlanned(let plan):
                return APIError(.conflict, code: "not_planned", "plan '\(plan)' has no schedule yet; POST \(path("/v1/reach/plans/", plan))/schedule first")
            case .badKeyFile(_, let line, let reason):
                return APIError(.conflict, code: "key_file", "a key file the plan suppresses has a bad line \(line): \(reason)")
            case .io: return APIError.internal("\(error)")
            }
        default:
            return error
        }
    }

    /// Runs `body` off the event loops, turning activation errors into API errors.
    static func run<T: Sendable>(field: String = "expression", _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await blocking {
            do { return try body() } catch { throw apiError(error, field: field) }
        }
    }
}
