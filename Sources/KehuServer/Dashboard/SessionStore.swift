import Foundation
import Synchronization

/// Dashboard sessions: a random token in an HttpOnly cookie, mapped in memory to the workspace
/// and the digest of the key that signed in. Sessions end after 12 hours, at sign-out, when the
/// key is revoked (checked on every page) or when the server restarts.
final class SessionStore: Sendable {
    struct Session: Sendable {
        var workspace: String
        var keyDigest: String
        var expires: ContinuousClock.Instant
    }

    static let cookieName = "kehu_session"
    static let lifetimeSeconds = 12 * 3600

    private let sessions = Mutex<[String: Session]>([:])

    /// Starts a session and returns its token (32 hex digits, 128 random bits).
    func start(workspace: String, keyDigest: String) -> String {
        let token = APIKey.generate(workspace: "s").secret
        let session = Session(workspace: workspace, keyDigest: keyDigest, expires: .now + .seconds(Self.lifetimeSeconds))
        sessions.withLock { sessions in
            let now = ContinuousClock.now
            sessions = sessions.filter { $0.value.expires > now }
            sessions[token] = session
        }
        return token
    }

    /// The live session of a token, or nil.
    func session(_ token: String) -> Session? {
        sessions.withLock { sessions in
            guard let session = sessions[token] else { return nil }
            guard session.expires > .now else {
                sessions[token] = nil
                return nil
            }
            return session
        }
    }

    func end(_ token: String) {
        _ = sessions.withLock { $0.removeValue(forKey: token) }
    }
}
