/// Limits on what one request may send.
public struct ServerLimits: Sendable, Hashable {
    /// Largest request body, in bytes (Segment's batch limit: 500 KB). Larger bodies get 413.
    public var maxBodyBytes: Int
    /// Most messages in one `/v1/batch` (more get 400).
    public var maxBatchLength: Int

    public init(maxBodyBytes: Int = 500 * 1024, maxBatchLength: Int = 2_500) {
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchLength = maxBatchLength
    }

    public static let `default` = ServerLimits()
}

/// How `kehu serve` runs.
public struct ServerConfiguration: Sendable {
    /// The data directory holding the workspaces.
    public var dataDirectory: String
    public var host: String
    public var port: Int
    public var limits: ServerLimits
    /// How often the inbox of each open workspace is moved into segments.
    public var flushInterval: Duration

    public init(
        dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080, limits: ServerLimits = .default,
        flushInterval: Duration = .seconds(5)
    ) {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.limits = limits
        self.flushInterval = flushInterval
    }
}
