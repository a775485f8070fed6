import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The webhook adapter: one HTTP POST per send, its JSON as the body and an `Idempotency-Key`
/// header derived from (workspace, plan, consumer, send time).
///
/// - A 2xx answer means delivered.
/// - A 5xx, 408 or 429 answer, a timeout or a connection error is retried after
///   `baseDelay × 2^(attempt − 1)` (at most 30 s), up to `retries` times after the first try.
///   A retry carries the same idempotency key, so a receiver that got the first attempt but
///   whose answer was lost drops the repeat.
/// - Any other answer (400, 401, 404, 409, ...) fails the send at once: repeating it would not
///   help.
/// Failed sends stay pending and are tried again by the next delivery; delivered ones never are.
public struct WebhookDelivery: Sendable {
    public var url: URL
    public var retries: Int
    public var baseDelay: Duration
    /// Seconds before one attempt times out.
    public var timeout: TimeInterval
    /// Requests in flight at once.
    public var concurrency: Int

    public init(url: URL, retries: Int = 5, baseDelay: Duration = .milliseconds(500), timeout: TimeInterval = 10, concurrency: Int = 4) {
        self.url = url
        self.retries = retries
        self.baseDelay = baseDelay
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
    }

    /// How one send ended.
    public enum Outcome: Sendable, Hashable {
        case delivered(attempts: Int)
        /// `reason` is an HTTP status or a transport error; never the key or the body.
        case failed(reason: String, attempts: Int)

        public var attempts: Int {
            switch self {
            case .delivered(let attempts), .failed(_, let attempts): attempts
            }
        }
    }

    /// Delivers `items`, calling `record` with finished outcomes in groups of up to 100 (and
    /// once at the end), so the caller can store them as it goes: a crash loses at most the
    /// outcomes of the last group, whose sends the next run repeats under the same keys.
    /// - Returns: sends delivered and failed.
    public func deliver(
        _ items: [DeliveryItem], record: ([(item: DeliveryItem, outcome: Outcome)]) throws -> Void
    ) async throws -> (delivered: Int, failed: Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = concurrency
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var delivered = 0
        var failed = 0
        var finished: [(item: DeliveryItem, outcome: Outcome)] = []
        try await withThrowingTaskGroup(of: (DeliveryItem, Outcome).self) { group in
            var next = 0
            func start() {
                let item = items[next]
                next += 1
                group.addTask { (item, await self.send(item, session: session)) }
            }
            while next < min(concurrency, items.count) { start() }
            while let (item, outcome) = try await group.next() {
                if case .delivered = outcome { delivered += 1 } else { failed += 1 }
                finished.append((item, outcome))
                if finished.count >= 100 {
                    try record(finished)
                    finished.removeAll(keepingCapacity: true)
                }
                if next < items.count { start() }
            }
        }
        try record(finished)
        return (delivered, failed)
    }

    /// One send with its retries.
    func send(_ item: DeliveryItem, session: URLSession) async -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(item.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        request.setValue("kehu-reach", forHTTPHeaderField: "User-Agent")
        request.httpBody = item.json()
        request.timeoutInterval = timeout
        var attempt = 0
        while true {
            attempt += 1
            let reason: String
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return .delivered(attempts: attempt) }
                reason = "HTTP \(status)"
                guard status >= 500 || status == 408 || status == 429 else { return .failed(reason: reason, attempts: attempt) }
            } catch let error as URLError {
                reason = "transport error \(error.code.rawValue)"
            } catch {
                reason = "transport error"
            }
            guard attempt <= retries else { return .failed(reason: reason + " after \(attempt) attempts", attempts: attempt) }
            let factor = 1 << min(attempt - 1, 16)
            try? await Task.sleep(for: min(baseDelay * factor, .seconds(30)))
        }
    }
}
