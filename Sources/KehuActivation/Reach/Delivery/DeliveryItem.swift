import Foundation
import KehuModel

/// One send as a delivery adapter hands it on: to whom (the channel's identity key), what,
/// when, and the idempotency key that lets a receiver drop a repeat. Holds no consumer id or
/// other internal number; phones and emails are the workspace's salted digests, as stored.
public struct DeliveryItem: Sendable, Hashable, Codable {
    public var plan: String
    public var content: String
    public var channel: String
    /// The identity key type, e.g. `buyer`, `openid`, `phone` (a digest).
    public var keyType: String
    public var key: String
    /// ISO-8601 in the workspace zone, e.g. `2026-06-10T20:00:00.000+08:00`.
    public var sendAt: String
    public var sendAtMs: Int64
    public var idempotencyKey: String
    /// The stable consumer id, to record the outcome; not exported.
    public var consumerID: UInt32

    private enum CodingKeys: String, CodingKey {
        case plan, content, channel, keyType = "key_type", key, sendAt = "send_at", sendAtMs = "send_at_ms",
            idempotencyKey = "idempotency_key"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        plan = try c.decode(String.self, forKey: .plan)
        content = try c.decode(String.self, forKey: .content)
        channel = try c.decode(String.self, forKey: .channel)
        keyType = try c.decode(String.self, forKey: .keyType)
        key = try c.decode(String.self, forKey: .key)
        sendAt = try c.decode(String.self, forKey: .sendAt)
        sendAtMs = try c.decode(Int64.self, forKey: .sendAtMs)
        idempotencyKey = try c.decode(String.self, forKey: .idempotencyKey)
        consumerID = 0
    }

    public init(plan: ReachPlan, send: ReachStore.StoredSend, workspace: String, zone: ZoneRules) {
        self.plan = plan.name
        content = plan.content
        channel = plan.channel.rawValue
        let colon = send.channelKey.firstIndex(of: ":") ?? send.channelKey.startIndex
        keyType = String(send.channelKey[..<colon])
        key = colon == send.channelKey.endIndex ? send.channelKey : String(send.channelKey[send.channelKey.index(after: colon)...])
        sendAt = Timestamp.format(send.sendAt, zone: zone)
        sendAtMs = send.sendAt
        idempotencyKey = ReachHash.idempotencyKey(workspace: workspace, plan: plan.name, consumerID: send.consumerID, sendAt: send.sendAt)
        consumerID = send.consumerID
    }

    /// The sends still to deliver: treatment rows that are scheduled or failed before, by send
    /// time then consumer id. Delivered and holdout rows never come back.
    public static func pending(plan: ReachPlan, sends: [ReachStore.StoredSend], workspace: String, zone: ZoneRules) -> [DeliveryItem] {
        sends.filter { !$0.holdout && ($0.status == .scheduled || $0.status == .failed) }
            .sorted { ($0.sendAt, $0.consumerID) < ($1.sendAt, $1.consumerID) }
            .map { DeliveryItem(plan: plan, send: $0, workspace: workspace, zone: zone) }
    }

    /// The item as one JSON object (sorted keys, no consumer id).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }
}

/// The file adapter: writes the sends as JSON lines or CSV for a channel's bulk upload.
public enum FileDelivery {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, csv

        /// The format a path's extension names (`.jsonl`/`.json` or `.csv`).
        public init(path: String) throws(ReachError) {
            let lower = path.lowercased()
            if lower.hasSuffix(".csv") { self = .csv }
            else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".json") || lower.hasSuffix(".ndjson") { self = .jsonl }
            else { throw .invalid("--file \(path): the name must end in .jsonl or .csv (the format to write)") }
        }
    }

    public static let csvHeader = "plan,content,channel,key_type,key,send_at,idempotency_key"

    /// Writes `items` to `path` atomically (a temporary file renamed into place): a reader never
    /// sees half a file, and a crash leaves no partial export marked delivered.
    public static func write(_ items: [DeliveryItem], to path: String, format: Format) throws(ReachError) {
        var out = Data()
        switch format {
        case .jsonl:
            for item in items {
                out.append(item.json())
                out.append(0x0A)
            }
        case .csv:
            out.append(Data((csvHeader + "\n").utf8))
            for item in items {
                let cells = [item.plan, item.content, item.channel, item.keyType, item.key, item.sendAt, item.idempotencyKey]
                out.append(Data((cells.map(csvCell).joined(separator: ",") + "\n").utf8))
            }
        }
        do {
            try out.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func csvCell(_ cell: String) -> String {
        cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
    }
}
