import KehuAnalytics

/// A mistake in a tag or audience expression, or a condition that cannot be evaluated: the
/// 1-based column (in characters) where it starts, what was expected, and the expression with a
/// caret line under the mistake.
///
/// ```
/// column 13: expected a window like 30d, got '30x'
///   count(cart, 30x) >= 2
///               ^^^
/// ```
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The expression as given.
    public var expression: String
    /// 1-based column of the mistake, in characters (a Chinese character is one column).
    public var column: Int
    /// Characters underlined (at least 1).
    public var length: Int
    /// What is wrong and what was expected.
    public var message: String

    public init(expression: String, column: Int, length: Int = 1, message: String) {
        self.expression = expression
        self.column = column
        self.length = max(1, length)
        self.message = message
    }

    /// The caret line: spaces up to the column (wide characters count two, as a terminal shows
    /// them) and `^` under the mistake.
    public var caretLine: String {
        let characters = Array(expression)
        let before = String(characters.prefix(max(0, column - 1)))
        let marked = String(characters.dropFirst(max(0, column - 1)).prefix(length))
        let width = max(1, TextTable.displayWidth(marked))
        return String(repeating: " ", count: TextTable.displayWidth(before)) + String(repeating: "^", count: width)
    }

    public var description: String {
        "column \(column): \(message)\n  \(expression)\n  \(caretLine)"
    }
}
