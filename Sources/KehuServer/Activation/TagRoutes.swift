import Foundation
import Hummingbird
import KehuActivation
import KehuIngest
import KehuModel
import KehuStore

/// `/v1/tags`: list, show, define, import and delete tags, as `kehu tag` does.
struct TagRoutes: Sendable {
    let authenticator: Authenticator

    typealias A = ActivationRoutes

    /// An import body holds identity keys: up to 16 MB (some 300,000 keys).
    static let maxImportBytes = 16 * 1024 * 1024
    /// Bad keys reported one by one in an import's answer (the rest are counted).
    static let badKeysShown = 20

    func register(on router: Router<KehuRequestContext>) {
        router.get("/v1/tags") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let asOf = try A.day(try A.query(request, allowed: ["as-of"], of: "GET /v1/tags")["as-of"])
            let body = try await A.run { () throws -> [UInt8] in
                let report = try TagListReport.compute(TagStore(workspace: served.workspace), try served.snapshots.snapshot(), asOf: asOf)
                return try A.document(of: report).serialized()
            }
            return Response.json(body)
        }
        router.get("/v1/tags/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .read)
            let name = A.pathName(context)
            let asOf = try A.day(try A.query(request, allowed: ["as-of"], of: "GET /v1/tags/{name}")["as-of"])
            let body = try await A.run { () throws -> [UInt8] in
                let store = TagStore(workspace: served.workspace)
                guard let tag = try store.tag(named: name) else { throw ActivationError.unknownTag(name, defined: try store.list().map(\.name)) }
                let snapshot = try served.snapshots.snapshot()
                let day = asOf ?? snapshot.dataDays?.last ?? Day(index: 0)
                let started = ContinuousClock.now
                let set = try store.members(of: name, in: snapshot, asOf: day)
                let report = ConsumerSetReport.compute(
                    subject: "tag", name: name, kind: tag.kind.rawValue, expression: tag.expression, description: tag.description,
                    set: set, evaluationMilliseconds: Self.milliseconds(ContinuousClock.now - started), snapshot, asOf: day)
                return try A.document(of: report).serialized()
            }
            return Response.json(body)
        }
        router.put("/v1/tags/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let body = try await A.object(request, allowed: ["expression", "description"], what: "a tag definition")
            guard let expression = try A.string(body, "expression") else {
                throw APIError.badRequest("expression: missing (the tag's rule, e.g. \"stage = L and sum(pay, 365d) > 2000\")")
            }
            let description = try A.string(body, "description") ?? ""
            let (tag, created) = try await A.run { () throws -> (TagDefinition?, Bool) in
                let store = TagStore(workspace: served.workspace)
                let existed = try store.tag(named: name) != nil
                try store.define(name: name, expression: expression, description: description)
                return (try store.tag(named: name), !existed)
            }
            guard let tag else { throw APIError.internal("the tag was defined but cannot be read back") }
            return Response.json(try Self.document(of: tag).serialized(), status: created ? .created : .ok)
        }
        router.post("/v1/tags/{name}/import") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: Self.maxImportBytes) } catch {
                throw APIError.tooLarge("the body is larger than \(Self.maxImportBytes / 1024 / 1024) MB; import the keys in several tags, or with kehu tag import")
            }
            // Off the event loops: hashing a few hundred thousand phones takes a while.
            let (keys, summary, created) = try await A.run { () throws -> (ImportKeys, TagImportSummary, Bool) in
                let keys = try Self.importKeys(buffer.readableBytesView, hasher: served.hasher)
                let store = TagStore(workspace: served.workspace)
                let existed = try store.tag(named: name) != nil
                return (keys, try store.importKeys(name: name, keys: keys.keys, description: keys.description), !existed)
            }
            let answer: JSONValue = .object([
                "name": .s(name), "given": .int(keys.given), "bad": .int(keys.bad.count),
                "badKeys": .array(keys.bad.prefix(Self.badKeysShown).map { .object(["index": .int($0.index), "reason": .s($0.reason)]) }),
                "keys": .int(summary.keys), "matched": .int(summary.matched), "notInStore": .int(summary.notInStore),
                "path": .s(A.path("/v1/tags/", name)),
            ])
            return Response.json(answer.serialized(), status: created ? .created : .ok)
        }
        router.delete("/v1/tags/{name}") { request, context in
            let served = try await authenticator.authorize(request, context: context, need: .write)
            let name = A.pathName(context)
            try await A.run { try TagStore(workspace: served.workspace).delete(name: name) }
            return Response.json(JSONValue.object(["deleted": .s(name)]).serialized())
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    /// A tag as stored, with its `path`.
    static func document(of tag: TagDefinition) throws -> JSONValue {
        guard case .object(var members) = try A.json(tag) else { return .null }
        members["path"] = .s(A.path("/v1/tags/", tag.name))
        return .object(members)
    }

    /// The keys of an import body, hashed as at ingest.
    struct ImportKeys: Sendable {
        var keys: [IdentityKey] = []
        /// Entries given.
        var given = 0
        /// Entries that are not a key: their index and why (never the value).
        var bad: [(index: Int, reason: String)] = []
        var description = ""
    }

    /// An import body: a JSON list of keys, or `{"keys": [...], "key-type": "phone", "description": "..."}`.
    /// Keys are `type:value` (`member:1001`, `phone:13800138000`) or, with `key-type`, raw values of
    /// that type; phones and emails are hashed with the workspace's salt, as at ingest.
    static func importKeys(_ bytes: some Collection<UInt8>, hasher: KeyHasher) throws(APIError) -> ImportKeys {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch { throw .badRequest("\(error)") }
        var result = ImportKeys()
        var type: IdentityKeyType?
        let list: [JSONValue]
        switch json {
        case .array(let items):
            list = items
        case .object(let members):
            let fields = ["keys", "key-type", "description"]
            if let unknown = members.keys.sorted().first(where: { !fields.contains($0) }) {
                throw .badRequest("\(unknown.prefix(40)): not a field of a tag import; the fields are \(fields.joined(separator: ", "))")
            }
            guard let keys = members["keys"] else { throw .badRequest("keys: missing (a list of identity keys, e.g. [\"member:1001\"])") }
            guard case .array(let items) = keys else { throw .badRequest("keys: expected a list of strings, got \(keys.typeName)") }
            list = items
            if let name = try A.string(members, "key-type") {
                guard let parsed = IdentityKeyType(name: name) else {
                    throw .badRequest("key-type: expected one of \(IdentityKeyType.allNames) (got '\(name.prefix(20))')")
                }
                type = parsed
            }
            result.description = try A.string(members, "description") ?? ""
        default:
            throw .badRequest("body: expected a list of identity keys or an object with keys, got \(json.typeName)")
        }
        guard !list.isEmpty else { throw .badRequest("keys: the list is empty; give at least one identity key") }
        for (index, item) in list.enumerated() {
            result.given += 1
            guard case .string(let text) = item else {
                result.bad.append((index, "expected a string, got \(item.typeName)"))
                continue
            }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            do {
                if let type {
                    result.keys.append(try hasher.identityKey(type: type, value: trimmed))
                } else {
                    result.keys.append(try hasher.identityKey(raw: trimmed))
                }
            } catch {
                result.bad.append((index, "\(error)"))
            }
        }
        guard !result.keys.isEmpty else {
            let first = result.bad.first.map { " (keys[\($0.index)]: \($0.reason))" } ?? ""
            throw .badRequest("keys: none of the \(result.given) keys is valid\(first); nothing was imported")
        }
        return result
    }
}
