import KehuModel

/// Hand-written formatting of numbers and timestamps into a byte buffer: the writers' hot path,
/// where String interpolation and DateFormatter would cost more than generating the event.
enum ByteFormatting {
    /// "00" "01" ... "99".
    static let twoDigits: [UInt8] = {
        var table: [UInt8] = []
        for i in 0..<100 {
            table.append(UInt8(48 + i / 10))
            table.append(UInt8(48 + i % 10))
        }
        return table
    }()

    /// Writes the decimal digits of `value`; returns the new position.
    @inline(__always)
    static func writeDecimal(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        var v = value
        var i = position + digits - 1
        while v >= 10 {
            let pair = Int(v % 100)
            v /= 100
            out[i] = twoDigits[pair * 2 + 1]
            out[i - 1] = twoDigits[pair * 2]
            i -= 2
        }
        if i >= position { out[i] = UInt8(48 + v) }
        return position + digits
    }

    /// Writes a signed integer.
    @inline(__always)
    static func writeInteger(_ value: Int64, to out: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        var p = position
        if value < 0 {
            out[p] = UInt8(ascii: "-")
            p += 1
        }
        return writeDecimal(value.magnitude, to: out, at: p)
    }

    /// Writes fen as yuan with two decimals: `12850` → `128.50`, `-5` → `-0.05`.
    @inline(__always)
    static func writeYuan(_ fen: Int64, to out: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        var p = position
        if fen < 0 {
            out[p] = UInt8(ascii: "-")
            p += 1
        }
        let magnitude = fen.magnitude
        p = writeDecimal(magnitude / 100, to: out, at: p)
        out[p] = UInt8(ascii: ".")
        let cents = Int(magnitude % 100)
        out[p + 1] = twoDigits[cents * 2]
        out[p + 2] = twoDigits[cents * 2 + 1]
        return p + 3
    }

    @inline(__always)
    static func writeTwo(_ value: Int, to out: UnsafeMutablePointer<UInt8>, at position: Int) {
        out[position] = twoDigits[value * 2]
        out[position + 1] = twoDigits[value * 2 + 1]
    }

    /// Copies bytes; returns the new position.
    @inline(__always)
    static func write(_ bytes: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        if let base = bytes.baseAddress, bytes.count > 0 {
            UnsafeMutableRawPointer(out + position).copyMemory(from: base, byteCount: bytes.count)
        }
        return position + bytes.count
    }
}

/// Formats instants as `2026-06-18T20:00:00.000+08:00` in one zone. Offsets are cached per UTC
/// day and calendar dates per local day (direct-mapped, 4,096 days), so a chunk of events spread
/// over a year does the zone lookup and the calendar arithmetic about once per day.
struct TimestampFormatter {
    let zone: ZoneRules
    private var offsetDays: [Int64]
    private var offsets: [Int64]
    private var dateDays: [Int64]
    /// year * 10,000 + month * 100 + day.
    private var dates: [Int]
    private static let slots = 4_096

    init(zone: ZoneRules) {
        self.zone = zone
        offsetDays = [Int64](repeating: .min, count: Self.slots)
        offsets = [Int64](repeating: 0, count: Self.slots)
        dateDays = [Int64](repeating: .min, count: Self.slots)
        dates = [Int](repeating: 0, count: Self.slots)
    }

    @inline(__always)
    private static func floorDay(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000 }

    /// The offset at `ms`: cached for UTC days whose start and end share an offset (no zone
    /// changes its offset twice in a day, so then the whole day has it).
    @inline(__always)
    private mutating func offset(atUTC ms: Int64) -> Int64 {
        let utcDay = Self.floorDay(ms)
        let slot = Int(truncatingIfNeeded: utcDay) & (Self.slots - 1)
        if offsetDays[slot] == utcDay { return offsets[slot] }
        let start = utcDay * 86_400_000
        let first = zone.offsetMillis(atUTC: start)
        guard first == zone.offsetMillis(atUTC: start + 86_399_999) else { return zone.offsetMillis(atUTC: ms) }
        offsetDays[slot] = utcDay
        offsets[slot] = first
        return first
    }

    /// Writes 29 bytes.
    @inline(__always)
    mutating func write(_ ms: Int64, to out: UnsafeMutablePointer<UInt8>, at position: Int) -> Int {
        let offset = offset(atUTC: ms)
        let local = ms + offset
        let day = Self.floorDay(local)
        let slot = Int(truncatingIfNeeded: day) & (Self.slots - 1)
        if dateDays[slot] != day {
            let (y, m, d) = Day(index: Int32(truncatingIfNeeded: day)).civil
            dateDays[slot] = day
            dates[slot] = y * 10_000 + m * 100 + d
        }
        let date = dates[slot]
        let msOfDay = Int(local - day * 86_400_000)
        let p = position
        ByteFormatting.writeTwo(date / 1_000_000 % 100, to: out, at: p)
        ByteFormatting.writeTwo(date / 10_000 % 100, to: out, at: p + 2)
        out[p + 4] = UInt8(ascii: "-")
        ByteFormatting.writeTwo(date / 100 % 100, to: out, at: p + 5)
        out[p + 7] = UInt8(ascii: "-")
        ByteFormatting.writeTwo(date % 100, to: out, at: p + 8)
        out[p + 10] = UInt8(ascii: "T")
        ByteFormatting.writeTwo(msOfDay / 3_600_000, to: out, at: p + 11)
        out[p + 13] = UInt8(ascii: ":")
        ByteFormatting.writeTwo(msOfDay / 60_000 % 60, to: out, at: p + 14)
        out[p + 16] = UInt8(ascii: ":")
        ByteFormatting.writeTwo(msOfDay / 1_000 % 60, to: out, at: p + 17)
        out[p + 19] = UInt8(ascii: ".")
        let millis = msOfDay % 1_000
        out[p + 20] = UInt8(48 + millis / 100)
        ByteFormatting.writeTwo(millis % 100, to: out, at: p + 21)
        let offsetMinutes = Int(abs(offset) / 60_000)
        out[p + 23] = offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        ByteFormatting.writeTwo(offsetMinutes / 60 % 100, to: out, at: p + 24)
        out[p + 26] = UInt8(ascii: ":")
        ByteFormatting.writeTwo(offsetMinutes % 60, to: out, at: p + 27)
        return p + 29
    }
}
