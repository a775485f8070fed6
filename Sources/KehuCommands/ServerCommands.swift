import ArgumentParser
import Foundation
import KehuAnalytics
import KehuModel
import KehuServer
import KehuStore
import Logging

/// A command whose work is asynchronous (the server); the executable awaits
/// ``runAsynchronously()`` instead of calling the synchronous `run()`.
public protocol AsynchronousCommand: Sendable {
    func runAsynchronously() async throws
}

struct ServeCommand: AsyncParsableCommand, AsynchronousCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP server: Segment-compatible ingestion and the query API.",
        discussion: """
            Serves every workspace of the data directory; an API key (kehu keys create) names \
            its workspace. Stops gracefully on SIGTERM or SIGINT after flushing the inbox. \
            docs/api.md describes the endpoints.
            """)

    @Option(name: .long, help: ArgumentHelp("The data directory holding the workspaces.", valueName: "dir"))
    var data: String = "./kehu-data"

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port; the chosen one is printed).")
    var port: Int = 8080

    @Option(help: ArgumentHelp("Seconds between moves of the inbox into segments.", valueName: "seconds"))
    var flushInterval: Int = 5

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0-65535 (got \(port)).") }
        guard flushInterval >= 1 else { throw ValidationError("--flush-interval must be at least 1 second.") }
    }

    func run() async throws { try await runAsynchronously() }

    func runAsynchronously() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let path = data.hasPrefix("/") ? data : FileManager.default.currentDirectoryPath + "/" + data
        let configuration = ServerConfiguration(
            dataDirectory: URL(fileURLWithPath: path).standardizedFileURL.path, host: host, port: port, flushInterval: .seconds(flushInterval))
        let host = host
        let app = KehuServer.application(configuration: configuration, logger: Logger(label: "kehu")) { port in
            // Tests and scripts that start the server with --port 0 read the port from this line.
            Terminal.error("kehu serve: listening on http://\(host):\(port)")
        }
        Terminal.error("kehu serve: data \(configuration.dataDirectory)")
        try await app.runService()
    }
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, list and revoke a workspace's API keys (read or write).",
        subcommands: [KeysCreateCommand.self, KeysListCommand.self, KeysRevokeCommand.self])
}

extension APIKeyRole: ExpressibleByArgument {}

struct KeysCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API key and print it once.",
        discussion: """
            A read key queries the analyses; a write key also ingests (use it as the Segment \
            write key). Only the key's SHA-256 digest is stored: copy the key now.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "read or write.")
    var role: APIKeyRole

    @Flag(help: "Create the workspace when it does not exist yet (for a brand that only sends events over HTTP).")
    var createWorkspace = false

    func run() throws {
        let workspace = try global.openWorkspace(create: createWorkspace)
        let key = try APIKey.create(role: role, in: workspace)
        print(key.text)
        Terminal.error("\(role.rawValue) key for workspace \(workspace.name); Kehu keeps only its digest and cannot show it again.")
    }
}

struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a workspace's API keys by prefix (never the keys themselves).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let workspace = try global.openWorkspace()
        let keys = try APIKeyStore.list(in: workspace)
        guard !keys.isEmpty else {
            print("no API keys in workspace \(workspace.name); create one with kehu keys create --role read|write")
            return
        }
        var table = TextTable(headers: ["prefix", "role", "created", "status"], alignments: [.left, .left, .left, .left])
        for key in keys {
            table.rows.append([
                key.prefix, key.role.rawValue, Timestamp.format(key.createdAt, zone: workspace.zone).prefix(19).replacingOccurrences(of: "T", with: " "),
                key.revokedAt.map { "revoked " + Timestamp.format($0, zone: workspace.zone).prefix(10) } ?? "active",
            ])
        }
        print(table.render())
    }
}

struct KeysRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke an API key by its prefix (as kehu keys list shows it).",
        discussion: "A running server stops accepting the key within 10 seconds.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The key's prefix, e.g. kh_brand_3f9a1c2e (or the whole key).", valueName: "prefix"))
    var prefix: String

    func run() throws {
        let workspace = try global.openWorkspace()
        let given = APIKey(prefix)?.prefix ?? prefix
        guard try APIKeyStore.revoke(prefix: given, in: workspace) else {
            Terminal.error("kehu keys revoke: no active key with prefix \(given.prefix(60)) in workspace \(workspace.name); see kehu keys list.")
            throw ExitCode(1)
        }
        print("revoked \(given)")
    }
}
