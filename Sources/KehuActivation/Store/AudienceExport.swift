import GRDB
import KehuModel
import KehuStore

/// Where an audience is sent, and the identity key type that channel can address.
public enum ExportChannel: String, Sendable, Codable, CaseIterable {
    case tmall, jd, douyin
    case wechatMP = "wechat_mp"
    case sms, email
    /// The brand's own CRM / member system.
    case crm

    /// The key type the channel takes.
    public var keyType: IdentityKeyType {
        switch self {
        case .tmall, .jd, .douyin: .buyer
        case .wechatMP: .openid
        case .sms: .phone
        case .email: .email
        case .crm: .member
        }
    }

    /// The buyer-id prefix that marks a platform's ids when a workspace files several platforms'
    /// buyer ids under `buyer:` (`tm_`, `jd_`, `dy_`); nil for other channels.
    public var buyerPrefix: String? {
        switch self {
        case .tmall: "tm_"
        case .jd: "jd_"
        case .douyin: "dy_"
        default: nil
        }
    }

    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The keys of an audience for one channel: one key per consumer who has one.
public struct AudienceExport: Sendable {
    public var channel: ExportChannel
    /// Consumer id and the key chosen, in consumer id order.
    public var rows: [(consumerID: UInt32, key: IdentityKey)]
    /// Consumers in the audience.
    public var consumers: Int
    /// Consumers without a key the channel can use (not exported).
    public var withoutKey: Int

    /// Picks one key per member of `set`: the channel's key type; for platform channels a buyer id
    /// carrying another platform's prefix is skipped and one carrying this platform's prefix is
    /// preferred; then the earliest first seen, then the smallest key id.
    /// - Complexity: one pass over the workspace's keys of that type.
    public static func compute(_ set: ConsumerSet, in snapshot: Snapshot, workspace: Workspace, channel: ExportChannel) throws(ActivationError) -> AudienceExport {
        let others = ExportChannel.allCases.compactMap(\.buyerPrefix).filter { $0 != channel.buyerPrefix }
        var best: [Int: (rank: Int, firstSeen: Int64, id: Int64, value: String)] = [:]
        do {
            try workspace.catalogue.writer.read { db in
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT consumer_id, id, value, first_seen FROM identity_key WHERE type = ?",
                    arguments: [Int64(channel.keyType.rawValue)])
                while let row = try rows.next() {
                    guard let c = snapshot.denseIndex(ofConsumer: UInt32(row[0] as Int64)), set.contains(c) else { continue }
                    let value: String = row[2]
                    if others.contains(where: { value.hasPrefix($0) }) { continue }
                    let rank = channel.buyerPrefix.map { value.hasPrefix($0) ? 0 : 1 } ?? 0
                    let candidate = (rank: rank, firstSeen: row[3] as Int64, id: row[1] as Int64, value: value)
                    if let current = best[c], (current.rank, current.firstSeen, current.id) <= (candidate.rank, candidate.firstSeen, candidate.id) {
                        continue
                    }
                    best[c] = candidate
                }
            }
        } catch {
            throw .store("the identity keys cannot be read: \(error)")
        }
        let rows = best.keys.sorted().map { c in
            (consumerID: snapshot.consumerIDs[c], key: IdentityKey(type: channel.keyType, value: best[c]!.value))
        }
        let consumers = set.count
        return AudienceExport(channel: channel, rows: rows, consumers: consumers, withoutKey: consumers - rows.count)
    }

    /// CSV: `consumer_id,key_type,key` with a header, one row per consumer.
    public func csv() -> String {
        var out = "consumer_id,key_type,key\n"
        for row in rows { out += "\(row.consumerID),\(row.key.type.name),\(row.key.value)\n" }
        return out
    }
}
