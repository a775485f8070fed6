import KehuModel

/// Decodes the lines of one piece of a canonical JSONL file.
struct JSONLPieceDecoder: PieceDecoder {
    var quoteAware: Bool { false }
    var parallel: Bool { true }

    mutating func decode(
        _ piece: UnsafeRawBufferPointer, firstLine: Int64, quoteFree: Bool, into builder: inout BatchBuilder
    ) {
        var reader = LineReader(piece, firstLine: firstLine)
        var scanner = FlatJSONScanner()
        let arena = builder.arena
        while let (text, line) = reader.next() {
            if text.count > builder.maxRecord {
                builder.rejectTooLong(line: line)
                continue
            }
            if text.isBlank { continue }
            arena.count = 0
            if let failure = scanner.scan(text, arena: arena) {
                builder.reject(line: line, field: failure.field, reason: failure.reason)
                continue
            }
            let base = text.baseAddress!
            let draft = builder.makeDraft()
            var problem: FlatJSONScanner.Failure?
            for column in CanonicalColumn.allCases {
                switch scanner.values[column.index] {
                case .absent, .null:
                    continue
                case .string(let ref):
                    draft.set(column, ref.resolve(input: base, arena: arena))
                case .number(let ref):
                    if column == .kind || column == .keys {
                        problem = .init(field: column.name, reason: "the value must be \(FlatJSONScanner.expected(column)), not a number")
                    } else {
                        draft.set(column, ref.resolve(input: base, arena: arena))
                    }
                case .strings(let start, let count):
                    for k in start..<(start + count) {
                        builder.keySpans.append(scanner.keyRefs[k].resolve(input: base, arena: arena))
                    }
                }
                if problem != nil { break }
            }
            if let problem {
                builder.keySpans.removeAll()
                builder.reject(line: line, field: problem.field, reason: problem.reason)
                continue
            }
            builder.commit(draft, line: line)
        }
        builder.linesConsumed = reader.line - firstLine
    }
}
