import KehuModel
import KehuStore

/// `kehu identity KEY`: the consumer behind a key, all their keys, and where they were seen.
public struct ConsumerIdentityReport: Report, Equatable {
    public var query: String
    public var consumerID: UInt32
    public var keys: [KeyLine]
    public var channels: [ChannelLine]
    public var events: Int
    public var firstSeen: String?
    public var lastSeen: String?

    public struct KeyLine: Sendable, Equatable, Codable {
        public var key: String
        public var firstSeen: String
        public var note: String
    }

    public struct ChannelLine: Sendable, Equatable, Codable {
        public var channel: String
        public var events: Int
        public var first: String
        public var last: String
    }

    public var title: String { "Consumer \(consumerID) 消费者" }
    public var parameters: [ReportParameter] { [ReportParameter("key", query)] }

    /// - Parameters:
    ///   - query: the key as the user typed it, with phone and email values masked.
    public init(query: String, identity: ConsumerIdentity, snapshot: Snapshot) {
        self.query = query
        consumerID = identity.consumerID
        let zone = snapshot.zone
        keys = identity.keys.map { linked in
            let shown = linked.key.type.isHashedAtIngest
                ? "\(linked.key.type.name):\(linked.key.value.prefix(12))… (salted SHA-256)" : linked.key.description
            let note = linked.guardedConsumers.map { "shared by \($0) consumers: not used for linking" } ?? ""
            return KeyLine(key: shown, firstSeen: Timestamp.format(linked.firstSeen, zone: zone), note: note)
        }
        var perChannel: [String: (Int, Int64, Int64)] = [:]
        var count = 0
        var first = Int64.max, last = Int64.min
        if let dense = snapshot.denseIndex(ofConsumer: identity.consumerID) {
            for i in snapshot.events(of: dense) {
                let channel = snapshot.value(.channel, i) ?? "(none)"
                let t = snapshot.ts[i]
                let entry = perChannel[channel] ?? (0, t, t)
                perChannel[channel] = (entry.0 + 1, min(entry.1, t), max(entry.2, t))
                count += 1
                first = min(first, t)
                last = max(last, t)
            }
        }
        events = count
        firstSeen = count > 0 ? Timestamp.format(first, zone: zone) : nil
        lastSeen = count > 0 ? Timestamp.format(last, zone: zone) : nil
        channels = perChannel.map { name, value in
            ChannelLine(
                channel: name, events: value.0, first: zone.day(ofUTC: value.1).description,
                last: zone.day(ofUTC: value.2).description)
        }.sorted { ($0.events, $1.channel) > ($1.events, $0.channel) }
    }

    public func tables() -> [TextTable] {
        var keyTable = TextTable(title: "Identity keys 身份", headers: ["key", "first seen", "note"])
        keyTable.alignments = [.left, .left, .left]
        keyTable.rows = keys.map { [$0.key, $0.firstSeen, $0.note] }
        var channelTable = TextTable(title: "Channels 渠道", headers: ["channel", "events", "first day", "last day"])
        channelTable.rows = channels.map { [$0.channel, Figures.grouped($0.events), $0.first, $0.last] }
        channelTable.footnotes = ["\(Figures.grouped(events)) events" + (firstSeen.map { ", \($0) to \(lastSeen!)" } ?? "")]
        return [keyTable, channelTable]
    }
}
