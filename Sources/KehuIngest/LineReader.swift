#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Iterates the lines of a piece of a line-based input (JSONL, Taobao, CDNOW).
struct LineReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    /// The number of the line `next()` returns next.
    var line: Int64

    init(_ bytes: UnsafeRawBufferPointer, firstLine: Int64) {
        self.bytes = bytes
        line = firstLine
    }

    /// The next line without its `\n` or `\r\n`, and its 1-based number.
    @inline(__always)
    mutating func next() -> (text: UnsafeRawBufferPointer, line: Int64)? {
        guard offset < bytes.count, let base = bytes.baseAddress else { return nil }
        let start = base + offset
        let remaining = bytes.count - offset
        var length = remaining
        if let found = memchr(start, 0x0A, remaining) {
            length = UnsafeRawPointer(found) - UnsafeRawPointer(start)
            offset += length + 1
        } else {
            offset = bytes.count
        }
        var textLength = length
        if textLength > 0, start.load(fromByteOffset: textLength - 1, as: UInt8.self) == 0x0D { textLength -= 1 }
        let number = line
        line += 1
        return (UnsafeRawBufferPointer(start: start, count: textLength), number)
    }
}

extension UnsafeRawBufferPointer {
    /// Whether every byte is a space, a tab or a carriage return.
    var isBlank: Bool {
        allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Fields separated by one byte (no quoting), written into `fields`; returns how many there were.
    @inline(__always)
    func split(separator: UInt8, into fields: inout [UnsafeRawBufferPointer]) -> Int {
        var count = 0
        var start = 0
        for i in 0...self.count where i == self.count || self[i] == separator {
            let field = UnsafeRawBufferPointer(rebasing: self[start..<i])
            if count < fields.count { fields[count] = field }
            count += 1
            start = i + 1
        }
        return count
    }

    /// Fields separated by runs of spaces and tabs, ignoring leading and trailing ones.
    @inline(__always)
    func splitWhitespace(into fields: inout [UnsafeRawBufferPointer]) -> Int {
        var count = 0
        var i = 0
        while i < self.count {
            while i < self.count, self[i] == 0x20 || self[i] == 0x09 { i += 1 }
            if i == self.count { break }
            let start = i
            while i < self.count, self[i] != 0x20 && self[i] != 0x09 { i += 1 }
            if count < fields.count { fields[count] = UnsafeRawBufferPointer(rebasing: self[start..<i]) }
            count += 1
        }
        return count
    }
}
