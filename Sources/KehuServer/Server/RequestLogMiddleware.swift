import Hummingbird
import Logging

/// One structured log line per request (method, path, status, duration, workspace, request id)
/// and an `X-Request-Id` response header. Never keys, query strings, bodies, phones or emails.
///
/// Errors are turned into their responses here, so the line has the real status and error
/// responses carry the request id too; errors that know no response become a JSON 500 whose
/// message does not leak internals.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = KehuRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            response = try APIError.internal("the server could not complete the request (request id \(context.id))")
                .response(from: request, context: context)
        }
        // HTTPField.Name is not re-exported by Hummingbird; built in place.
        response.headers[.init("X-Request-Id")!] = context.id
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info(
            "request",
            metadata: [
                "http.method": "\(request.method.rawValue)",
                "http.path": "\(request.uri.path)",
                "http.status": "\(response.status.code)",
                "duration_ms": "\((ms * 100).rounded() / 100)",
                "workspace": "\(context.served.value ?? "-")",
            ])
        return response
    }
}

