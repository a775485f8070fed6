/// Reads one flat JSON object (`{"field": value, ...}`) whose fields are canonical columns.
///
/// Hand-written because numbers must stay text: an amount of `0.1` is read as the decimal
/// `0.1` yuan, exactly, never through a `Double`. Strings are unescaped (`\n`, `\u00e9`,
/// surrogate pairs) into the arena only when they contain escapes.
struct FlatJSONScanner {
    /// A field's value, by kind; text is resolved once the whole line is read.
    enum Value: Equatable {
        case absent
        case null
        case string(TextRef)
        case number(TextRef)
        /// `count` strings starting at `start` in ``keyRefs``.
        case strings(start: Int, count: Int)
    }

    /// Why a line is not a valid record: the field at fault and what is wrong.
    struct Failure: Error, Equatable {
        var field: String
        var reason: String
    }

    /// Values by ``CanonicalColumn/index``.
    var values: [Value] = Array(repeating: .absent, count: CanonicalColumn.allCases.count)
    var keyRefs: [TextRef] = []

    private static let columns = CanonicalColumn.allCases

    /// Scans one line; on success ``values`` holds every field present.
    /// - Complexity: O(length of the line).
    mutating func scan(_ line: UnsafeRawBufferPointer, arena: ByteArena) -> Failure? {
        for i in 0..<values.count { values[i] = .absent }
        keyRefs.removeAll(keepingCapacity: true)
        var i = skipSpace(line, 0)
        guard i < line.count, line[i] == UInt8(ascii: "{") else {
            return Failure(field: "record", reason: "the line is not a JSON object (each line must be one {...} object)")
        }
        i = skipSpace(line, i + 1)
        if i < line.count, line[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < line.count, line[i] == UInt8(ascii: "\"") else {
                    return Failure(field: "record", reason: "expected a field name in double quotes")
                }
                let name: TextRef
                switch string(line, at: i, arena: arena) {
                case .failure(let reason): return Failure(field: "record", reason: "a field name " + reason.reason)
                case .success(let (ref, next)): name = ref; i = next
                }
                i = skipSpace(line, i)
                guard i < line.count, line[i] == UInt8(ascii: ":") else {
                    return Failure(field: "record", reason: "expected ':' after a field name")
                }
                i = skipSpace(line, i + 1)
                let nameBytes = name.resolve(input: line.baseAddress!, arena: arena)
                guard let column = CanonicalColumn(name: nameBytes) else {
                    let quoted = Redaction.quotedName(nameBytes)
                    return Failure(
                        field: quoted.map { String($0.dropFirst().dropLast()) } ?? "record",
                        reason: "unknown field\(quoted.map { " " + $0 } ?? "") (the fields are \(CanonicalColumn.allNames))")
                }
                guard values[column.index] == .absent else {
                    return Failure(field: column.name, reason: "the field appears twice")
                }
                guard i < line.count else { return Failure(field: column.name, reason: "the value is missing") }
                let byte = line[i]
                switch byte {
                case UInt8(ascii: "\""):
                    switch string(line, at: i, arena: arena) {
                    case .failure(let reason): return Failure(field: column.name, reason: "the string " + reason.reason)
                    case .success(let (ref, next)): values[column.index] = .string(ref); i = next
                    }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let end = number(line, at: i) else {
                        return Failure(field: column.name, reason: "the value is not a valid JSON number")
                    }
                    values[column.index] = .number(TextRef(offset: i, length: end - i, inArena: false))
                    i = end
                case UInt8(ascii: "n"):
                    guard literal(line, at: i, "null") else { return Failure(field: column.name, reason: "the value is not valid JSON") }
                    values[column.index] = .null
                    i += 4
                case UInt8(ascii: "["):
                    guard column == .keys else {
                        return Failure(field: column.name, reason: "the value must be \(Self.expected(column)), not an array")
                    }
                    let start = keyRefs.count
                    i = skipSpace(line, i + 1)
                    if i < line.count, line[i] == UInt8(ascii: "]") {
                        i += 1
                    } else {
                        while true {
                            guard i < line.count, line[i] == UInt8(ascii: "\"") else {
                                return Failure(field: "keys", reason: "keys must be an array of \"type:value\" strings")
                            }
                            switch string(line, at: i, arena: arena) {
                            case .failure(let reason): return Failure(field: "keys", reason: "a key " + reason.reason)
                            case .success(let (ref, next)): keyRefs.append(ref); i = skipSpace(line, next)
                            }
                            if i < line.count, line[i] == UInt8(ascii: ",") {
                                i = skipSpace(line, i + 1)
                                continue
                            }
                            guard i < line.count, line[i] == UInt8(ascii: "]") else {
                                return Failure(field: "keys", reason: "expected ',' or ']' in the keys array")
                            }
                            i += 1
                            break
                        }
                    }
                    values[column.index] = .strings(start: start, count: keyRefs.count - start)
                case UInt8(ascii: "t"), UInt8(ascii: "f"):
                    return Failure(field: column.name, reason: "the value must be \(Self.expected(column)), not true or false")
                case UInt8(ascii: "{"):
                    return Failure(field: column.name, reason: "the value must be \(Self.expected(column)), not an object")
                default:
                    return Failure(field: column.name, reason: "the value is not valid JSON")
                }
                i = skipSpace(line, i)
                guard i < line.count else { return Failure(field: "record", reason: "the object is not closed with '}'") }
                if line[i] == UInt8(ascii: ",") {
                    i = skipSpace(line, i + 1)
                    continue
                }
                guard line[i] == UInt8(ascii: "}") else {
                    return Failure(field: "record", reason: "expected ',' or '}' after the \(column.name) field")
                }
                i += 1
                break
            }
        }
        i = skipSpace(line, i)
        guard i == line.count else { return Failure(field: "record", reason: "there is text after the closing '}'") }
        return nil
    }

    /// The JSON types a column accepts, for messages.
    static func expected(_ column: CanonicalColumn) -> String {
        switch column {
        case .keys: "an array of \"type:value\" strings or one \"type:value|type:value\" string"
        case .kind: "a string"
        case .quantity: "a whole number"
        case .amount, .listPrice: "a number or a string of yuan"
        default: "a string or a number"
        }
    }

    @inline(__always)
    private func skipSpace(_ line: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < line.count {
            let byte = line[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A else { break }
            i += 1
        }
        return i
    }

    private func literal(_ line: UnsafeRawBufferPointer, at i: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= line.count else { return false }
        for k in 0..<count where line[i + k] != word.utf8Start[k] { return false }
        return true
    }

    /// The end of a JSON number at `start` (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    private func number(_ line: UnsafeRawBufferPointer, at start: Int) -> Int? {
        var i = start
        func isDigit(_ k: Int) -> Bool { k < line.count && line[k] >= 0x30 && line[k] <= 0x39 }
        if i < line.count, line[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { return nil }
        if line[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < line.count, line[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
        }
        if i < line.count, line[i] == UInt8(ascii: "e") || line[i] == UInt8(ascii: "E") {
            i += 1
            if i < line.count, line[i] == UInt8(ascii: "+") || line[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { return nil }
            while isDigit(i) { i += 1 }
        }
        if i < line.count {
            let byte = line[i]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}")
                || byte == UInt8(ascii: "]")
            else { return nil }
        }
        return i
    }

    /// A string starting at the quote at `start`: its text and the offset after the closing quote,
    /// or what is wrong with it.
    private func string(_ line: UnsafeRawBufferPointer, at start: Int, arena: ByteArena) -> Result<(TextRef, Int), StringFailure> {
        var i = start + 1
        while i < line.count {
            let byte = line[i]
            if byte == UInt8(ascii: "\"") {
                return .success((TextRef(offset: start + 1, length: i - start - 1, inArena: false), i + 1))
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return .failure(.init("contains a control character; escape it (\\n, \\t, \\u0001)")) }
            i += 1
        }
        guard i < line.count else { return .failure(.init("is not closed")) }
        // Escapes: rewrite into the arena.
        let arenaStart = arena.count
        arena.append(UnsafeRawBufferPointer(rebasing: line[(start + 1)..<i]))
        while i < line.count {
            let byte = line[i]
            if byte == UInt8(ascii: "\"") {
                return .success((TextRef(offset: arenaStart, length: arena.count - arenaStart, inArena: true), i + 1))
            }
            if byte < 0x20 { return .failure(.init("contains a control character; escape it (\\n, \\t, \\u0001)")) }
            if byte != UInt8(ascii: "\\") {
                arena.append(byte: byte)
                i += 1
                continue
            }
            guard i + 1 < line.count else { return .failure(.init("is not closed")) }
            let escaped = line[i + 1]
            i += 2
            switch escaped {
            case UInt8(ascii: "\""): arena.append(byte: 0x22)
            case UInt8(ascii: "\\"): arena.append(byte: 0x5C)
            case UInt8(ascii: "/"): arena.append(byte: 0x2F)
            case UInt8(ascii: "b"): arena.append(byte: 0x08)
            case UInt8(ascii: "f"): arena.append(byte: 0x0C)
            case UInt8(ascii: "n"): arena.append(byte: 0x0A)
            case UInt8(ascii: "r"): arena.append(byte: 0x0D)
            case UInt8(ascii: "t"): arena.append(byte: 0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(line, at: i) else { return .failure(.init("has a \\u escape without 4 hex digits")) }
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    guard i + 1 < line.count, line[i] == UInt8(ascii: "\\"), line[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(line, at: i + 2), low >= 0xDC00, low <= 0xDFFF
                    else { return .failure(.init("has a \\u escape of half a surrogate pair")) }
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    return .failure(.init("has a \\u escape of half a surrogate pair"))
                }
                appendUTF8(scalar, to: arena)
            default:
                return .failure(.init("has an unknown escape; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"))
            }
        }
        return .failure(.init("is not closed"))
    }

    private func hex4(_ line: UnsafeRawBufferPointer, at i: Int) -> UInt32? {
        guard i + 4 <= line.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = line[i + k]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - 0x41 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to arena: ByteArena) {
        switch scalar {
        case 0..<0x80:
            arena.append(byte: UInt8(scalar))
        case 0x80..<0x800:
            arena.append(byte: UInt8(0xC0 | scalar >> 6))
            arena.append(byte: UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            arena.append(byte: UInt8(0xE0 | scalar >> 12))
            arena.append(byte: UInt8(0x80 | scalar >> 6 & 0x3F))
            arena.append(byte: UInt8(0x80 | scalar & 0x3F))
        default:
            arena.append(byte: UInt8(0xF0 | scalar >> 18))
            arena.append(byte: UInt8(0x80 | scalar >> 12 & 0x3F))
            arena.append(byte: UInt8(0x80 | scalar >> 6 & 0x3F))
            arena.append(byte: UInt8(0x80 | scalar & 0x3F))
        }
    }
}

/// What is wrong with a JSON string, completing "the string ...".
struct StringFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
