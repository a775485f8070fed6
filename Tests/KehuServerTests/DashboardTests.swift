import Foundation
import Hummingbird
import HummingbirdTesting
import KehuAnalytics
import KehuStore
import KehuTesting
import Testing
@testable import KehuServer

@Suite("dashboard: sign-in with a key, HttpOnly session cookie, server-rendered pages")
struct DashboardTests {
    func form(_ key: String) -> ByteBuffer {
        buffer("key=" + (key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key))
    }

    @Test("without a session / is the sign-in form (Chinese by default, English with ?lang=en); analysis pages redirect to it")
    func signedOut() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            var response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.text.contains("<html lang=\"zh-CN\">") && response.text.contains("登录") && response.text.contains("name=\"key\""))
            #expect(!response.text.contains("<script"))
            response = try await client.execute(uri: "/?lang=en", method: .get)
            #expect(response.text.contains("<html lang=\"en\">") && response.text.contains("Sign in"))
            response = try await client.execute(uri: "/analyses/aipl", method: .get)
            #expect(response.status == .seeOther && response.headers[.location] == "/?lang=zh")
            // A key in an API header is not a dashboard session.
            response = try await client.execute(uri: "/analyses/aipl", method: .get, headers: bearer(fixture.aRead))
            #expect(response.status == .seeOther)
        }
    }

    @Test("signing in with a read key sets an HttpOnly SameSite=Lax cookie; pages then show the workspace and its analyses; sign-out ends it")
    func signIn() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            var response = try await client.execute(
                uri: "/session", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: form(fixture.aRead.text))
            #expect(response.status == .seeOther)
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.hasPrefix("kehu_session=") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(!setCookie.contains(fixture.aRead.secret))
            let token = String(setCookie.dropFirst("kehu_session=".count).prefix { $0 != ";" })
            let cookie: HTTPFields = [.cookie: "kehu_session=\(token)"]

            response = try await client.execute(uri: "/", method: .get, headers: cookie)
            #expect(response.status == .ok)
            #expect(response.text.contains("brand_a"))
            // All analyses are listed on their page, each linking to its tables.
            response = try await client.execute(uri: "/analyses", method: .get, headers: cookie)
            for analysis in ServerCatalogue.all {
                #expect(response.text.contains("/analyses/\(analysis.name)"))
            }
            // One analysis as HTML tables, with the parameters it used.
            response = try await client.execute(uri: "/analyses/aipl?as-of=2026-06-20", method: .get, headers: cookie)
            #expect(response.status == .ok)
            #expect(response.text.contains("<table>") && response.text.contains("2026-06-20") && response.text.contains("认知"))
            response = try await client.execute(uri: "/analyses/aipl?as-of=june", method: .get, headers: cookie)
            #expect(response.status == .badRequest && response.text.contains("as-of &#39;june&#39;"))
            response = try await client.execute(uri: "/analyses/nothing", method: .get, headers: cookie)
            #expect(response.status == .notFound)

            response = try await client.execute(uri: "/session/end", method: .post, headers: cookie)
            #expect(response.status == .seeOther && response.headers[.setCookie]?.contains("Max-Age=0") == true)
            response = try await client.execute(uri: "/analyses/aipl", method: .get, headers: cookie)
            #expect(response.status == .seeOther)
        }
    }

    @Test("a wrong key is refused with the form again (401); B's key signs in to B's dashboard only")
    func refused() async throws {
        let fixture = try ServerFixture(aRecords: QueryTests.records)
        try await fixture.withClient { client in
            var response = try await client.execute(uri: "/session", method: .post, body: form("kh_brand_a_" + String(repeating: "0", count: 32)))
            #expect(response.status == .unauthorized && response.text.contains("name=\"key\""))
            response = try await client.execute(uri: "/session", method: .post, body: form("hello"))
            #expect(response.status == .unauthorized)
            // B's key opens B's dashboard, never A's.
            response = try await client.execute(uri: "/session", method: .post, body: form(fixture.bRead.text))
            let bCookie = String(response.headers[.setCookie]!.prefix { $0 != ";" })
            response = try await client.execute(uri: "/", method: .get, headers: [.cookie: bCookie])
            #expect(response.text.contains("brand-b") && !response.text.contains("brand_a"))
        }
    }
}
