import Foundation
import Hummingbird
import KehuAnalytics
import KehuModel
import KehuPlan
import Logging
import KehuStore

/// The dashboard: `GET /` (sign-in, then the overview), a page per ``DashboardPage``,
/// `GET /analyses/{name}` (any analysis as tables), `POST /session` (sign in with a key: an
/// HttpOnly session cookie), `GET /session/link` (a single-use sign-in link) and
/// `POST /session/end`. Chinese by default, `?lang=en` for English. Server-rendered, no
/// JavaScript; charts are SVG from KehuCharts.
struct DashboardRoutes: Sendable {
    let authenticator: Authenticator
    let links: SignInLinks
    let sessions = SessionStore()
    /// Analysis pages drawn on each workspace's current snapshot.
    let pageCache = DashboardPageCache()

    func register(on router: Router<KehuRequestContext>) {
        router.get("/") { request, context in
            guard let served = try await signedIn(request, context: context) else {
                return Self.html(HTML.signInPage(language: DashboardQuery(request).language, error: nil))
            }
            return try await page(.overview, served: served, request: request, context: context)
        }
        for page in DashboardPage.allCases where page != .overview {
            router.get(RouterPath(page.path)) { request, context in
                guard let served = try await signedIn(request, context: context) else { return Self.signInRedirect(request) }
                return try await self.page(page, served: served, request: request, context: context)
            }
        }
        router.get("/analyses/{name}") { request, context in
            guard let served = try await signedIn(request, context: context) else { return Self.signInRedirect(request) }
            return try await analysis(context.parameters.get("name") ?? "", served: served, request: request)
        }
        router.post("/session") { request, context in
            let language = DashboardQuery(request).language
            let form = try await request.body.collect(upTo: 4_096)
            let key = Self.formValue("key", in: String(buffer: form)) ?? ""
            guard let apiKey = APIKey(key.trimmingCharacters(in: .whitespaces)) else {
                return Self.html(HTML.signInPage(language: language, error: language.text("密钥格式不对（应为 kh_工作区_32位十六进制）。", "That is not a Kehu key (kh_WORKSPACE_32 hex digits).")), status: .unauthorized)
            }
            let served: ServedWorkspace
            do { served = try await authenticator.authorize(apiKey, context: context, need: .read) } catch {
                return Self.html(HTML.signInPage(language: language, error: language.text("密钥无效或已吊销。", "The key is not valid or has been revoked.")), status: .unauthorized)
            }
            return startSession(workspace: served.workspace.name, keyDigest: apiKey.digest, next: "/?lang=\(language.rawValue)")
        }
        router.get("/session/link") { request, context in
            let query = request.uri.queryParameters
            let language = DashboardQuery(request).language
            let refused = Self.html(
                HTML.signInPage(language: language, error: language.text("登录链接无效、已用过或已过期；请用密钥登录。", "The sign-in link is not valid, already used or expired; sign in with your key.")),
                status: .unauthorized)
            guard let token = query["token"].map(String.init), let pending = links.redeem(token) else { return refused }
            let registry = authenticator.registry
            let valid: Bool = try await blocking {
                guard let served = try registry.served(pending.workspace) else { return false }
                return try served.role(ofDigest: pending.keyDigest) != nil
            }
            guard valid else { return refused }
            context.served.value = pending.workspace
            return startSession(workspace: pending.workspace, keyDigest: pending.keyDigest, next: SignInLinks.safeNext(query["next"].map(String.init)))
        }
        router.post("/session/end") { request, _ in
            if let token = request.cookies[SessionStore.cookieName]?.value { sessions.end(token) }
            var response = Response(status: .seeOther, headers: [.location: "/"])
            response.setCookie(Cookie(name: SessionStore.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax))
            return response
        }
    }

    func startSession(workspace: String, keyDigest: String, next: String) -> Response {
        let token = sessions.start(workspace: workspace, keyDigest: keyDigest)
        var response = Response(status: .seeOther, headers: [.location: next])
        response.setCookie(Cookie(name: SessionStore.cookieName, value: token, maxAge: SessionStore.lifetimeSeconds, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    /// One page, drawn off the event loop on the workspace's current snapshot.
    func page(_ page: DashboardPage, served: ServedWorkspace, request: Request, context: KehuRequestContext) async throws -> Response {
        let query = DashboardQuery(request)
        let requestID = context.id
        let logger = context.logger
        let cache = pageCache
        @Sendable func draw(_ snapshot: Snapshot) throws -> (String, Bool) {
            let language = query.language
            let title = page.title(language)
            let workspace = served.workspace.name
            guard let dataDays = snapshot.dataDays else {
                let body = page == .analyses
                    ? HTML.emptyState(workspace: workspace, language: language) + AnalysesPage.index(PageContext.empty(served.workspace, snapshot, query))
                    : HTML.emptyState(workspace: workspace, language: language)
                return (HTML.page(title: title, current: page, query: query, workspace: workspace, dates: nil, body: body, path: page.path), false)
            }
            let dates: DashboardDates
            do { dates = try DashboardDates.resolve(query, dataDays: dataDays) } catch {
                let fallback = try DashboardDates.resolve(DashboardQuery(language: language), dataDays: dataDays)
                var cleared = query
                cleared.values = query.pageValues
                return (HTML.page(title: title, current: page, query: cleared, workspace: workspace, dates: fallback,
                                  body: HTML.errorCard("\(error)", language: language), path: page.path), true)
            }
            let pageContext = PageContext(snapshot: snapshot, workspace: served.workspace, query: query, dates: dates)
            var body: String
            var failed = false
            do { body = try page.render(pageContext) } catch let failure as PageFailure {
                body = failure.html
                failed = true
            } catch {
                if !Self.isUserError(error) { logger.error("dashboard page failed", metadata: ["page": "\(page.rawValue)", "error": "\(error)"]) }
                body = HTML.errorCard(Self.message(error, requestID: requestID), language: language)
                failed = true
            }
            return (HTML.page(title: title, current: page, query: query, workspace: workspace, dates: page.showsDateBar ? dates : nil, body: body, path: page.path), failed)
        }
        let (html, failed) = try await blocking { () throws -> (String, Bool) in
            let snapshot = try served.snapshots.snapshot()
            let workspace = served.workspace.name
            guard page.isSnapshotOnly else { return try draw(snapshot) }
            let key = query.cacheKey(page)
            if let drawn = cache.page(workspace: workspace, snapshot: snapshot, key: key) { return (drawn.html, drawn.failed) }
            let (html, failed) = try draw(snapshot)
            // A failed page may be the server's fault (logged in draw): drawn again next time.
            if !failed { cache.store(.init(html: html, failed: false), workspace: workspace, snapshot: snapshot, key: key) }
            return (html, failed)
        }
        return Self.html(html, status: failed ? .badRequest : .ok)
    }

    /// `/analyses/{name}`: one analysis of the catalogue as tables.
    func analysis(_ name: String, served: ServedWorkspace, request: Request) async throws -> Response {
        let query = DashboardQuery(request)
        let language = query.language
        let workspace = served.workspace.name
        guard let analysis = ServerCatalogue.all.first(where: { $0.name == name }) else {
            let html = HTML.page(title: name, current: .analyses, query: query, workspace: workspace, dates: nil,
                                 body: HTML.errorCard(AnalysisError.unknownAnalysis(name).description, language: language), path: "/analyses")
            return Self.html(html, status: .notFound)
        }
        let (html, failed) = try await blocking { () throws -> (String, Bool) in
            let snapshot = try served.snapshots.snapshot()
            let (body, failed) = snapshot.dataDays == nil
                ? (HTML.emptyState(workspace: workspace, language: language), false)
                : AnalysesPage.analysis(analysis, snapshot: snapshot, query: query)
            return (HTML.page(title: analysis.title, current: .analyses, query: query, workspace: workspace, dates: nil, body: body,
                              path: "/analyses/\(analysis.name)"), failed)
        }
        return Self.html(html, status: failed ? .badRequest : .ok)
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

    /// Errors whose description is a sentence for the person using the page.
    static func isUserError(_ error: any Error) -> Bool {
        error is AnalysisError || error is PlanError || error is CustomerValueError
    }

    /// What a page shows for an error: the sentence of a user error, else a generic line with the
    /// request id (the details go to the log, never to the page).
    static func message(_ error: any Error, requestID: String? = nil) -> String {
        if isUserError(error) { return "\(error)" }
        return "the page could not be computed" + (requestID.map { " (request id \($0))" } ?? "") + "; the server log has the details."
    }

    static func signInRedirect(_ request: Request) -> Response {
        Response(status: .seeOther, headers: [.location: "/?lang=\(DashboardQuery(request).language.rawValue)"])
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

extension PageContext {
    /// A context for pages that need no data (the list of analyses on an empty workspace).
    static func empty(_ workspace: Workspace, _ snapshot: Snapshot, _ query: DashboardQuery) -> PageContext {
        let today = Day(index: 0)
        return PageContext(snapshot: snapshot, workspace: workspace, query: query,
                           dates: DashboardDates(asOf: today, period: DayRange(today, today), dataDays: DayRange(today, today)))
    }
}
