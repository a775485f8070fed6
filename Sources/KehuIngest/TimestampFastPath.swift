import KehuModel

/// The ingest hot path for times: the layout decoders meet most, ISO-8601 with an explicit
/// offset (`2026-06-18T20:00:00.000+08:00`, `...Z`, `...+0800`), is read on fixed positions;
/// everything else (and every error) goes to `Timestamp.parse`, so results are the same.
enum TimestampFastPath {
    /// - Complexity: O(n) in the length of the text.
    @inline(__always)
    static func parse(_ bytes: UnsafeRawBufferPointer, zone: ZoneRules) throws(TimeParseError) -> Int64 {
        if let ms = offsetDateTime(bytes) { return ms }
        return try Timestamp.parse(bytes: bytes, zone: zone)
    }

    /// As ``parse(_:zone:)``, remembering recent dates in `cache`: a file spans few days, so the
    /// date part of most times was seen before.
    @inline(__always)
    static func parse(_ bytes: UnsafeRawBufferPointer, zone: ZoneRules, cache: DateCache) throws(TimeParseError) -> Int64 {
        if bytes.count >= 20, let base = bytes.baseAddress {
            let head = base.loadUnaligned(as: UInt64.self)
            let tail = base.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
            var days = cache.days(head: head, tail: tail)
            if days == nil, offsetDateTime(bytes) != nil {
                // A valid date: remember it.
                let day = dayIndex(bytes)
                cache.store(head: head, tail: tail, days: day)
                days = day
            }
            if let days, let ms = timeOfDay(bytes, days: days) { return ms }
        }
        return try parse(bytes, zone: zone)
    }

    /// The day index of the valid `YYYY-MM-DD` at the start of `text`.
    @inline(__always)
    private static func dayIndex(_ text: UnsafeRawBufferPointer) -> Int64 {
        @inline(__always) func digit(_ i: Int) -> Int { Int(text[i]) &- 48 }
        let year = digit(0) &* 1000 &+ digit(1) &* 100 &+ digit(2) &* 10 &+ digit(3)
        return Int64(daysFromCivil(year: year, month: digit(5) &* 10 &+ digit(6), day: digit(8) &* 10 &+ digit(9)))
    }

    /// UTC milliseconds of a text whose first ten bytes are a date already known to be valid
    /// (as day index `days`): the rest, `[T ]HH:MM:SS[.f{1,3}](Z|±HH:MM|±HHMM|±HH)`, read here.
    @inline(__always)
    private static func timeOfDay(_ text: UnsafeRawBufferPointer, days: Int64) -> Int64? {
        let p = text.baseAddress!
        @inline(__always) func byte(_ i: Int) -> Int { Int(p.load(fromByteOffset: i, as: UInt8.self)) }
        let h0 = byte(11) &- 48, h1 = byte(12) &- 48, i0 = byte(14) &- 48, i1 = byte(15) &- 48
        let s0 = byte(17) &- 48, s1 = byte(18) &- 48
        guard (h0 | h1 | i0 | i1 | s0 | s1) >= 0, h0 <= 9, h1 <= 9, i0 <= 9, i1 <= 9, s0 <= 9, s1 <= 9,
            byte(10) == 0x54 || byte(10) == 0x20, byte(13) == 0x3A, byte(16) == 0x3A
        else { return nil }
        let hour = h0 &* 10 &+ h1
        let minute = i0 &* 10 &+ i1
        let second = s0 &* 10 &+ s1
        guard hour < 24, minute < 60, second < 60 else { return nil }
        guard let (millis, offsetMinutes) = fractionAndOffset(text, from: 19) else { return nil }
        let local = days &* 86_400_000 &+ Int64(hour &* 3600 &+ minute &* 60 &+ second) &* 1000 &+ Int64(millis)
        let ms = local &- Int64(offsetMinutes) &* 60_000
        guard ms >= 0, ms < upperBound else { return nil }
        return ms
    }

    /// `Timestamp.upperBound` (2100-01-01T00:00:00Z) as a literal: the hot path avoids a global's
    /// lazy initialiser. The agreement test with `Timestamp.parse` covers the edge.
    private static let upperBound: Int64 = 4_102_444_800_000

    /// `[.f{1,3}](Z|±HH:MM|±HHMM|±HH)` from `start` to the end: milliseconds and the offset in minutes.
    @inline(__always)
    private static func fractionAndOffset(_ text: UnsafeRawBufferPointer, from start: Int) -> (Int, Int)? {
        let n = text.count
        let p = text.baseAddress!
        @inline(__always) func byte(_ i: Int) -> Int { Int(p.load(fromByteOffset: i, as: UInt8.self)) }
        var i = start
        var millis = 0
        if i < n && (byte(i) == 0x2E || byte(i) == 0x2C) {
            i += 1
            var count = 0
            while i < n {
                let digit = byte(i) &- 48
                guard digit >= 0, digit <= 9 else { break }
                count += 1
                guard count <= 3 else { return nil }
                millis = millis &* 10 &+ digit
                i += 1
            }
            guard count > 0 else { return nil }
            if count == 1 { millis &*= 100 } else if count == 2 { millis &*= 10 }
        }
        guard i < n else { return nil }
        let sign = byte(i)
        if sign == 0x5A || sign == 0x7A { return i + 1 == n ? (millis, 0) : nil }
        guard sign == 0x2B || sign == 0x2D else { return nil }
        let rest = n &- i &- 1
        guard rest == 2 || rest == 4 || rest == 5 else { return nil }
        let o0 = byte(i + 1) &- 48, o1 = byte(i + 2) &- 48
        guard o0 >= 0, o0 <= 9, o1 >= 0, o1 <= 9 else { return nil }
        var minutes = 0
        if rest > 2 {
            let colon = rest == 5 ? 1 : 0
            if colon == 1 { guard byte(i + 3) == 0x3A else { return nil } }
            let n0 = byte(i + 3 + colon) &- 48, n1 = byte(i + 4 + colon) &- 48
            guard n0 >= 0, n0 <= 9, n1 >= 0, n1 <= 9 else { return nil }
            minutes = n0 &* 10 &+ n1
        }
        let hours = o0 &* 10 &+ o1
        guard hours <= 18, minutes < 60 else { return nil }
        return (millis, (hours &* 60 &+ minutes) &* (sign == 0x2B ? 1 : -1))
    }

    /// UTC milliseconds of `YYYY-MM-DD[T ]HH:MM:SS[.f{1,3}](Z|±HH:MM|±HHMM|±HH)`, or `nil`
    /// when the text has another layout or is invalid.
    @inline(__always)
    static func offsetDateTime(_ text: UnsafeRawBufferPointer) -> Int64? {
        let n = text.count
        guard n >= 20, let p = text.baseAddress else { return nil }
        @inline(__always) func byte(_ i: Int) -> Int { Int(p.load(fromByteOffset: i, as: UInt8.self)) }
        // Each digit minus "0" must be 0...9; OR-ing the results keeps any out-of-range bit.
        let d0 = byte(0) &- 48, d1 = byte(1) &- 48, d2 = byte(2) &- 48, d3 = byte(3) &- 48
        let m0 = byte(5) &- 48, m1 = byte(6) &- 48, a0 = byte(8) &- 48, a1 = byte(9) &- 48
        let h0 = byte(11) &- 48, h1 = byte(12) &- 48, i0 = byte(14) &- 48, i1 = byte(15) &- 48
        let s0 = byte(17) &- 48, s1 = byte(18) &- 48
        let all = d0 | d1 | d2 | d3 | m0 | m1 | a0 | a1 | h0 | h1 | i0 | i1 | s0 | s1
        guard all >= 0, d0 <= 9, d1 <= 9, d2 <= 9, d3 <= 9, m0 <= 9, m1 <= 9, a0 <= 9, a1 <= 9, h0 <= 9, h1 <= 9,
            i0 <= 9, i1 <= 9, s0 <= 9, s1 <= 9,
            byte(4) == 0x2D, byte(7) == 0x2D, byte(10) == 0x54 || byte(10) == 0x20, byte(13) == 0x3A, byte(16) == 0x3A
        else { return nil }
        let year = d0 &* 1000 &+ d1 &* 100 &+ d2 &* 10 &+ d3
        let month = m0 &* 10 &+ m1
        let day = a0 &* 10 &+ a1
        let hour = h0 &* 10 &+ h1
        let minute = i0 &* 10 &+ i1
        let second = s0 &* 10 &+ s1
        guard month >= 1, month <= 12, day >= 1, hour < 24, minute < 60, second < 60 else { return nil }
        if day > 28 {
            guard Day.isValid(year: year, month: month, day: day) else { return nil }
        }
        guard year >= 1970 else { return nil }
        var i = 19
        var millis = 0
        if byte(i) == 0x2E || byte(i) == 0x2C {
            i += 1
            var count = 0
            while i < n {
                let digit = byte(i) &- 48
                guard digit >= 0, digit <= 9 else { break }
                count += 1
                guard count <= 3 else { return nil }
                millis = millis &* 10 &+ digit
                i += 1
            }
            guard count > 0 else { return nil }
            if count == 1 { millis &*= 100 } else if count == 2 { millis &*= 10 }
        }
        guard i < n else { return nil }
        var offsetMinutes = 0
        let sign = byte(i)
        if sign == 0x5A || sign == 0x7A {
            guard i + 1 == n else { return nil }
        } else if sign == 0x2B || sign == 0x2D {
            let rest = n &- i &- 1
            guard rest == 2 || rest == 4 || rest == 5 else { return nil }
            let o0 = byte(i + 1) &- 48, o1 = byte(i + 2) &- 48
            guard o0 >= 0, o0 <= 9, o1 >= 0, o1 <= 9 else { return nil }
            var minutes = 0
            if rest > 2 {
                let colon = rest == 5 ? 1 : 0
                if colon == 1 { guard byte(i + 3) == 0x3A else { return nil } }
                let n0 = byte(i + 3 + colon) &- 48, n1 = byte(i + 4 + colon) &- 48
                guard n0 >= 0, n0 <= 9, n1 >= 0, n1 <= 9 else { return nil }
                minutes = n0 &* 10 &+ n1
            }
            let hours = o0 &* 10 &+ o1
            guard hours <= 18, minutes < 60 else { return nil }
            offsetMinutes = (hours &* 60 &+ minutes) &* (sign == 0x2B ? 1 : -1)
        } else {
            return nil
        }
        let local = Int64(daysFromCivil(year: year, month: month, day: day)) &* 86_400_000
            &+ Int64(hour &* 3600 &+ minute &* 60 &+ second) &* 1000 &+ Int64(millis)
        let ms = local &- Int64(offsetMinutes) &* 60_000
        guard ms >= 0, ms < upperBound else { return nil }
        return ms
    }

    /// Days since 1970-01-01 of a valid civil date with year >= 1 (Howard Hinnant's algorithm,
    /// as `Day(year:month:day:)`, for non-negative years only).
    @inline(__always)
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year &- 1 : year
        let era = y / 400
        let yoe = y &- era &* 400
        let mp = month > 2 ? month &- 3 : month &+ 9
        let doy = (153 &* mp &+ 2) / 5 &+ day &- 1
        let doe = yoe &* 365 &+ yoe / 4 &- yoe / 100 &+ doy
        return era &* 146_097 &+ doe &- 719_468
    }
}

/// Recently seen `YYYY-MM-DD` prefixes and their day indexes, direct-mapped by the prefix bytes.
/// Only dates that passed full validation are stored. ``free()`` it when done.
struct DateCache {
    private struct Entry {
        var head: UInt64
        var tail: UInt16
        var days: Int64
    }

    private var entries: RawColumn<Entry>
    private static let mask = 1023

    init() {
        entries = RawColumn(capacity: Self.mask + 1)
        // A head of all zero bytes never starts a date.
        for _ in 0...Self.mask { entries.append(Entry(head: 0, tail: 0, days: 0)) }
    }

    func free() { entries.free() }

    @inline(__always)
    private static func slot(_ head: UInt64, _ tail: UInt16) -> Int {
        Int(truncatingIfNeeded: ((head ^ UInt64(tail) &<< 3) &* 0x9E37_79B9_7F4A_7C15) &>> 56) & mask
    }

    @inline(__always)
    func days(head: UInt64, tail: UInt16) -> Int64? {
        let entry = entries[Self.slot(head, tail)]
        return entry.head == head && entry.tail == tail ? entry.days : nil
    }

    @inline(__always)
    func store(head: UInt64, tail: UInt16, days: Int64) {
        entries[Self.slot(head, tail)] = Entry(head: head, tail: tail, days: days)
    }
}
