import Foundation
import Hummingbird
import HummingbirdTesting
import KehuCharts
import KehuModel
import KehuStore
import KehuTesting
import Logging
import Testing
@testable import KehuServer

/// The dashboard in a real browser: headless Chromium (Debian package `chromium`; `scripts/test`
/// installs it) loads every page in both languages from the real server on 127.0.0.1, signed in
/// through single-use links. Screenshots go to `.build/dashboard-screenshots/PAGE-LANG.png`.
@Suite("dashboard in headless Chromium: every page in both languages on a simulated brand")
struct DashboardBrowserTests {
    /// `.build/dashboard-screenshots` of the package this file belongs to.
    static let screenshotDirectory: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent(".build/dashboard-screenshots").path
    }()

    /// A blank 1280 × 900 page compresses to a few KB; a page with tables and charts is far larger.
    static let minimumScreenshotBytes = 30_000

    @Test("every page loads with its charts and numbers, no error, and a screenshot that is not blank")
    func everyPage() async throws {
        let chromium = try #require(
            Chromium.executable(),
            "chromium is not installed: run scripts/test, which installs it (Debian package chromium), or apt-get install chromium")
        let dir = TemporaryDirectory(prefix: "kehu-browser")
        let workspace = try Workspace(dataDirectory: dir.path, name: "demo", create: true)
        try ingestGeneratedBrand(into: workspace, consumers: 1_500, days: 400)
        // `kehu demo` defines no tags, audiences, reach plans or programme: define them here so
        // the 人群, 触达 and 会员 pages have something to show.
        try defineActivation(in: workspace, planFrom: Day(year: 2026, month: 11, day: 10))
        let consumers = try workspace.buildSnapshot().consumerCount
        let key = try APIKey.create(role: .read, in: workspace)
        let links = SignInLinks()
        try FileManager.default.createDirectory(atPath: Self.screenshotDirectory, withIntermediateDirectories: true)
        let app = Application(
            router: KehuServer.router(registry: WorkspaceRegistry(dataDirectory: dir.path), signInLinks: links),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "kehu-browser-test") { _ in CapturingLogHandler(capture: LogCapture()) })
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // HTTP status of each page through the same server, signed in with the key.
            let signIn = try await client.execute(
                uri: "/session", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "key=" + key.text))
            let cookie: HTTPFields = [.cookie: String((signIn.headers[.setCookie] ?? "").prefix { $0 != ";" })]
            var jobs: [Chromium.Job] = []
            for language in ChartLanguage.allCases {
                for page in DashboardPage.allCases {
                    let path = page.path + "?lang=\(language.rawValue)"
                    let status = try await client.execute(uri: path, method: .get, headers: cookie).status
                    #expect(status == .ok, "\(path): \(status)")
                    // Each browser run signs in afresh with its own single-use link, dumps the
                    // DOM and takes the screenshot.
                    let url = "http://127.0.0.1:\(port)" + SignInLinks.path(token: links.mint(for: key), next: path)
                    let name = "\(page.rawValue)-\(language.rawValue)"
                    jobs.append(.init(
                        name: name, page: page, language: language, url: url, screenshot: Self.screenshotDirectory + "/\(name).png",
                        charts: page.chartCount))
                }
            }
            // The audiences page with an estimate (by stage, by channel) and an overlap: 4 charts.
            let estimate = "/audiences?lang=zh&expression=" + DashboardQuery.encode("stage in (I, P) and count(cart, 30d) >= 1")
                + "&a=" + DashboardQuery.encode("加购未购") + "&b=" + DashboardQuery.encode("近期买家")
            #expect(try await client.execute(uri: estimate, method: .get, headers: cookie).status == .ok)
            jobs.append(.init(
                name: "audiences-estimate-zh", page: .audiences, language: .zh,
                url: "http://127.0.0.1:\(port)" + SignInLinks.path(token: links.mint(for: key), next: estimate),
                screenshot: Self.screenshotDirectory + "/audiences-estimate-zh.png", charts: 4))
            let results = try await Chromium.run(jobs, executable: chromium, concurrency: 4)
            for (job, output) in zip(jobs, results) {
                let size = (try? FileManager.default.attributesOfItem(atPath: job.screenshot)[.size] as? Int) ?? nil
                #expect((size ?? 0) >= Self.minimumScreenshotBytes, "\(job.name).png: \(size.map(String.init) ?? "missing") bytes")
                let dom = output
                #expect(dom.contains("<html lang=\"\(job.language.htmlLang)\">"), "\(job.name): \(dom.prefix(300))")
                #expect(!dom.contains("name=\"key\""), "\(job.name): the sign-in form instead of the page")
                #expect(!dom.contains("class=\"card error\""), "\(job.name) shows an error")
                let charts = dom.components(separatedBy: "class=\"kehu-chart kehu-chart-").count - 1
                #expect(charts == job.charts, "\(job.name): \(charts) charts, expected \(job.charts)")
                #expect(dom.contains("<h1>\(HTML.escape(job.page.title(job.language)))</h1>"), "\(job.name)")
                let text = dom.replacingOccurrences(of: "<style>[^<]*</style>", with: "", options: .regularExpression)
                    .replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
                    .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
                #expect(text.count > 600, "\(job.name): only \(text.count) characters of text")
                if job.page == .overview {
                    #expect(dom.contains(NumberFormat.count(consumers, language: job.language)), "\(job.name): consumers \(consumers)")
                }
            }
        }
    }
}

/// Runs headless Chromium as a child process, never blocking a Swift concurrency thread.
enum Chromium {
    struct Job: Sendable {
        var name: String
        var page: DashboardPage
        var language: ChartLanguage
        var url: String
        /// Where to write the screenshot (1280 × 900).
        var screenshot: String
        /// The `kehu-chart` SVGs the page should have.
        var charts: Int
    }

    /// `chromium` on the PATH (or the usual Debian location), else nil.
    static func executable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin"] {
            let candidate = "\(directory)/chromium"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the jobs, `concurrency` at a time; returns each one's standard output (the DOM).
    static func run(_ jobs: [Job], executable: String, concurrency: Int) async throws -> [String] {
        var results = [String](repeating: "", count: jobs.count)
        var next = 0
        while next < jobs.count {
            let batch = Array(next..<min(jobs.count, next + concurrency))
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in batch {
                    group.addTask { (i, try await run(jobs[i], executable: executable)) }
                }
                for try await (i, output) in group { results[i] = output }
            }
            next += concurrency
        }
        return results
    }

    static func run(_ job: Job, executable: String) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("kehu-chromium-\(UUID().uuidString)")
        let outputFile = profile.path + ".out"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: profile)
            try? FileManager.default.removeItem(atPath: outputFile)
        }
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--window-size=1280,900",
        ]
        try? FileManager.default.removeItem(atPath: job.screenshot)
        // The browser's language too: date inputs show YYYY/MM/DD in Chinese.
        arguments += ["--lang=\(job.language == .zh ? "zh-CN" : "en-US")", "--screenshot=\(job.screenshot)", "--dump-dom"]
        // A browser that does not start leaves the output empty; the checks then fail on it.
        if let process = try? ChildProcess(executable, arguments + [job.url], standardOutput: .file(outputFile), standardError: .discard) {
            // A browser that hangs is killed after a minute; the checks then fail on its output.
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) { process.send(SIGTERM) }
            await process.exited()
        }
        return (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    }
}
