import Foundation
import Hummingbird
import KehuModel
import KehuStore
import NIOCore

/// `POST /v1/batch`, `/v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`: the Segment HTTP
/// tracking API, so Segment and RudderStack SDKs can send to Kehu unchanged.
///
/// A request is all or nothing: every message is checked first, and one bad message rejects the
/// whole request with a 400 naming it (`batch[3].timestamp: ...`); nothing of it is stored. The
/// 200 `{"success": true}` is sent only after the inbox transaction has committed.
struct IngestionRoutes: Sendable {
    let authenticator: Authenticator
    let limits: ServerLimits

    static let singleMessageTypes = ["track", "identify", "page", "screen", "alias", "group"]

    func register(on router: Router<KehuRequestContext>) {
        router.post("/v1/batch") { request, context in
            try await ingest(request, context: context, type: nil)
        }
        for type in Self.singleMessageTypes {
            router.post("/v1/\(type)") { request, context in
                try await ingest(request, context: context, type: type)
            }
        }
    }

    func ingest(_ request: Request, context: KehuRequestContext, type: String?) async throws -> Response {
        let served = try await authenticator.authorize(request, context: context, need: .write)
        let body = try await decodedBody(request)
        let tape: JSONTape
        do { tape = try JSONTape(parsing: body) } catch { throw APIError.badRequest("\(error)") }

        var messages: [JSONTape.Index] = []
        var mapper = SegmentMessageMapper(
            mapping: served.mapping, hasher: served.hasher, zone: served.workspace.zone,
            receivedAt: Int64(Date().timeIntervalSince1970 * 1000), tape: tape)
        if type == nil {
            let top = tape.root
            guard tape.kind(top) == .object else { throw APIError.badRequest("body: expected an object with a batch array") }
            guard let batch = tape.member(top, "batch") else { throw APIError.badRequest("batch: missing (expected an array of messages)") }
            guard tape.kind(batch) == .array else { throw APIError.badRequest("batch: expected an array, got \(tape.typeName(batch))") }
            messages = tape.elements(batch)
            guard messages.count <= limits.maxBatchLength else {
                throw APIError.badRequest("batch: \(messages.count) messages; at most \(limits.maxBatchLength) are accepted per request")
            }
            // Batch-level context applies to messages that carry none (analytics-python sends it).
            mapper.sharedContext = tape.member(top, "context")
        } else {
            messages.append(tape.root)
        }

        var records: [EventRecord] = []
        records.reserveCapacity(messages.count + 8)
        var links: [IdentityLinkRecord] = []
        var ignored: [IngestionReceipt.Ignored] = []
        for (index, message) in messages.enumerated() {
            switch try mapper.map(message, path: type == nil ? "batch[\(index)]" : "", type: type) {
            case .events(let events): records += events
            case .link(let link): links.append(link)
            case .ignored(let reason): ignored.append(.init(index: index, reason: reason))
            }
        }
        if !records.isEmpty || !links.isEmpty {
            do {
                // Committed (with other requests' entries, in one transaction) before the answer.
                _ = try await served.inbox.append(InboxEntry(requestID: context.id, events: records, links: links))
            } catch let error as StoreError {
                if case .invalidArgument(let message) = error { throw APIError.badRequest(message) }
                throw error
            }
        }
        let receipt = IngestionReceipt(
            stored: records.count, linked: links.count, ignored: ignored.isEmpty ? nil : Array(ignored.prefix(100)))
        return .json(receipt.json.serialized())
    }

    /// The body, decompressed when it says `Content-Encoding: gzip` (or `deflate`); the size
    /// limit applies to the body as sent and again to the decompressed body.
    func decodedBody(_ request: Request) async throws -> [UInt8] {
        let encoding = request.headers[.contentEncoding]?.trimmingASCIISpaces().lowercased()
        let compressed: Bool
        switch encoding {
        case nil, "", "identity": compressed = false
        case "gzip", "x-gzip", "deflate": compressed = true
        case let other?:
            throw APIError(
                .unsupportedMediaType, code: "unsupported_encoding",
                "Content-Encoding \(other.prefix(20)) is not supported; send gzip or an uncompressed body")
        }
        let body = try await readBody(request)
        guard compressed else { return Array(body.readableBytesView) }
        do {
            return try BodyDecompression.inflate(body.readableBytesView, limit: limits.maxBodyBytes)
        } catch .tooLarge {
            throw APIError.tooLarge(
                "the body is larger than \(limits.maxBodyBytes) bytes once decompressed; at most \(limits.maxBodyBytes) bytes are accepted per request (send smaller batches)")
        } catch .corrupt(let reason) {
            throw APIError.badRequest("body: Content-Encoding \(encoding ?? "gzip"), but \(reason)")
        }
    }

    /// The body, refusing more than the limit with 413 before reading it all when the length is declared.
    func readBody(_ request: Request) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limits.maxBodyBytes {
            throw APIError.tooLarge("the body is \(declared) bytes; at most \(limits.maxBodyBytes) bytes are accepted per request (send smaller batches)")
        }
        do {
            return try await request.body.collect(upTo: limits.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge("the body is larger than allowed; at most \(limits.maxBodyBytes) bytes are accepted per request (send smaller batches)")
        }
    }
}

/// The answer to an ingestion request.
struct IngestionReceipt: Encodable {
    struct Ignored: Encodable {
        /// The message's index in the batch (0 for single-message endpoints).
        var index: Int
        var reason: String
    }
    var success = true
    /// Events appended to the inbox (an `Order Completed` counts two: the order and the payment).
    var stored: Int
    /// identify and alias messages whose identity keys were queued for linking.
    var linked: Int
    /// Messages acknowledged but not stored (first 100), e.g. group calls and unmapped event names.
    var ignored: [Ignored]?

    /// The receipt as JSON, as `JSONEncoder.sorted` would write it (serialised by hand: a
    /// Foundation encoder per request cost 2.5% of the server's CPU under load).
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "success": .bool(success), "stored": .number(String(stored)), "linked": .number(String(linked)),
        ]
        if let ignored {
            members["ignored"] = .array(ignored.map { .object(["index": .number(String($0.index)), "reason": .string($0.reason)]) })
        }
        return .object(members)
    }
}

extension JSONEncoder {
    /// Sorted keys, slashes unescaped: stable output for tests and diffs.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
