import KehuModel

/// Writes ``EventBatch``es as the canonical event CSV or JSONL of `docs/formats.md`.
///
/// CSV: the header `event_id,ts,keys,kind,channel,touchpoint,campaign,content,sku,category,order_id,amount,list_price,quantity`,
/// then one line per event; `ts` as ISO-8601 with the zone's offset (`2026-06-18T20:00:00.000+08:00`),
/// keys joined by `|`, amounts as yuan with two decimals, absent values empty, and RFC 4180
/// quoting for any value holding a comma, quote or line break. JSONL: one object per line with the
/// same names in the same order, absent fields omitted, `keys` an array, amounts as strings
/// (`"128.50"`) so they stay exact, `quantity` a number.
public struct CanonicalEventWriter: Sendable {
    /// The file format.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case csv
        case jsonl
    }

    /// What to write as `event_id`. A batch holds fingerprints, not id text, so the text must
    /// come from a rule.
    public enum EventIDs: Sendable, Hashable {
        /// No `event_id` (empty in CSV, omitted in JSONL): readers derive one from the record.
        case omitted
        /// The generator's ids, `g<seed>-<n>`, where `n = source - 1` is the event's 1-based
        /// number in the file (the CSV header is line 1, so an event's `source` is `n + 1`).
        case generated(seed: UInt64)
    }

    /// CSV or JSONL.
    public let format: Format
    /// The zone whose offset the timestamps are written with.
    public let zone: ZoneRules
    /// Where `event_id` comes from.
    public let eventIDs: EventIDs

    /// The CSV header names, in column order.
    public static let columns = [
        "event_id", "ts", "keys", "kind", "channel", "touchpoint", "campaign", "content", "sku", "category",
        "order_id", "amount", "list_price", "quantity",
    ]

    /// A writer; ``BrandSimulator/writer(_:)`` gives the one that reproduces the simulator's files.
    public init(format: Format = .csv, zone: ZoneRules = .shanghai, eventIDs: EventIDs = .omitted) {
        self.format = format
        self.zone = zone
        self.eventIDs = eventIDs
    }

    /// The bytes that start a file: the header line for CSV, nothing for JSONL.
    public var header: [UInt8] {
        format == .csv ? Array((Self.columns.joined(separator: ",") + "\n").utf8) : []
    }

    /// The lines of every event of `batch`, each ending in `\n`.
    /// - Throws: ``GeneratorError/keyContainsSeparator(source:)`` for a key containing `|` (CSV only).
    /// - Complexity: O(events + bytes of the batch's strings).
    public func encode(_ batch: EventBatch) throws(GeneratorError) -> [UInt8] {
        if format == .csv, let bad = Self.firstEventWithPipeKey(batch) {
            throw .keyContainsSeparator(source: batch.source[bad])
        }
        return encode(EventRows(batch, format: format))
    }

    /// The bytes of `batch` as text, header included (for tests and small outputs).
    public func text(_ batch: EventBatch) throws(GeneratorError) -> String {
        String(decoding: header + (try encode(batch)), as: UTF8.self)
    }

    /// Encodes rows whose keys are known to be free of `|`.
    func encode(_ rows: EventRows) -> [UInt8] {
        let idPrefix: [UInt8]
        switch eventIDs {
        case .omitted: idPrefix = []
        case .generated(let seed): idPrefix = Array("g\(seed)-".utf8)
        }
        let bound = rows.upperBound(format: format, idPrefixCount: idPrefix.count)
        var encoder = LineEncoder(
            format: format, timestamps: TimestampFormatter(zone: zone), idPrefix: idPrefix, withIDs: eventIDs != .omitted)
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, written in
            written = encoder.encode(rows, into: buffer.baseAddress!)
            precondition(written <= bound, "event line bound exceeded")
        }
    }

    static func firstEventWithPipeKey(_ batch: EventBatch) -> Int? {
        let table = batch.keys
        var bad = [Bool](repeating: false, count: table.codeCount)
        var any = false
        for code in 1..<max(1, table.codeCount) where table.storage[table.offsets[code]..<table.offsets[code + 1]].contains(UInt8(ascii: "|")) {
            bad[code] = true
            any = true
        }
        guard any else { return nil }
        for i in 0..<batch.count where batch.keyCodes(of: i).contains(where: { bad[Int($0)] }) { return i }
        return nil
    }
}
