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

    /// The entry checked and serialised, ready for a transaction: one row of the inbox.
    struct Encoded: Sendable {
        var requestID: String
        var eventCount: Int
        var linkCount: Int
        var record: Data
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
            let links = try links.map { [UInt8](try encoder.encode($0)) }
            return Encoded(
                requestID: requestID, eventCount: events.count, linkCount: links.count,
                record: InboxEntryCoding.encode(events: events, links: links))
        } catch {
            throw .invalidArgument("request \(requestID) could not be encoded: \(error)")
        }
    }
}

/// How an inbox entry (one request) is stored in `entry.record`, little-endian: the marker byte
/// `0xE1`; the number of events and of identity links (varints); each event as a varint length
/// and its ``InboxRecordCoding`` bytes; each link as a varint length and its JSON
/// (`{"keys", "previousID"?, "ts"}`).
enum InboxEntryCoding {
    static let marker: UInt8 = 0xE1

    /// - Complexity: O(bytes of the records).
    static func encode(events: [EventRecord], links: [[UInt8]]) -> Data {
        var out: [UInt8] = [marker]
        out.reserveCapacity(8 + events.count * 160 + links.reduce(0) { $0 + $1.count + 2 })
        InboxRecordCoding.appendVarint(events.count, to: &out)
        InboxRecordCoding.appendVarint(links.count, to: &out)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(256)
        for event in events {
            scratch.removeAll(keepingCapacity: true)
            InboxRecordCoding.encode(event, into: &scratch)
            InboxRecordCoding.appendVarint(scratch.count, to: &out)
            out.append(contentsOf: scratch)
        }
        for link in links {
            InboxRecordCoding.appendVarint(link.count, to: &out)
            out.append(contentsOf: link)
        }
        return Data(out)
    }

    /// Encodes stored records as they are (for rows moved from an earlier version's tables).
    static func encode(eventRecords: [Data], links: [Data]) -> Data {
        var out: [UInt8] = [marker]
        InboxRecordCoding.appendVarint(eventRecords.count, to: &out)
        InboxRecordCoding.appendVarint(links.count, to: &out)
        for bytes in eventRecords + links {
            InboxRecordCoding.appendVarint(bytes.count, to: &out)
            out.append(contentsOf: bytes)
        }
        return Data(out)
    }

    /// Reads an entry; the error names the record of the entry that cannot be read.
    static func decode(_ data: Data) throws -> (events: [EventRecord], links: [IdentityLinkRecord]) {
        var events: [EventRecord] = []
        let links = try read(data) { bytes, _ in events.append(try InboxRecordCoding.decode(bytes: bytes)) }
        return (events, links)
    }

    /// Reads an entry's events straight into a batch (each event's source is `source`) and
    /// returns its identity links.
    static func decode(_ data: Data, into batch: inout EventBatch, source: Int64, keyScratch: inout [UInt32]) throws -> [IdentityLinkRecord] {
        try read(data) { bytes, _ in
            try InboxRecordCoding.decode(bytes: bytes, into: &batch, source: source, keyScratch: &keyScratch)
        }
    }

    /// Walks an entry: `event` gets each event's bytes and index; the links are decoded.
    private static func read(_ data: Data, event: (UnsafeRawBufferPointer, Int) throws -> Void) throws -> [IdentityLinkRecord] {
        try data.withUnsafeBytes { raw in
            var reader = InboxRecordCoding.Reader(bytes: raw, offset: 0)
            let first = try reader.byte()
            guard first == marker else { throw InboxRecordError("unknown entry format (first byte \(first))") }
            let eventCount = try reader.varint()
            let linkCount = try reader.varint()
            guard eventCount + linkCount <= raw.count else { throw InboxRecordError("\(eventCount) events and \(linkCount) links in \(raw.count) bytes") }
            func slice(_ what: String) throws -> UnsafeRawBufferPointer {
                let length = try reader.varint()
                guard reader.offset + length <= raw.count else { throw InboxRecordError("\(what) runs past the end of the entry") }
                defer { reader.offset += length }
                return UnsafeRawBufferPointer(rebasing: raw[reader.offset..<reader.offset + length])
            }
            for index in 0..<eventCount {
                do {
                    try event(try slice("event \(index)"), index)
                } catch {
                    throw InboxRecordError("event \(index): \(error)")
                }
            }
            var links: [IdentityLinkRecord] = []
            let decoder = JSONDecoder()
            for index in 0..<linkCount {
                do {
                    links.append(try decoder.decode(IdentityLinkRecord.self, from: Data(try slice("identity link \(index)"))))
                } catch {
                    throw InboxRecordError("identity link \(index): \(error)")
                }
            }
            guard reader.offset == raw.count else { throw InboxRecordError("\(raw.count - reader.offset) bytes after the entry") }
            return links
        }
    }
}
