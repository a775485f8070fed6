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
        return Encoded(
            requestID: requestID, eventCount: events.count, linkCount: links.count,
            record: InboxEntryCoding.encode(events: events, links: links))
    }
}

/// How an inbox entry (one request) is stored in `entry.record`, little-endian: the marker byte
/// `0xE1`; the number of events and of identity links (varints); each event as a varint length
/// and its ``InboxRecordCoding`` bytes; each link as a varint length and its
/// ``InboxLinkCoding`` bytes (or, for links moved from an earlier version, their JSON).
enum InboxEntryCoding {
    static let marker: UInt8 = 0xE1

    /// - Complexity: O(bytes of the records).
    static func encode(events: [EventRecord], links: [IdentityLinkRecord]) -> Data {
        var out: [UInt8] = [marker]
        out.reserveCapacity(8 + events.count * 160 + links.count * 160)
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
            scratch.removeAll(keepingCapacity: true)
            InboxLinkCoding.encode(link, into: &scratch)
            InboxRecordCoding.appendVarint(scratch.count, to: &out)
            out.append(contentsOf: scratch)
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
            for index in 0..<linkCount {
                do {
                    links.append(try InboxLinkCoding.decode(bytes: try slice("identity link \(index)")))
                } catch {
                    throw InboxRecordError("identity link \(index): \(error)")
                }
            }
            guard reader.offset == raw.count else { throw InboxRecordError("\(raw.count - reader.offset) bytes after the entry") }
            return links
        }
    }
}

/// How an identity link is stored in an inbox entry, little-endian: the marker byte `0xB2`; ts
/// (Int64); the number of keys (varint) and each key (varint length, UTF-8); a byte 1 when a
/// previous id follows (varint length, UTF-8), else 0. Links moved from an earlier version are
/// JSON (first byte `{`) and still read.
enum InboxLinkCoding {
    static let marker: UInt8 = 0xB2

    static func encode(_ link: IdentityLinkRecord, into out: inout [UInt8]) {
        out.append(marker)
        InboxRecordCoding.append(UInt64(bitPattern: link.ts), to: &out)
        InboxRecordCoding.appendVarint(link.keys.count, to: &out)
        for key in link.keys { InboxRecordCoding.appendString(key, to: &out) }
        if let previous = link.previousID {
            out.append(1)
            InboxRecordCoding.appendString(previous, to: &out)
        } else {
            out.append(0)
        }
    }

    static func decode(bytes raw: UnsafeRawBufferPointer) throws -> IdentityLinkRecord {
        guard let first = raw.first else { throw InboxRecordError("the link is empty") }
        if first == UInt8(ascii: "{") { return try JSONDecoder().decode(IdentityLinkRecord.self, from: Data(raw)) }
        guard first == marker else { throw InboxRecordError("unknown link format (first byte \(first))") }
        var reader = InboxRecordCoding.Reader(bytes: raw, offset: 1)
        let ts = Int64(bitPattern: try reader.uint64())
        let keyCount = try reader.varint()
        guard keyCount <= 64 else { throw InboxRecordError("\(keyCount) identity keys") }
        var keys: [String] = []
        keys.reserveCapacity(keyCount)
        for _ in 0..<keyCount { keys.append(try reader.string()) }
        let previous = try reader.byte() == 1 ? try reader.string() : nil
        guard reader.offset == raw.count else { throw InboxRecordError("\(raw.count - reader.offset) bytes after the link") }
        return IdentityLinkRecord(ts: ts, keys: keys, previousID: previous)
    }
}
