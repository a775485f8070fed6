import KehuModel

/// Writes the lines of ``EventRows`` into a buffer sized by ``EventRows/upperBound(idPrefixCount:)``.
struct LineEncoder {
    let format: CanonicalEventWriter.Format
    var timestamps: TimestampFormatter
    let idPrefix: [UInt8]
    let withIDs: Bool

    static let kindNames: [[UInt8]] = EventKind.allCases.map { Array($0.name.utf8) }
    static let jsonFieldNames: [[UInt8]] = EventField.allCases.map { Array(",\"\($0.name)\":".utf8) }

    /// Writes every event from the start of `out`; returns the bytes written.
    mutating func encode(_ rows: EventRows, into out: UnsafeMutablePointer<UInt8>) -> Int {
        // Local copies: the loop then indexes plain arrays without retaining them per access.
        let ts = rows.ts
        let kinds = rows.kinds
        let source = rows.sources
        let amount = rows.amounts
        let listPrice = rows.listPrices
        let quantity = rows.quantities
        let keyOffsets = rows.keyOffsets
        let keyStrings = rows.keyStrings
        let fields = rows.fieldStrings
        let special = rows.special
        let fieldCount = EventRows.fieldCount
        // The kind and JSON field names go at the end of the text, as extra strings.
        var text = rows.text
        var starts = rows.starts
        let kindBase = starts.count - 1
        for name in Self.kindNames {
            text.append(contentsOf: name)
            starts.append(text.count)
        }
        let jsonNameBase = starts.count - 1
        for name in Self.jsonFieldNames {
            text.append(contentsOf: name)
            starts.append(text.count)
        }

        var p = 0
        text.withUnsafeBufferPointer { s in
            for i in 0..<ts.count {
                let kind = kindBase + Int(kinds[i].rawValue)
                let firstKey = keyOffsets[i]
                let endKey = keyOffsets[i + 1]
                if format == .csv {
                    if withIDs { p = writeID(source: source[i], out, p) }
                    out[p] = UInt8(ascii: ",")
                    p = timestamps.write(ts[i], to: out, at: p + 1)
                    out[p] = UInt8(ascii: ",")
                    p += 1
                    var quoted = false
                    for k in firstKey..<endKey where special[keyStrings[k]] { quoted = true }
                    if quoted {
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    for k in firstKey..<endKey {
                        if k > firstKey {
                            out[p] = UInt8(ascii: "|")
                            p += 1
                        }
                        let id = keyStrings[k]
                        p = writeCSV(s, starts[id], starts[id + 1], doubleQuotes: quoted, out, p)
                    }
                    if quoted {
                        out[p] = UInt8(ascii: "\"")
                        p += 1
                    }
                    out[p] = UInt8(ascii: ",")
                    p = writeCSV(s, starts[kind], starts[kind + 1], doubleQuotes: false, out, p + 1)
                    for f in 0..<fieldCount {
                        out[p] = UInt8(ascii: ",")
                        p += 1
                        let id = fields[i * fieldCount + f]
                        if id == 0 { continue }
                        if special[id] {
                            out[p] = UInt8(ascii: "\"")
                            p = writeCSV(s, starts[id], starts[id + 1], doubleQuotes: true, out, p + 1)
                            out[p] = UInt8(ascii: "\"")
                            p += 1
                        } else {
                            p = writeCSV(s, starts[id], starts[id + 1], doubleQuotes: false, out, p)
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
                        let id = keyStrings[k]
                        p = writeJSONString(s, starts[id], starts[id + 1], escape: special[id], out, p)
                    }
                    p = copy(Self.kindName, out, p)
                    p = writeCSV(s, starts[kind], starts[kind + 1], doubleQuotes: false, out, p)
                    out[p] = UInt8(ascii: "\"")
                    p += 1
                    for f in 0..<fieldCount {
                        let id = fields[i * fieldCount + f]
                        if id == 0 { continue }
                        let name = jsonNameBase + f
                        p = writeCSV(s, starts[name], starts[name + 1], doubleQuotes: false, out, p)
                        p = writeJSONString(s, starts[id], starts[id + 1], escape: special[id], out, p)
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
