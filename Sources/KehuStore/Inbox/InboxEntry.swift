import Foundation
import KehuModel

/// Identity keys that belong to one consumer, with no behaviour: what a Segment `identify`
/// (userId, anonymousId and trait keys together) or `alias` (previousId → userId) says.
///
/// Waits in the inbox like an event and is linked by the flusher in the same transaction that
/// deletes it, so an acknowledged identify is never lost. Keys are canonical (`type:value`,
/// phones and emails hashed).
public struct IdentityLinkRecord: Sendable, Hashable, Codable {
    /// When the message says the link was made (UTC ms): the first-seen time of new keys.
    public var ts: Int64
    /// Canonical keys of one consumer.
    public var keys: [String]
    /// An alias's `previousId`, resolved at flush: the `member:` key of that value when the
    /// workspace knows one, else the `anon:` key (the usual case: the anonymous id a visitor had
    /// before signing in).
    public var previousID: String?

    public init(ts: Int64, keys: [String], previousID: String? = nil) {
        self.ts = ts
        self.keys = keys
        self.previousID = previousID
    }
}

/// What one request appends to the inbox: its events and identity links, committed together.
public struct InboxEntry: Sendable {
    /// Where the entry came from (e.g. the HTTP request id), for error reports.
    public var requestID: String
    public var events: [EventRecord]
    public var links: [IdentityLinkRecord]

    public init(requestID: String, events: [EventRecord] = [], links: [IdentityLinkRecord] = []) {
        self.requestID = requestID
        self.events = events
        self.links = links
    }

    /// The entry checked and serialised, ready for a transaction.
    struct Encoded: Sendable {
        var requestID: String
        var events: [Data]
        var links: [Data]
    }

    /// Checks every key (canonical, phones and emails hashed) and serialises the records, so a
    /// group commit never fails because of one request's data.
    func encoded() throws(StoreError) -> Encoded {
        for (index, record) in events.enumerated() {
            try Inbox.validate(keys: record.keys, what: "record \(index)", requestID: requestID)
        }
        for (index, link) in links.enumerated() {
            try Inbox.validate(keys: link.keys, what: "identity link \(index)", requestID: requestID)
            if let previous = link.previousID, previous.isEmpty || previous.utf8.count > 256 {
                throw .invalidArgument("identity link \(index) of request \(requestID): previousId must be 1-256 bytes")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return Encoded(
                requestID: requestID, events: events.map(InboxRecordCoding.encode), links: try links.map { try encoder.encode($0) })
        } catch {
            throw .invalidArgument("request \(requestID) could not be encoded: \(error)")
        }
    }
}
