import Foundation
import KehuTesting
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `kehu demo` ends by serving the dashboard: the address, a read key and a single-use link,
/// until SIGINT stops it gracefully.
@Suite("kehu demo serves the dashboard")
struct DemoServeTests {
    @Test("demo prints the dashboard address, a read key and a one-click link that signs in; SIGINT stops it with status 0")
    func serves() async throws {
        let dir = TemporaryDirectory(prefix: "kehu-demo-serve")
        // Port 0: any free port, so parallel test runs never collide.
        let process = try ChildProcess(
            try kehuExecutable(), ["demo", "--data", dir.path, "--consumers", "200", "--days", "60", "--port", "0"],
            standardOutput: .pipe, standardError: .discard)
        defer { process.send(SIGTERM) }
        let out = process.standardOutput!
        // Read stdout until the link line arrives (at most two minutes on a loaded machine).
        var text = ""
        let deadline = Date().addingTimeInterval(120)
        while !text.contains("Ctrl-C stops the server."), Date() < deadline, process.isRunning {
            let chunk = out.availableData
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) } else { text += String(decoding: chunk, as: UTF8.self) }
        }
        #expect(text.contains("AIPL"), "the headline comes first")
        let base = try #require(text.firstMatch(of: /Dashboard 看板: (http:\/\/127\.0\.0\.1:\d+)\//)?.1, "\(text.suffix(600))")
        #expect(text.firstMatch(of: /Read key 只读密钥 \(workspace default\): kh_default_[0-9a-f]{32}/) != nil)
        let link = try #require(text.firstMatch(of: /(http:\/\/127\.0\.0\.1:\d+\/session\/link\?token=[0-9a-f]{32}&next=%2F)/)?.1)
        #expect(link.hasPrefix(base))

        // The link signs in (303 with a session cookie); the cookie opens the overview with its charts.
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (_, linkResponse) = try await session.data(from: URL(string: String(link))!)
        let http = try #require(linkResponse as? HTTPURLResponse)
        #expect(http.statusCode == 303)
        let cookie = try #require(http.value(forHTTPHeaderField: "Set-Cookie")).prefix { $0 != ";" }
        var request = URLRequest(url: URL(string: base + "/")!)
        request.setValue(String(cookie), forHTTPHeaderField: "Cookie")
        let (body, pageResponse) = try await session.data(for: request)
        #expect((pageResponse as? HTTPURLResponse)?.statusCode == 200)
        let html = String(decoding: body, as: UTF8.self)
        #expect(html.contains("class=\"kehu-chart kehu-chart-") && html.contains("总览"))
        // Single use.
        let (_, again) = try await session.data(from: URL(string: String(link))!)
        #expect((again as? HTTPURLResponse)?.statusCode == 401)

        process.send(SIGINT)
        let stopBy = Date().addingTimeInterval(30)
        while process.isRunning, Date() < stopBy { try await Task.sleep(for: .milliseconds(50)) }
        #expect(process.termination == .exited(0))
    }

    @Test("demo --no-serve and demo --format json finish after the overview")
    func noServe() throws {
        let dir = TemporaryDirectory(prefix: "kehu-demo-noserve")
        let table = try runKehu(["demo", "--data", dir.path, "--consumers", "200", "--days", "60", "--no-serve"], killAfter: 300)
        #expect(table.status == 0 && !table.killed)
        #expect(table.stdout.contains("AIPL") && !table.stdout.contains("Dashboard 看板"))
        let json = try runKehu(["demo", "--data", dir.path, "--format", "json"], killAfter: 300)
        #expect(json.status == 0 && !json.killed && !json.stdout.contains("Dashboard 看板"))
    }
}

/// Hands redirects back instead of following them.
final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
