import Foundation
import Hummingbird
import KehuAnalytics
import KehuStore

/// The start of the dashboard: `GET /` (sign-in, then the list of analyses),
/// `GET /analyses/{name}` (one analysis as HTML tables, with a form for its parameters),
/// `POST /session` (sign in with a read or write key: an HttpOnly session cookie) and
/// `POST /session/end`. Chinese by default, `?lang=en` for English. Server-rendered, no JavaScript.
struct DashboardRoutes: Sendable {
    let authenticator: Authenticator
    let sessions = SessionStore()

    func register(on router: Router<KehuRequestContext>) {
        router.get("/") { request, context in
            let language = Self.language(request)
            guard let served = try await signedIn(request, context: context) else {
                return Self.html(signInPage(language: language, error: nil))
            }
            return Self.html(overview(served, language: language))
        }
        router.post("/session") { request, context in
            let language = Self.language(request)
            let form = try await request.body.collect(upTo: 4_096)
            let key = Self.formValue("key", in: String(buffer: form)) ?? ""
            guard let apiKey = APIKey(key.trimmingCharacters(in: .whitespaces)) else {
                return Self.html(signInPage(language: language, error: language.text("密钥格式不对（应为 kh_工作区_32位十六进制）。", "That is not a Kehu key (kh_WORKSPACE_32 hex digits).")), status: .unauthorized)
            }
            let served: ServedWorkspace
            do { served = try await authenticator.authorize(apiKey, context: context, need: .read) } catch {
                return Self.html(signInPage(language: language, error: language.text("密钥无效或已吊销。", "The key is not valid or has been revoked.")), status: .unauthorized)
            }
            let token = sessions.start(workspace: served.workspace.name, keyDigest: apiKey.digest)
            var response = Response(status: .seeOther, headers: [.location: "/?lang=\(language.rawValue)"])
            response.setCookie(Cookie(name: SessionStore.cookieName, value: token, maxAge: SessionStore.lifetimeSeconds, path: "/", httpOnly: true, sameSite: .lax))
            return response
        }
        router.post("/session/end") { request, _ in
            if let token = request.cookies[SessionStore.cookieName]?.value { sessions.end(token) }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: SessionStore.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
            return response
        }
        router.get("/analyses/{name}") { request, context in
            let language = Self.language(request)
            guard let served = try await signedIn(request, context: context) else {
                return Response(status: .seeOther, headers: [.location: "/?lang=\(language.rawValue)"])
            }
            let name = context.parameters.get("name") ?? ""
            guard let analysis = ServerCatalogue.all.first(where: { $0.name == name }) else {
                let body = "<div class=\"card error\">\(HTML.escape(AnalysisError.unknownAnalysis(name).description))</div>"
                return Self.html(HTML.page(title: name, language: language, workspace: served.workspace.name, path: "/", body: body), status: .notFound)
            }
            var values: [String: String] = [:]
            for (key, value) in request.uri.queryParameters where key != "lang" && !value.isEmpty { values[String(key)] = String(value) }
            let arguments = AnalysisArguments(values)
            let outcome: Result<any Report, AnalysisError> = try await blocking {
                let snapshot = try served.snapshots.snapshot()
                return Result { () throws(AnalysisError) in try analysis.run(snapshot, arguments) }
            }
            return Self.html(analysisPage(analysis, outcome: outcome, values: values, served: served, language: language),
                status: (try? outcome.get()) == nil ? .badRequest : .ok)
        }
    }

    /// The workspace of the request's live session, or nil (no cookie, expired, key revoked).
    func signedIn(_ request: Request, context: KehuRequestContext) async throws -> ServedWorkspace? {
        guard let token = request.cookies[SessionStore.cookieName]?.value, let session = sessions.session(token) else { return nil }
        let registry = authenticator.registry
        let served: ServedWorkspace? = try await blocking {
            guard let served = try registry.served(session.workspace), try served.role(ofDigest: session.keyDigest) != nil else { return nil }
            return served
        }
        guard let served else {
            sessions.end(token)
            return nil
        }
        context.served.value = served.workspace.name
        return served
    }

    func signInPage(language: DashboardLanguage, error: String?) -> String {
        var body = "<div class=\"card\"><h2>\(language.text("登录", "Sign in"))</h2>"
        body += "<p class=\"muted\">\(language.text("用只读密钥登录（kehu keys create --role read）。", "Sign in with a read key (kehu keys create --role read)."))</p>"
        if let error { body += "<p class=\"error\">\(HTML.escape(error))</p>" }
        body += """
            <form method="post" action="/session?lang=\(language.rawValue)">
            <label>\(language.text("密钥", "Key")) <input type="password" name="key" size="48" autocomplete="off" required></label>
            <button type="submit">\(language.text("登录", "Sign in"))</button></form></div>
            """
        return HTML.page(title: language.text("登录", "Sign in"), language: language, workspace: nil, path: "/", body: body)
    }

    func overview(_ served: ServedWorkspace, language: DashboardLanguage) -> String {
        var body = "<div class=\"card\"><h2>\(language.text("分析", "Analyses"))</h2><ul>"
        for analysis in ServerCatalogue.all {
            body += "<li><a href=\"/analyses/\(HTML.escape(analysis.name))?lang=\(language.rawValue)\">\(HTML.escape(analysis.title))</a>"
            body += " <span class=\"muted\">\(HTML.escape(analysis.summary))</span></li>"
        }
        body += "</ul></div>"
        return HTML.page(title: language.text("总览", "Overview"), language: language, workspace: served.workspace.name, path: "/", body: body)
    }

    func analysisPage(
        _ analysis: Analysis, outcome: Result<any Report, AnalysisError>, values: [String: String], served: ServedWorkspace,
        language: DashboardLanguage
    ) -> String {
        var body = "<div class=\"card\"><form class=\"params\" method=\"get\"><input type=\"hidden\" name=\"lang\" value=\"\(language.rawValue)\">"
        for parameter in analysis.parameters {
            let type = parameter.kind == .day ? "date" : "text"
            let placeholder = parameter.defaultValue ?? ""
            body += "<label title=\"\(HTML.escape(parameter.help))\">\(HTML.escape(parameter.name))"
            body += "<input type=\"\(type)\" name=\"\(HTML.escape(parameter.name))\" value=\"\(HTML.escape(values[parameter.name] ?? ""))\" placeholder=\"\(HTML.escape(placeholder))\"></label>"
        }
        body += "<button type=\"submit\">\(language.text("更新", "Update"))</button></form></div>"
        switch outcome {
        case .success(let report):
            body += "<div class=\"card\"><h2>\(HTML.escape(report.title))</h2>"
            body += "<p class=\"muted\">\(HTML.escape(report.parameters.map { "\($0.name): \($0.value)" }.joined(separator: " · ")))</p>"
            body += HTML.tables(report.tables()) + "</div>"
        case .failure(let error):
            body += "<div class=\"card error\">\(HTML.escape(error.description))</div>"
        }
        return HTML.page(title: analysis.title, language: language, workspace: served.workspace.name, path: "/analyses/\(analysis.name)", body: body)
    }

    static func language(_ request: Request) -> DashboardLanguage {
        request.uri.queryParameters["lang"].flatMap { DashboardLanguage(rawValue: String($0)) } ?? .zh
    }

    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A value of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
