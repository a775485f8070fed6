import Foundation
import Synchronization

/// Single-use sign-in links for the dashboard: `GET /session/link?token=...&next=/path`.
///
/// The process that runs the server mints a token for a key it holds (`kehu demo` for the key it
/// just created, browser tests for theirs); the token is 128 random bits, lives at most
/// ``defaultLifetime`` (10 minutes), works once, and is only ever in memory. It travels in the query string, which
/// the request log never writes.
public final class SignInLinks: Sendable {
    struct Pending: Sendable {
        var workspace: String
        var keyDigest: String
        var expires: ContinuousClock.Instant
    }

    /// How long a minted link works unless the links are made with another lifetime.
    public static let defaultLifetime: Duration = .seconds(600)

    /// How long each link minted here works.
    public let lifetime: Duration
    private let pending = Mutex<[String: Pending]>([:])

    public init(lifetime: Duration = SignInLinks.defaultLifetime) {
        self.lifetime = lifetime
    }

    /// A new token that signs in as `key` once, within ``lifetime``. The key must be one the
    /// workspace holds (the link is refused otherwise, and when the key is revoked meanwhile).
    public func mint(for key: APIKey) -> String {
        let token = APIKey.generate(workspace: "l").secret
        let entry = Pending(workspace: key.workspace, keyDigest: key.digest, expires: .now + lifetime)
        pending.withLock { pending in
            let now = ContinuousClock.now
            pending = pending.filter { $0.value.expires > now }
            pending[token] = entry
        }
        return token
    }

    /// The path of the link for `token`, landing on `next`.
    public static func path(token: String, next: String = "/") -> String {
        "/session/link?token=\(token)&next=\(DashboardQuery.encode(next))"
    }

    /// Takes the token's entry (it cannot be used again); nil when unknown, used or expired.
    func redeem(_ token: String) -> Pending? {
        pending.withLock { pending in
            guard let entry = pending.removeValue(forKey: token), entry.expires > .now else { return nil }
            return entry
        }
    }

    /// `next` when it is a path on this server, else `/` (no open redirect to another site).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return "/" }
        return next
    }
}
