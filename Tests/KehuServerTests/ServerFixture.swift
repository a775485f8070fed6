import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import KehuModel
import Logging
import Synchronization
import KehuStore
import KehuTesting
import NIOCore
@testable import KehuServer

/// Two workspaces, `a` and `b`, in one data directory, with keys of each role, and the router
/// over them (no flusher service: tests flush when they mean to).
struct ServerFixture {
    let dir: TemporaryDirectory
    let a: Workspace
    let b: Workspace
    let aWrite: APIKey
    let aRead: APIKey
    let bWrite: APIKey
    let bRead: APIKey
    let limits: ServerLimits
    /// The dashboard's sign-in links of the fixture's router.
    let links = SignInLinks()

    init(aRecords: [EventRecord] = [], bRecords: [EventRecord] = [], limits: ServerLimits = .default) throws {
        dir = TemporaryDirectory(prefix: "kehu-server")
        a = try Workspace(dataDirectory: dir.path, name: "brand_a", create: true)
        b = try Workspace(dataDirectory: dir.path, name: "brand-b", create: true)
        if !aRecords.isEmpty { try ingest(aRecords, into: a) }
        if !bRecords.isEmpty { try ingest(bRecords, into: b) }
        aWrite = try APIKey.create(role: .write, in: a)
        aRead = try APIKey.create(role: .read, in: a)
        bWrite = try APIKey.create(role: .write, in: b)
        bRead = try APIKey.create(role: .read, in: b)
        self.limits = limits
    }

    /// The application over the fixture's data directory; its log lines go to `log`.
    func app(log: LogCapture = LogCapture()) -> some ApplicationProtocol {
        Application(
            router: KehuServer.router(registry: WorkspaceRegistry(dataDirectory: dir.path), limits: limits, signInLinks: links),
            logger: Logger(label: "kehu-test") { _ in CapturingLogHandler(capture: log) })
    }

    /// Runs `body` with an in-process client (`.router` test mode).
    func withClient(log: LogCapture = LogCapture(), _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await app(log: log).test(.router, body)
    }
}

/// The Segment SDK convention: the key as the basic-auth user, empty password.
func basic(_ key: APIKey) -> HTTPFields {
    [.authorization: "Basic " + Data((key.text + ":").utf8).base64EncodedString(), .contentType: "application/json"]
}

func bearer(_ key: APIKey) -> HTTPFields {
    [.authorization: "Bearer " + key.text]
}

func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a parsed JSON value.
    var json: JSONValue { (try? JSONValue.parse(body.readableBytesView)) ?? .null }

    /// The error message of a JSON error body.
    var errorMessage: String? {
        if case .string(let message)? = json["error"]?["message"] { return message }
        return nil
    }
}

/// Inbox records of a workspace waiting for a flush, in order.
func inboxRecords(_ workspace: Workspace) throws -> [EventRecord] {
    try Inbox.pendingEntries(in: workspace).flatMap(\.events)
}

/// Keeps log lines (level, message and metadata) in memory instead of printing them.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var entries: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let text = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(event.message) \(text)")
    }
}
