import Hummingbird
import Logging
import Synchronization

/// Per-request state shared between the handlers and ``RequestLogMiddleware``.
public struct KehuRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The workspace the request's key opened, for the request log line.
    let served: ServedWorkspaceName

    public init(source: Source) {
        coreContext = .init(source: source)
        served = ServedWorkspaceName()
    }
}

/// The workspace name a request was authorised for: written by the handler, read by the logging
/// middleware after the handler returns.
final class ServedWorkspaceName: Sendable {
    private let name = Mutex<String?>(nil)

    var value: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}
