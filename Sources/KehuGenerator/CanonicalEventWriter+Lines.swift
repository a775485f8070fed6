import KehuModel

/// Encodes the events of one batch into a buffer sized by ``CanonicalEventWriter``.
struct LineEncoder {
    let format: CanonicalEventWriter.Format
    var timestamps: TimestampFormatter
    let idPrefix: [UInt8]
    let withIDs: Bool
    let tables: TableFlags

    static let kindNames: [[UInt8]] = EventKind.allCases.map { Array($0.name.utf8) }
    static let jsonFieldNames: [[UInt8]] = EventField.allCases.map { Array(",\"\($0.name)\":".utf8) }

    /// Writes every event of `batch` from the start of `out`; returns the bytes written.
    mutating func encode(_ batch: EventBatch, into out: UnsafeMutablePointer<UInt8>) -> Int {
        // Columns are copied out once and nested arrays flattened: reading them through the
        // batch, or through arrays of arrays, would retain and release on every access.
        let ts = batch.ts
        let kinds = batch.kind
        let source = batch.source
        let amount = batch.amount
        let listPrice = batch.listPrice
        let quantity = batch.quantity
        let keyOffsets = batch.keyOffsets
        let keyCodes = batch.keyCodes
        let fieldCount = EventField.allCases.count
        var codes = [UInt32](repeating: 0, count: batch.count * fieldCount)
        for f in 0..<fieldCount {
            let column = batch.codes[f]
            for i in 0..<column.count { codes[i * fieldCount + f] = column[i] }
        }

        // Every string the lines need in one buffer, addressed by `starts` (and `flags`):
        // key codes first, then each field's codes from `fieldBase[f]`, then the kind names.
        var text = batch.keys.storage
        var starts = batch.keys.offsets
        var flags = tables.keys + [false]
        var fieldBase: [Int] = []
        for (f, table) in batch.tables.enumerated() {
            fieldBase.append(starts.count)
            let base = text.count
            text.append(contentsOf: table.storage)
            starts.append(contentsOf: table.offsets.map { $0 + base })
            flags.append(contentsOf: tables.fields[f] + [false])
        }
        let kindBase = starts.count
        for name in Self.kindNames {
            starts.append(text.count)
            text.append(contentsOf: name)
            starts.append(text.count)
        }
        let jsonNameBase = starts.count
        for name in Self.jsonFieldNames {
            starts.append(text.count)
            text.append(contentsOf: name)
            starts.append(text.count)
        }

        var p = 0
        text.withUnsafeBufferPointer { s in
            for i in 0..<ts.count {
                let kindStart = starts[kindBase + 2 * Int(kinds[i].rawValue)]
                let kindEnd = starts[kindBase + 2 * Int(kinds[i].rawValue) + 1]
                let firstKey = Int(keyOffsets[i])
                let endKey = Int(keyOffsets[i + 1])
                if format == .csv {
                    if withIDs { p = writeID(source: source[i], out, p) }
                    out[p] = UInt8(ascii: ",")
                    p = timestamps.write(ts[i], to: out, at: p + 1)
                    out[p] = UInt8(ascii: ",")
                    p += 1
                    var quoted = false
                    for k in firstKey..<endKey where flags[Int(keyCodes[k])] { quoted = true }
                    if quoted {
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    for k in firstKey..<endKey {
                        if k > firstKey {
                            out[p] = UInt8(ascii: "|")
                            p += 1
                        }
                        let code = Int(keyCodes[k])
                        p = writeCSV(s, starts[code], starts[code + 1], doubleQuotes: quoted, out, p)
                    }
                    if quoted {
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    out[p] = UInt8(ascii: ",")
                    p = writeCSV(s, kindStart, kindEnd, doubleQuotes: false, out, p + 1)
                    for f in 0..<fieldCount {
                        out[p] = UInt8(ascii: ",")
                        p += 1
                        let code = Int(codes[i * fieldCount + f])
                        if code == 0 { continue }
                        let index = fieldBase[f] + code
                        if flags[index] {
                            out[p] = UInt8(ascii: "\"")
                            p = writeCSV(s, starts[index], starts[index + 1], doubleQuotes: true, out, p + 1)
                            out[p] = UInt8(ascii: "\"")
                            p += 1
                        } else {
                            p = writeCSV(s, starts[index], starts[index + 1], doubleQuotes: false, out, p)
                        }
                    }
                    out[p] = UInt8(ascii: ",")
                    p += 1
                    if amount[i] != Money.unknownFen { p = ByteFormatting.writeYuan(amount[i], to: out, at: p) }
                    out[p] = UInt8(ascii: ",")
                    p += 1
                    if listPrice[i] != Money.unknownFen { p = ByteFormatting.writeYuan(listPrice[i], to: out, at: p) }
                    out[p] = UInt8(ascii: ",")
                    p += 1
                    if quantity[i] != 0 { p = ByteFormatting.writeInteger(Int64(quantity[i]), to: out, at: p) }
                    out[p] = UInt8(ascii: "\n")
                    p += 1
                } else {
                    out[p] = UInt8(ascii: "{")
                    p += 1
                    if withIDs {
                        p = copy(Self.eventIDName, out, p)
                        p = writeID(source: source[i], out, p)
                        out[p] = UInt8(ascii: "\"")
                        out[p + 1] = UInt8(ascii: ",")
                        p += 2
                    }
                    p = copy(Self.tsName, out, p)
                    p = timestamps.write(ts[i], to: out, at: p)
                    p = copy(Self.keysName, out, p)
                    for k in firstKey..<endKey {
                        if k > firstKey {
                            out[p] = UInt8(ascii: ",")
                            p += 1
                        }
                        let code = Int(keyCodes[k])
                        p = writeJSONString(s, starts[code], starts[code + 1], escape: flags[code], out, p)
                    }
                    p = copy(Self.kindName, out, p)
                    p = writeCSV(s, kindStart, kindEnd, doubleQuotes: false, out, p)
                    out[p] = UInt8(ascii: "\"")
                    p += 1
                    for f in 0..<fieldCount {
                        let code = Int(codes[i * fieldCount + f])
                        if code == 0 { continue }
                        let index = fieldBase[f] + code
                        p = writeCSV(s, starts[jsonNameBase + 2 * f], starts[jsonNameBase + 2 * f + 1], doubleQuotes: false, out, p)
                        p = writeJSONString(s, starts[index], starts[index + 1], escape: flags[index], out, p)
                    }
                    if amount[i] != Money.unknownFen {
                        p = copy(Self.amountName, out, p)
                        p = ByteFormatting.writeYuan(amount[i], to: out, at: p)
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    if listPrice[i] != Money.unknownFen {
                        p = copy(Self.listPriceName, out, p)
                        p = ByteFormatting.writeYuan(listPrice[i], to: out, at: p)
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    if quantity[i] != 0 {
                        p = copy(Self.quantityName, out, p)
                        p = ByteFormatting.writeInteger(Int64(quantity[i]), to: out, at: p)
                    }
                    out[p] = UInt8(ascii: "}")
                    out[p + 1] = UInt8(ascii: "\n")
                    p += 2
                }
            }
        }
        return p
    }

    static let eventIDName = Array("\"event_id\":\"".utf8)
    static let tsName = Array("\"ts\":\"".utf8)
    static let keysName = Array("\",\"keys\":[".utf8)
    static let kindName = Array("],\"kind\":\"".utf8)
    static let amountName = Array(",\"amount\":\"".utf8)
    static let listPriceName = Array(",\"list_price\":\"".utf8)
    static let quantityName = Array(",\"quantity\":".utf8)

    @inline(__always)
    private func writeID(source: Int64, _ out: UnsafeMutablePointer<UInt8>, _ position: Int) -> Int {
        let p = copy(idPrefix, out, position)
        return ByteFormatting.writeInteger(source - 1, to: out, at: p)
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], _ out: UnsafeMutablePointer<UInt8>, _ position: Int) -> Int {
        bytes.withUnsafeBytes { ByteFormatting.write($0, to: out, at: position) }
    }

    /// Copies `s[start..<end]`, doubling quotes when the field is quoted.
    @inline(__always)
    private func writeCSV(
        _ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, doubleQuotes: Bool,
        _ out: UnsafeMutablePointer<UInt8>, _ position: Int
    ) -> Int {
        if !doubleQuotes {
            return ByteFormatting.write(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: s[start..<end])), to: out, at: position)
        }
        var p = position
        for i in start..<end {
            out[p] = s[i]
            p += 1
            if s[i] == UInt8(ascii: "\"") {
                out[p] = s[i]
                p += 1
            }
        }
        return p
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// Writes `"value"` with JSON escapes when needed.
    @inline(__always)
    private func writeJSONString(
        _ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, escape: Bool,
        _ out: UnsafeMutablePointer<UInt8>, _ position: Int
    ) -> Int {
        var p = position
        out[p] = UInt8(ascii: "\"")
        p += 1
        if !escape {
            p = ByteFormatting.write(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: s[start..<end])), to: out, at: p)
        } else {
            for i in start..<end {
                let b = s[i]
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out[p] = UInt8(ascii: "\\")
                    out[p + 1] = b
                    p += 2
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    out[p] = UInt8(ascii: "\\")
                    out[p + 1] = b == UInt8(ascii: "\n") ? UInt8(ascii: "n") : b == UInt8(ascii: "\r") ? UInt8(ascii: "r") : UInt8(ascii: "t")
                    p += 2
                case 0..<0x20:
                    for (j, c) in "\\u00".utf8.enumerated() { out[p + j] = c }
                    out[p + 4] = Self.hex[Int(b >> 4)]
                    out[p + 5] = Self.hex[Int(b & 15)]
                    p += 6
                default:
                    out[p] = b
                    p += 1
                }
            }
        }
        out[p] = UInt8(ascii: "\"")
        return p + 1
    }
}
