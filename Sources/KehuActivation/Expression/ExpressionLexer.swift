/// A token of an expression, with its 1-based column and length in characters.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A name: letters (any script), digits, `_`, `-`, `.`, starting with a letter or `_`.
        case word
        /// Starts with a digit: `30`, `30d`, `99.50`, `30x` (the parser decides what is valid).
        case number
        /// Quoted with `'` or `"`; `text` is the content without quotes.
        case string
        /// `(`, `)`, `,`, `:`, `=`, `!=`, `<`, `<=`, `>`, `>=` (full-width `（`, `）`, `，`, `：` read as ASCII).
        case symbol
        case end
    }

    var kind: Kind
    var text: String
    var column: Int
    var length: Int

    func isWord(_ names: String...) -> Bool {
        kind == .word && names.contains(text.lowercased())
    }

    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && text == symbol }

    /// How the token reads in an error message.
    var quoted: String {
        switch kind {
        case .end: "the end of the expression"
        case .string: "'\(text)' (quoted)"
        default: "'\(text)'"
        }
    }
}

/// Splits an expression into tokens.
enum ExpressionLexer {
    static func tokens(_ source: String) throws(ExpressionError) -> [ExpressionToken] {
        let chars = Array(source)
        var tokens: [ExpressionToken] = []
        var i = 0
        func isWordStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isWordPart(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
                continue
            }
            let start = i
            if c == "'" || c == "\"" {
                i += 1
                while i < chars.count && chars[i] != c { i += 1 }
                guard i < chars.count else {
                    throw ExpressionError(
                        expression: source, column: start + 1, length: chars.count - start,
                        message: "this quoted text has no closing \(c)")
                }
                tokens.append(ExpressionToken(kind: .string, text: String(chars[(start + 1)..<i]), column: start + 1, length: i - start + 1))
                i += 1
                continue
            }
            if c.isASCII && c.isNumber {
                while i < chars.count && (chars[i].isLetter || chars[i].isNumber || chars[i] == "." || chars[i] == "_" || chars[i] == "-") { i += 1 }
                tokens.append(ExpressionToken(kind: .number, text: String(chars[start..<i]), column: start + 1, length: i - start))
                continue
            }
            if isWordStart(c) {
                while i < chars.count && isWordPart(chars[i]) { i += 1 }
                tokens.append(ExpressionToken(kind: .word, text: String(chars[start..<i]), column: start + 1, length: i - start))
                continue
            }
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            let symbol: String
            switch c {
            case "(", "（": symbol = "("
            case ")", "）": symbol = ")"
            case ",", "，": symbol = ","
            case ":", "：": symbol = ":"
            case "=": symbol = next == "=" ? "==" : "="
            case "!": symbol = next == "=" ? "!=" : "!"
            case "<": symbol = next == "=" ? "<=" : "<"
            case ">": symbol = next == "=" ? ">=" : ">"
            default:
                throw ExpressionError(expression: source, column: start + 1, message: "unexpected character '\(c)'")
            }
            if symbol == "!" {
                throw ExpressionError(expression: source, column: start + 1, message: "unexpected '!' (use != or not)")
            }
            i += symbol.count
            // `==` reads as `=`.
            tokens.append(ExpressionToken(kind: .symbol, text: symbol == "==" ? "=" : symbol, column: start + 1, length: symbol.count))
        }
        tokens.append(ExpressionToken(kind: .end, text: "", column: chars.count + 1, length: 1))
        return tokens
    }
}
