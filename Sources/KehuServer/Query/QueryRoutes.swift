import Foundation
import Hummingbird
import KehuAnalytics
import KehuStore

/// `GET /v1/analyses` and `GET /v1/analyses/{name}`: every analysis of ``AnalysisCatalogue/all``,
/// with the same parameter names as the CLI, as JSON. New analyses appear without changes here.
struct QueryRoutes: Sendable {
    let authenticator: Authenticator

    func register(on router: Router<KehuRequestContext>) {
        router.get("/v1/analyses") { request, context in
            _ = try await authenticator.authorize(request, context: context, need: .read)
            return Response.json(Self.catalogueDocument().serialized())
        }
        router.get("/v1/analyses/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = context.parameters.get("name") ?? ""
            let analysis: Analysis
            do { analysis = try ServerCatalogue.named(name) } catch { throw APIError.notFound("\(error)") }
            var given = try Self.arguments(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            try Self.resolveFiles(&given, of: analysis, workspaceDirectory: served.workspace.directory)
            let arguments = given
            let body = try await blocking { () throws -> [UInt8] in
                let snapshot = try served.snapshots.snapshot()
                let report: any Report
                do { report = try analysis.run(snapshot, arguments) } catch { throw APIError.badRequest("\(error)") }
                return try Self.document(of: report, analysis: analysis).serialized()
            }
            return Response.json(body)
        }
    }

    /// The folder of a workspace whose files requests may name (cost files, benchmark files).
    static func filesDirectory(of workspaceDirectory: String) -> String {
        (workspaceDirectory as NSString).appendingPathComponent("files")
    }

    /// Replaces each `file` parameter's value, which must be a plain file name, by its path in
    /// the workspace's `files/` folder. A request can never make the server open a path of its
    /// choosing: no separators, no `..`, no hidden files.
    static func resolveFiles(_ arguments: inout AnalysisArguments, of analysis: Analysis, workspaceDirectory: String) throws(APIError) {
        for parameter in analysis.parameters where parameter.kind == .file {
            guard let name = arguments.values[parameter.name] else { continue }
            let plain = !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.contains("\\") && name.utf8.count <= 255
            guard plain else {
                throw .badRequest("\(parameter.name): '\(name.prefix(80))' is not a file name; over HTTP give the name of a file in the workspace's files/ folder (no paths)")
            }
            let path = (filesDirectory(of: workspaceDirectory) as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else {
                throw .badRequest("\(parameter.name): no file '\(name)' in the workspace's files/ folder")
            }
            arguments.values[parameter.name] = path
        }
    }

    /// Query items as analysis arguments; a parameter given twice is an error.
    static func arguments(_ items: [(String, String)]) throws(APIError) -> AnalysisArguments {
        var arguments = AnalysisArguments()
        for (name, value) in items {
            guard arguments.values[name] == nil else {
                throw .badRequest("\(name): given more than once; give each parameter once")
            }
            arguments.values[name] = value
        }
        return arguments
    }

    /// The report's own JSON with `analysis`, `title` and `parameters` (as shown next to it
    /// everywhere) added at the top level. Numbers keep their encoded text.
    static func document(of report: any Report, analysis: Analysis) throws -> JSONValue {
        let encoded = try JSONEncoder.sorted.encode(report)
        var members: [String: JSONValue]
        switch try JSONValue.parse(encoded) {
        case .object(let object): members = object
        case let other: members = ["result": other]
        }
        members["analysis"] = .s(analysis.name)
        members["title"] = .s(report.title)
        members["parameters"] = .array(report.parameters.map { .object(["name": .s($0.name), "value": .s($0.value)]) })
        return .object(members)
    }

    /// The catalogue as listed by `GET /v1/analyses`.
    static func catalogueDocument() -> JSONValue {
        .object([
            "analyses": .array(ServerCatalogue.all.map { analysis -> JSONValue in
                .object([
                    "name": .s(analysis.name),
                    "title": .s(analysis.title),
                    "summary": .s(analysis.summary),
                    "path": .s("/v1/analyses/\(analysis.name)"),
                    "parameters": .array(analysis.parameters.map(parameterDocument)),
                ])
            })
        ])
    }

    static func parameterDocument(_ parameter: AnalysisParameter) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .s(parameter.name), "kind": .s(parameter.kind.rawValue), "help": .s(parameter.help),
        ]
        if let value = parameter.defaultValue { members["default"] = .s(value) }
        if let choices = parameter.choices { members["choices"] = .array(choices.map(JSONValue.s)) }
        return .object(members)
    }
}
