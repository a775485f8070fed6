import Foundation
import KehuIngest
import KehuModel
import Testing

/// Paths of the hand-written fixtures.
enum Fixture {
    static func path(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/" + name, withExtension: nil)!.path
    }
}

/// Decodes a whole file into one chunk.
func decodeAll(path: String, format: InputFormat, options: DecodeOptions = DecodeOptions()) throws -> DecodedChunk {
    try EventDecoder(path: path, format: format, options: options).decodeAll()
}

/// Decodes text in memory into one chunk.
func decodeAll(_ text: String, format: InputFormat = .csv, options: DecodeOptions = DecodeOptions()) throws -> DecodedChunk {
    try EventDecoder(bytes: Array(text.utf8), source: "test", format: format, options: options).decodeAll()
}

/// Every chunk of text in memory, separately.
func decodeChunks(_ text: String, format: InputFormat = .csv, options: DecodeOptions) throws -> [DecodedChunk] {
    var chunks: [DecodedChunk] = []
    try decodeBytes(Array(text.utf8), source: "test", format: format, options: options) { chunks.append($0) }
    return chunks
}

/// The canonical header, for tests that build CSV text.
let canonicalHeader = "event_id,ts,keys,kind,channel,touchpoint,campaign,content,sku,category,order_id,amount,list_price,quantity"

/// A fingerprint built from the rule in docs/formats.md, independently of the decoder: the digest
/// of the canonical content, then of its hex with the occurrence number.
func expectedDerivedFingerprint(_ parts: [String], occurrence: Int) -> EventFingerprint {
    let content = EventFingerprint.derived(from: (["v1"] + parts).joined(separator: "\u{1F}"))
    return EventFingerprint.derived(from: content.hex + "#\(occurrence)")
}

extension DecodedChunk {
    /// `line: field` of every reject, for compact expectations.
    var rejectSummary: [String] { rejects.map { "\($0.line): \($0.field)" } }
}

/// Asserts two batches hold the same events with the same codes and tables.
func expectIdentical(_ a: EventBatch, _ b: EventBatch, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    #expect(a.fingerprint == b.fingerprint, sourceLocation: sourceLocation)
    #expect(a.ts == b.ts, sourceLocation: sourceLocation)
    #expect(a.kind == b.kind, sourceLocation: sourceLocation)
    #expect(a.keyOffsets == b.keyOffsets, sourceLocation: sourceLocation)
    #expect(a.keyCodes == b.keyCodes, sourceLocation: sourceLocation)
    #expect(a.keys == b.keys, sourceLocation: sourceLocation)
    #expect(a.codes == b.codes, sourceLocation: sourceLocation)
    #expect(a.tables == b.tables, sourceLocation: sourceLocation)
    #expect(a.amount == b.amount, sourceLocation: sourceLocation)
    #expect(a.listPrice == b.listPrice, sourceLocation: sourceLocation)
    #expect(a.quantity == b.quantity, sourceLocation: sourceLocation)
    #expect(a.source == b.source, sourceLocation: sourceLocation)
}
