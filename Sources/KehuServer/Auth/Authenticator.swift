import Foundation
import Hummingbird
import KehuStore

/// Finds the workspace and role of a request's API key.
///
/// Keys are read from `Authorization: Basic` (the key as the user, any password: the Segment
/// write-key convention) or `Authorization: Bearer KEY`. A key only opens the workspace it
/// names, and only if that workspace's catalogue holds its digest and it is not revoked.
struct Authenticator: Sendable {
    let registry: WorkspaceRegistry

    /// The workspace the request may use with at least `role`.
    /// - Throws: 401 without a valid key, 403 when the key's role is too weak.
    func authorize(_ request: Request, context: KehuRequestContext, need role: APIKeyRole) async throws -> ServedWorkspace {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized(
                "an API key is required: send it as the HTTP basic-auth user (the Segment write key) or as Authorization: Bearer KEY")
        }
        guard let text = Self.keyText(header), let key = APIKey(text) else {
            throw APIError.unauthorized("the API key is not valid (expected kh_WORKSPACE_SECRET from kehu keys create)")
        }
        return try await authorize(key, context: context, need: role)
    }

    /// The workspace `key` opens with at least `role`.
    func authorize(_ key: APIKey, context: KehuRequestContext, need role: APIKeyRole) async throws -> ServedWorkspace {
        let registry = registry
        let found: (ServedWorkspace, APIKeyRole)? = try await blocking {
            guard let served = try registry.served(key.workspace),
                let role = try served.role(ofDigest: key.digest)
            else { return nil }
            return (served, role)
        }
        guard let found else {
            throw APIError.unauthorized("the API key is not valid or has been revoked")
        }
        let (served, granted) = found
        context.served.value = served.workspace.name
        guard granted.allows(role) else {
            throw APIError.forbidden("this endpoint needs a \(role.rawValue) key; the key given is a \(granted.rawValue) key")
        }
        return served
    }

    /// The key in an `Authorization` header value, or nil.
    static func keyText(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "bearer":
            return parts[1].trimmingCharacters(in: .whitespaces)
        case "basic":
            guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                let credentials = String(data: data, encoding: .utf8)
            else { return nil }
            return String(credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        default:
            return nil
        }
    }
}

extension ServedWorkspace {
    /// The role of a key digest, remembered for a few seconds so busy ingestion does not read the
    /// catalogue on every request: a revoked key stops working within ``keyCacheSeconds``.
    func role(ofDigest digest: String) throws -> APIKeyRole? {
        let now = ContinuousClock.now
        if let cached = keyCache.withLock({ $0[digest] }), now - cached.checked < .seconds(Self.keyCacheSeconds) {
            return cached.role
        }
        let role = try APIKeyStore.role(ofDigest: digest, in: workspace)
        keyCache.withLock { cache in
            if cache.count > 1_000 { cache.removeAll() }
            cache[digest] = (role, now)
        }
        return role
    }

    static let keyCacheSeconds: Int64 = 10
}
