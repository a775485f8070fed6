import Foundation
import KehuModel

/// A file of identity keys for `kehu tag import`: one `type:value` per line, or a CSV column
/// (with a header) of `type:value` keys or of raw values of one key type. Blank lines and lines
/// starting with `#` are skipped. Raw phones and emails are hashed by the `store` closure (the
/// command passes the workspace's ``KehuIngest/KeyHasher``), so they never reach the database in clear.
public struct KeyFile: Sendable {
    /// The keys read, as stored.
    public var keys: [IdentityKey]
    /// Lines that held no valid key: line number and reason (the value is never repeated).
    public var badLines: [(line: Int, reason: String)]
    /// Data lines read (not counting a header, blank and comment lines).
    public var lines: Int

    /// Reads `path`. With `column`, the file is CSV and that header column holds the keys; with
    /// `keyType`, the values are raw values of that type (`13800138000`) instead of `type:value`.
    /// - Throws: ``ActivationError`` when the file cannot be read or has no such column.
    public static func read(
        path: String, column: String? = nil, keyType: IdentityKeyType? = nil,
        store: (IdentityKeyType, Substring) throws -> IdentityKey
    ) throws(ActivationError) -> KeyFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadableFile(path, reason: "not a readable UTF-8 file (\(error.localizedDescription))")
        }
        return try parse(text, file: path, column: column, keyType: keyType, store: store)
    }

    /// Parses the text of a key file named `file` (for messages).
    public static func parse(
        _ text: String, file: String, column: String? = nil, keyType: IdentityKeyType? = nil,
        store: (IdentityKeyType, Substring) throws -> IdentityKey
    ) throws(ActivationError) -> KeyFile {
        var result = KeyFile(keys: [], badLines: [], lines: 0)
        var columnIndex: Int?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var field = Substring(trimmed)
            if let column {
                let fields = CSVLine.split(line)
                guard let index = columnIndex else {
                    guard let found = fields.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == column }) else {
                        throw .badKeyFile(file: file, line: lineNumber, reason: "the header has no column '\(column)' (columns: \(fields.joined(separator: ", ")))")
                    }
                    columnIndex = found
                    continue
                }
                guard index < fields.count else {
                    result.lines += 1
                    result.badLines.append((lineNumber, "the line has \(fields.count) fields; column '\(column)' is field \(index + 1)"))
                    continue
                }
                field = Substring(fields[index].trimmingCharacters(in: .whitespaces))
            }
            result.lines += 1
            if field.isEmpty {
                result.badLines.append((lineNumber, "the key is empty"))
                continue
            }
            do {
                if let keyType {
                    result.keys.append(try store(keyType, field))
                } else {
                    let parsed = try IdentityKey.parse(field)
                    result.keys.append(try store(parsed.type, Substring(parsed.value)))
                }
            } catch let error as IdentityKeyError {
                result.badLines.append((lineNumber, error.description))
            } catch {
                result.badLines.append((lineNumber, "\(error)"))
            }
        }
        return result
    }
}

/// Splits one CSV line (RFC 4180 quoting within the line).
enum CSVLine {
    static func split(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else {
                            quoted = false
                            pending = next
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" && current.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        fields.append(current)
        return fields
    }
}
