import KehuModel

/// Events laid out for the line encoder: plain columns plus every string they use in one text
/// buffer, addressed by string id. Built either from an ``EventBatch`` or straight from simulated
/// events (which skips interning and fingerprints: a file needs neither).
struct EventRows {
    var ts: [Int64] = []
    var kinds: [EventKind] = []
    var sources: [Int64] = []
    var amounts: [Int64] = []
    var listPrices: [Int64] = []
    var quantities: [Int32] = []
    /// `keyOffsets[i] ..< keyOffsets[i + 1]` index ``keyStrings`` for event `i`.
    var keyOffsets: [Int] = [0]
    var keyStrings: [Int] = []
    /// Per event, one string id per ``EventField`` (row-major); 0 = absent.
    var fieldStrings: [Int] = []
    /// String `s` is `text[starts[s] ..< starts[s + 1]]`; string 0 is empty.
    var text: [UInt8] = []
    var starts: [Int] = [0, 0]
    /// Per string, whether it needs quoting (CSV) or escaping (JSON).
    var special: [Bool] = [false]

    static let fieldCount = EventField.allCases.count

    var count: Int { ts.count }

    init() {}

    /// Adds a string table's strings; code `c >= 1` gets id `returned + c - 1`.
    mutating func add(_ table: StringTable, format: CanonicalEventWriter.Format) -> Int {
        let first = starts.count - 1
        let base = text.count
        text.append(contentsOf: table.storage)
        for code in 1..<max(1, table.codeCount) { starts.append(base + table.offsets[code + 1]) }
        markSpecial(from: first, format: format)
        return first
    }

    /// Adds one string and returns its id.
    mutating func add(_ bytes: UnsafeRawBufferPointer, format: CanonicalEventWriter.Format) -> Int {
        let id = starts.count - 1
        text.append(contentsOf: bytes)
        starts.append(text.count)
        markSpecial(from: id, format: format)
        return id
    }

    /// Computes ``special`` for strings `first...`.
    mutating func markSpecial(from first: Int, format: CanonicalEventWriter.Format) {
        text.withUnsafeBufferPointer { bytes in
            for id in first..<(starts.count - 1) {
                var needs = false
                for b in bytes[starts[id]..<starts[id + 1]] {
                    let quoting = format == .csv
                        ? b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
                        : b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20
                    if quoting {
                        needs = true
                        break
                    }
                }
                special.append(needs)
            }
        }
    }

    /// The rows of a batch.
    /// - Complexity: O(events + bytes of the batch's strings).
    init(_ batch: EventBatch, format: CanonicalEventWriter.Format) {
        ts = batch.ts
        kinds = batch.kind
        sources = batch.source
        amounts = batch.amount
        listPrices = batch.listPrice
        quantities = batch.quantity
        let keyBase = add(batch.keys, format: format)
        let offsets = batch.keyOffsets
        let codes = batch.keyCodes
        keyOffsets = offsets.map { Int($0) }
        keyStrings = codes.map { $0 == 0 ? 0 : keyBase + Int($0) - 1 }
        fieldStrings = [Int](repeating: 0, count: batch.count * Self.fieldCount)
        for f in 0..<Self.fieldCount {
            let base = add(batch.tables[f], format: format)
            let column = batch.codes[f]
            for i in 0..<column.count where column[i] != 0 {
                fieldStrings[i * Self.fieldCount + f] = base + Int(column[i]) - 1
            }
        }
    }

    /// An upper bound on the bytes ``LineEncoder`` writes for these rows: a fixed allowance per
    /// event for names, numbers, the timestamp and separators, plus per string byte two (CSV
    /// doubles quotes) or six (JSON's `\u00XX`) bytes and a little per string.
    func upperBound(format: CanonicalEventWriter.Format, idPrefixCount: Int) -> Int {
        let (fixed, perByte, perString) = format == .csv ? (160, 2, 3) : (400, 6, 4)
        var bound = count * (fixed + idPrefixCount)
        for id in keyStrings { bound += perByte * (starts[id + 1] - starts[id]) + perString }
        for id in fieldStrings where id != 0 { bound += perByte * (starts[id + 1] - starts[id]) + perString }
        return bound
    }
}
