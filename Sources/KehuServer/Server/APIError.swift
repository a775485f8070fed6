import Foundation
import Hummingbird
import NIOCore

/// An error the API reports to the client as JSON: `{"success": false, "code", "message",
/// "error": {"code", "message"}}`.
///
/// Messages name the field at fault and its place in the batch (`batch[3].timestamp: ...`) and
/// never repeat a value that could be personal (phones, emails, keys).
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public let status: HTTPResponse.Status
    /// A stable machine-readable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `payload_too_large`, `internal`.
    public let code: String
    public let message: String
    /// For a mistake in an audience or tag expression: its 1-based column (in characters), sent
    /// as `column` beside `code` and in `error`.
    public var column: Int?

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, column: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.column = column
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public static func badRequest(_ message: String) -> APIError { .init(.badRequest, code: "bad_request", message) }
    public static func notFound(_ message: String) -> APIError { .init(.notFound, code: "not_found", message) }

    public static func unauthorized(_ message: String) -> APIError { .init(.unauthorized, code: "unauthorized", message) }
    public static func forbidden(_ message: String) -> APIError { .init(.forbidden, code: "forbidden", message) }
    public static func tooLarge(_ message: String) -> APIError {
        .init(.contentTooLarge, code: "payload_too_large", message)
    }
    public static func `internal`(_ message: String) -> APIError { .init(.internalServerError, code: "internal", message) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(ErrorBody(code: code, message: message, column: column, error: .init(code: code, message: message, column: column)))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized {
            headers[.wwwAuthenticate] = "Basic realm=\"kehu\", Bearer realm=\"kehu\""
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Response {
    /// A JSON response from already-encoded bytes.
    static func json(_ data: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `{"success": false, "code", "message", "error": {"code", "message"}}`: the Segment SDKs read
/// `code` and `message` at the top level (analytics-python raises them as its APIError).
private struct ErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        let column: Int?
    }
    var success = false
    let code: String
    let message: String
    let column: Int?
    let error: Detail
}
