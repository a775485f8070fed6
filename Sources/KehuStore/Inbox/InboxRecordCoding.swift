import Foundation
import KehuModel

/// How an inbox event is stored in `inbox.record`: a compact binary form, written and read in
/// well under a microsecond (JSON through Foundation's coders cost ~10 µs per event each way,
/// a fifth of a core at 100,000 events a second). Rows written as JSON by earlier versions
/// (first byte `{`) are still read.
///
/// Binary form, little-endian: the marker byte `0xB1`; fingerprint high and low (UInt64 each);
/// ts (Int64); kind (UInt8); the number of keys (varint) and each key (varint length, UTF-8);
/// a UInt16 of flags for the optional fields in order channel, touchpoint, campaign, content,
/// sku, category, order_id (strings: varint length, UTF-8), amount, list price (Int64), quantity
/// (Int32).
enum InboxRecordCoding {
    static let marker: UInt8 = 0xB1
    /// The optional string fields, flag bits 0-6 (fixed here: the stored layout must not follow
    /// later additions to ``EventField``).
    static let stringFields: [EventField] = [.channel, .touchpoint, .campaign, .content, .sku, .category, .orderID]

    /// - Complexity: O(bytes of the record).
    static func encode(_ record: EventRecord) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(96 + record.keys.reduce(0) { $0 + $1.utf8.count + 2 })
        encode(record, into: &out)
        return Data(out)
    }

    /// Appends the binary form of a record to `out`.
    static func encode(_ record: EventRecord, into out: inout [UInt8]) {
        out.append(marker)
        append(record.fingerprint.high, to: &out)
        append(record.fingerprint.low, to: &out)
        append(UInt64(bitPattern: record.ts), to: &out)
        out.append(record.kind.rawValue)
        appendVarint(record.keys.count, to: &out)
        for key in record.keys { appendString(key, to: &out) }
        // The fields in the order of ``stringFields`` (flag bits 0-6), read directly: a lookup by
        // `EventField` copies each string out of the record, twice per field.
        let strings = (record.channel, record.touchpoint, record.campaign, record.content, record.sku, record.category, record.orderID)
        var flags: UInt16 = 0
        if strings.0 != nil { flags |= 1 << 0 }
        if strings.1 != nil { flags |= 1 << 1 }
        if strings.2 != nil { flags |= 1 << 2 }
        if strings.3 != nil { flags |= 1 << 3 }
        if strings.4 != nil { flags |= 1 << 4 }
        if strings.5 != nil { flags |= 1 << 5 }
        if strings.6 != nil { flags |= 1 << 6 }
        if record.amount != nil { flags |= 1 << 7 }
        if record.listPrice != nil { flags |= 1 << 8 }
        if record.quantity != nil { flags |= 1 << 9 }
        out.append(UInt8(truncatingIfNeeded: flags))
        out.append(UInt8(truncatingIfNeeded: flags >> 8))
        if let value = strings.0 { appendString(value, to: &out) }
        if let value = strings.1 { appendString(value, to: &out) }
        if let value = strings.2 { appendString(value, to: &out) }
        if let value = strings.3 { appendString(value, to: &out) }
        if let value = strings.4 { appendString(value, to: &out) }
        if let value = strings.5 { appendString(value, to: &out) }
        if let value = strings.6 { appendString(value, to: &out) }
        if let amount = record.amount { append(UInt64(bitPattern: amount), to: &out) }
        if let listPrice = record.listPrice { append(UInt64(bitPattern: listPrice), to: &out) }
        if let quantity = record.quantity { append(UInt64(UInt32(bitPattern: quantity)), to: &out, bytes: 4) }
    }

    /// Reads a record in either form; the error says what is wrong with the bytes.
    /// - Complexity: O(bytes of the record).
    static func decode(_ data: Data) throws -> EventRecord {
        guard let first = data.first else { throw InboxRecordError("the record is empty") }
        if first == UInt8(ascii: "{") { return try JSONDecoder().decode(EventRecord.self, from: data) }
        return try data.withUnsafeBytes { raw in try decode(bytes: raw) }
    }

    /// Reads a record in either form from raw bytes.
    static func decode(bytes raw: UnsafeRawBufferPointer) throws -> EventRecord {
        guard let first = raw.first else { throw InboxRecordError("the record is empty") }
        if first == UInt8(ascii: "{") { return try JSONDecoder().decode(EventRecord.self, from: Data(raw)) }
        var keys: [String] = []
        var strings: [(EventField, String)] = []
        let fixed = try walk(
            raw, key: { keys.append(String(decoding: $0, as: UTF8.self)) },
            field: { strings.append(($0, String(decoding: $1, as: UTF8.self))) })
        var record = EventRecord(fingerprint: fixed.fingerprint, ts: fixed.ts, kind: fixed.kind, keys: keys)
        for (field, value) in strings { record[field] = value }
        record.amount = fixed.amount
        record.listPrice = fixed.listPrice
        record.quantity = fixed.quantity
        return record
    }

    /// Appends a record straight to a batch: in binary form its strings are interned from the
    /// bytes (no `String` is made); a JSON record of an earlier version goes through
    /// ``decode(bytes:)``. `keyScratch` is reused between calls.
    /// - Complexity: O(bytes of the record).
    static func decode(
        bytes raw: UnsafeRawBufferPointer, into batch: inout EventBatch, source: Int64, keyScratch: inout [UInt32]
    ) throws {
        guard let first = raw.first else { throw InboxRecordError("the record is empty") }
        if first == UInt8(ascii: "{") {
            batch.append(try decode(bytes: raw), source: source)
            return
        }
        keyScratch.removeAll(keepingCapacity: true)
        var fieldCodes = SIMD8<UInt32>(repeating: 0)
        let fixed = try walk(
            raw,
            key: { key in
                // An empty key text would be code 0 ("absent"): it is not a key, so it is left out.
                if !key.isEmpty { keyScratch.append(batch.keys.intern(key)) }
            },
            field: { field, value in fieldCodes[field.rawValue] = batch.tables[field.rawValue].intern(value) })
        batch.append(
            fingerprint: fixed.fingerprint, ts: fixed.ts, kind: fixed.kind, keyCodes: keyScratch, fieldCodes: fieldCodes,
            amount: fixed.amount ?? Money.unknownFen, listPrice: fixed.listPrice ?? Money.unknownFen,
            quantity: fixed.quantity ?? 0, source: source)
    }

    /// Reads a record in binary form: `key` gets each identity key's bytes and `field` each
    /// string field present, in order; the fixed-width fields are returned.
    private static func walk(
        _ raw: UnsafeRawBufferPointer, key: (UnsafeRawBufferPointer) -> Void,
        field: (EventField, UnsafeRawBufferPointer) -> Void
    ) throws -> (fingerprint: EventFingerprint, ts: Int64, kind: EventKind, amount: Int64?, listPrice: Int64?, quantity: Int32?) {
        guard let first = raw.first, first == marker else {
            throw InboxRecordError("unknown record format (first byte \(raw.first ?? 0))")
        }
        var reader = Reader(bytes: raw, offset: 1)
        let high = try reader.uint64()
        let low = try reader.uint64()
        let ts = Int64(bitPattern: try reader.uint64())
        let kindValue = try reader.byte()
        guard let kind = EventKind(rawValue: kindValue) else { throw InboxRecordError("unknown event kind \(kindValue)") }
        let keyCount = try reader.varint()
        guard keyCount <= 64 else { throw InboxRecordError("\(keyCount) identity keys") }
        for _ in 0..<keyCount { key(try reader.byteString()) }
        let flags = UInt16(try reader.byte()) | UInt16(try reader.byte()) << 8
        for (bit, name) in stringFields.enumerated() where flags & (1 << bit) != 0 {
            field(name, try reader.byteString())
        }
        let amount = flags & (1 << 7) != 0 ? Int64(bitPattern: try reader.uint64()) : nil
        let listPrice = flags & (1 << 8) != 0 ? Int64(bitPattern: try reader.uint64()) : nil
        let quantity = flags & (1 << 9) != 0 ? Int32(bitPattern: UInt32(try reader.uint64(bytes: 4))) : nil
        guard reader.offset == raw.count else { throw InboxRecordError("\(raw.count - reader.offset) bytes after the record") }
        return (EventFingerprint(high: high, low: low), ts, kind, amount, listPrice, quantity)
    }

    static func append(_ value: UInt64, to out: inout [UInt8], bytes: Int = 8) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0.prefix(bytes)) }
    }

    static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var v = UInt64(value)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            appendVarint(utf8.count, to: &out)
            out.append(contentsOf: utf8)
        }
    }

    /// Reads from a byte buffer, throwing instead of reading past its end.
    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset: Int

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw InboxRecordError("the record ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func uint64(bytes count: Int = 8) throws -> UInt64 {
            guard offset + count <= bytes.count else { throw InboxRecordError("the record ends early") }
            var value: UInt64 = 0
            for i in 0..<count { value |= UInt64(bytes[offset + i]) << (8 * i) }
            offset += count
            return value
        }

        mutating func varint() throws -> Int {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                value |= UInt64(b & 0x7f) << shift
                if b < 0x80 { break }
                shift += 7
                guard shift < 35 else { throw InboxRecordError("a length is too large") }
            }
            return Int(value)
        }

        /// A length-prefixed byte string, without copying.
        mutating func byteString() throws -> UnsafeRawBufferPointer {
            let length = try varint()
            guard offset + length <= bytes.count else { throw InboxRecordError("a string runs past the end of the record") }
            defer { offset += length }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
        }

        mutating func string() throws -> String { String(decoding: try byteString(), as: UTF8.self) }
    }
}

/// An inbox record whose bytes cannot be read.
struct InboxRecordError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Inbox {
    /// Reads one `inbox.record` value (binary or the JSON of earlier versions), for tools and
    /// tests that look at the inbox table directly.
    public static func decodeRecord(_ data: Data) throws -> EventRecord {
        try InboxRecordCoding.decode(data)
    }
}
