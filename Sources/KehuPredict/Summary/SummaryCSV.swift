#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading customer summaries from CSV, as written by lifetimes' pandas output or by
/// `Benchmarks/peers/lifetimes_peer.py --write-summary`: a header naming `frequency`, `recency`,
/// `T` and optionally `monetary_value` (in any order; other columns such as an index are
/// ignored), then one customer per line.
public enum SummaryCSV {
    /// Parses summary CSV text.
    /// - Throws: ``SummaryError`` naming the line and column of the first bad field.
    /// - Complexity: O(length of the text).
    public static func parse(_ text: String) throws(SummaryError) -> [CustomerSummary] {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses summary CSV bytes (UTF-8) field by field, without building strings per line.
    static func parse(bytes input: [UInt8]) throws(SummaryError) -> [CustomerSummary] {
        // strtod follows the thread's locale: pin the decimal point to "." for this thread while
        // parsing, whatever locale the host process set.
        let numeric = newlocale(1 << LC_NUMERIC, "C", nil)
        let previous = numeric.map { uselocale($0) }
        defer {
            if let previous { uselocale(previous) }
            if let numeric { freelocale(numeric) }
        }
        // A NUL after the text stops strtod at the very end.
        var bytes = input
        bytes.append(0)
        let end = input.count
        return try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(SummaryError) -> [CustomerSummary] in
            let base = buffer.baseAddress!
            var position = 0
            // The 1-based number of the line that `position` is on.
            var lineNumber = 1

            // Skips blank lines; returns false at the end of the text.
            func startLine() -> Bool {
                while position < end && (buffer[position] == 10 || buffer[position] == 13) {
                    if buffer[position] == 10 { lineNumber += 1 }
                    position += 1
                }
                return position < end
            }
            func skipToNextLine() {
                while position < end && buffer[position] != 10 { position += 1 }
            }

            guard startLine() else { throw .emptyFile }
            let headerStart = position
            skipToNextLine()
            let headerText = String(decoding: UnsafeBufferPointer(rebasing: buffer[headerStart..<position]), as: UTF8.self)
            let header = headerText.split(separator: ",", omittingEmptySubsequences: false).map(unquoted)
            func column(_ name: String) -> Int? { header.firstIndex(of: name) }
            guard let frequencyColumn = column("frequency") else { throw .missingColumn("frequency") }
            guard let recencyColumn = column("recency") else { throw .missingColumn("recency") }
            guard let ageColumn = column("T") else { throw .missingColumn("T") }
            let monetaryColumn = column("monetary_value")
            let names = header

            var customers: [CustomerSummary] = []
            var values = [Double](repeating: 0, count: header.count)
            var found = [Bool](repeating: false, count: header.count)
            var wanted = [Bool](repeating: false, count: header.count)
            var required: [(column: Int, name: String)] = [(frequencyColumn, "frequency"), (recencyColumn, "recency"), (ageColumn, "T")]
            if let monetaryColumn { required.append((monetaryColumn, "monetary_value")) }
            for field in required { wanted[field.column] = true }
            while startLine() {
                let line = lineNumber
                for c in 0..<found.count { found[c] = false }
                var field = 0
                // Read fields up to the end of the line.
                while true {
                    while position < end && (buffer[position] == 32 || buffer[position] == 34) { position += 1 }
                    let fieldStart = position
                    while position < end && buffer[position] != 44 && buffer[position] != 10 && buffer[position] != 13 { position += 1 }
                    if field < wanted.count && wanted[field] {
                        var parsedEnd: UnsafeMutablePointer<CChar>?
                        let start = UnsafeRawPointer(base + fieldStart).assumingMemoryBound(to: CChar.self)
                        let value = strtod(start, &parsedEnd)
                        var stop = parsedEnd.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? fieldStart
                        while stop < position && (buffer[stop] == 32 || buffer[stop] == 34) { stop += 1 }
                        guard stop == position, position > fieldStart else { throw .invalidNumber(line: line, column: names[field]) }
                        values[field] = value
                        found[field] = true
                    }
                    field += 1
                    if position < end && buffer[position] == 44 {
                        position += 1
                        continue
                    }
                    break
                }
                skipToNextLine()
                for field in required where !found[field.column] {
                    throw .missingField(line: line, column: field.name)
                }
                let frequency = values[frequencyColumn]
                guard frequency.isFinite, frequency == frequency.rounded(), abs(frequency) < 1e15 else {
                    throw .nonIntegralFrequency(line: line)
                }
                customers.append(CustomerSummary(
                    frequency: Int(frequency),
                    recency: values[recencyColumn],
                    age: values[ageColumn],
                    monetaryValue: monetaryColumn.map { values[$0] } ?? 0
                ))
            }
            return customers
        }
    }

    /// Reads and parses a summary CSV file.
    /// - Throws: ``SummaryError/unreadableFile(path:reason:)`` or a parse error.
    public static func read(path: String) throws(SummaryError) -> [CustomerSummary] {
        guard let file = fopen(path, "rb") else {
            throw .unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count {
                if ferror(file) != 0 { throw .unreadableFile(path: path, reason: "read error") }
                break
            }
        }
        return try parse(bytes: bytes)
    }

    private static func unquoted(_ field: Substring) -> String {
        var trimmed = field.drop { $0 == " " || $0 == "\t" }
        while let last = trimmed.last, last == " " || last == "\t" || last == "\r" { trimmed = trimmed.dropLast() }
        if trimmed.count >= 2, trimmed.first == "\"", trimmed.last == "\"" {
            trimmed = trimmed.dropFirst().dropLast()
        }
        return String(trimmed)
    }
}
