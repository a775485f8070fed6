import KehuModel

/// Decodes the rows of one piece of a CSV file through a ``ColumnPlan``.
struct CSVPieceDecoder: PieceDecoder {
    let plan: ColumnPlan

    var quoteAware: Bool { true }
    var parallel: Bool { true }

    mutating func decode(
        _ piece: UnsafeRawBufferPointer, firstLine: Int64, quoteFree: Bool, into builder: inout BatchBuilder
    ) {
        guard piece.count > 0 else { return }
        var splitter = CSVRecordSplitter(capacity: plan.columnCount)
        defer { splitter.deallocate() }
        let arena = builder.arena
        let keyArena = builder.keyArena
        let pinned = plan.pinned
        let columnCount = plan.columnCount
        var line = firstLine
        var p = 0
        while p < piece.count {
            arena.count = 0
            let recordLine = line
            let recordStart = p
            p = splitter.split(piece, at: p, quoteFree: quoteFree, arena: arena)
            line += Int64(splitter.lineFeeds)
            let endsWithLineFeed = piece[p - 1] == 0x0A
            if p - recordStart - (endsWithLineFeed ? 1 : 0) > builder.maxRecord {
                // Only single-line records get here: the pre-scan stops before a long record
                // with quotes, and the decoder skips its first line.
                builder.rejectTooLong(line: recordLine)
                continue
            }
            if let problem = splitter.problem {
                builder.reject(line: recordLine, field: "record", reason: problem.reason)
                continue
            }
            if splitter.cellCount != columnCount {
                if splitter.cellCount == 1 && splitter[0].isBlank { continue }
                builder.reject(
                    line: recordLine, field: "record",
                    reason: "the record has \(splitter.cellCount) columns; the header has \(columnCount)")
                continue
            }
            let draft = builder.makeDraft()
            plan.cellAssignments.withUnsafeBufferPointer { assignments in
                for assignment in assignments { draft[assignment.columnIndex] = splitter[assignment.cell] }
            }
            for constant in plan.constantAssignments {
                draft.set(constant.column, pinned.bytes(constant.text))
            }
            if !plan.keyColumns.isEmpty {
                // Bare key values become `type:value` in the key arena, sized first so it does
                // not move while spans into it are taken.
                keyArena.count = 0
                var composedLength = 0
                for key in plan.keyColumns { composedLength += key.prefix.length + splitter[key.cell].count }
                keyArena.reserve(composedLength)
                for key in plan.keyColumns {
                    let value = splitter[key.cell].trimmingSpaces()
                    if value.isEmpty { continue }
                    let start = keyArena.count
                    keyArena.append(pinned.bytes(key.prefix))
                    keyArena.append(value)
                    builder.keySpans.append(keyArena.bytes(start, keyArena.count - start))
                }
            }
            builder.commit(draft, line: recordLine)
        }
        builder.linesConsumed = line - firstLine + (piece[piece.count - 1] == 0x0A ? 0 : 1)
    }
}

/// How the cells of a CSV row become an event's fields: from the canonical header, or from a
/// ``ColumnMapping`` resolved against the header.
struct ColumnPlan: Sendable {
    struct CellAssignment: Sendable {
        var column: CanonicalColumn
        var cell: Int
        /// `column.index`, precomputed for the hot loop.
        var columnIndex: Int

        init(column: CanonicalColumn, cell: Int) {
            self.column = column
            self.cell = cell
            columnIndex = column.index
        }
    }

    struct ConstantAssignment: Sendable {
        var column: CanonicalColumn
        var text: PinnedText.Span
    }

    struct KeyCell: Sendable {
        /// `type:` bytes.
        var prefix: PinnedText.Span
        var cell: Int
    }

    var columnCount: Int
    var cellAssignments: [CellAssignment] = []
    var constantAssignments: [ConstantAssignment] = []
    var keyColumns: [KeyCell] = []
    var pinned: PinnedText

    /// The plan for a canonical header: every cell must name a canonical column.
    static func canonical(header: [[UInt8]], source: String, hasDefaultChannel: Bool) throws(DecodeError) -> ColumnPlan {
        var plan = ColumnPlan(columnCount: header.count, pinned: PinnedText([]))
        var seen = Set<CanonicalColumn>()
        for (index, name) in header.enumerated() {
            let column = name.withUnsafeBytes { CanonicalColumn(name: $0) }
            guard let column else {
                let shown = name.isEmpty ? "" : Redaction.quotedName(name).map { String($0.dropFirst().dropLast()) }
                throw .unknownColumn(source: source, name: shown, position: index + 1)
            }
            guard seen.insert(column).inserted else {
                throw .duplicateColumn(source: source, name: column.name, position: index + 1)
            }
            plan.cellAssignments.append(CellAssignment(column: column, cell: index))
        }
        for column in CanonicalColumn.required where !seen.contains(column) {
            throw .missingColumn(source: source, column: column.name)
        }
        if !seen.contains(.channel) && !hasDefaultChannel { throw .noChannel(source: source) }
        return plan
    }

    /// The plan for any header read through a mapping; unmapped columns are ignored.
    static func mapped(
        header: [[UInt8]], mapping: ColumnMapping, source: String, hasDefaultChannel: Bool
    ) throws(DecodeError) -> ColumnPlan {
        var positions: [[UInt8]: Int] = [:]
        var repeated = Set<[UInt8]>()
        for (index, name) in header.enumerated() {
            if positions[name] == nil { positions[name] = index } else { repeated.insert(name) }
        }
        func cell(_ column: String, for field: String) throws(DecodeError) -> Int {
            let name = Array(column.utf8)
            guard let index = positions[name] else {
                throw .mappedColumnMissing(source: source, field: field, column: column)
            }
            guard !repeated.contains(name) else {
                throw .duplicateColumn(source: source, name: column, position: header.lastIndex(of: name)! + 1)
            }
            return index
        }
        var texts: [[UInt8]] = []
        var spans: [PinnedText.Span] = []
        var nextOffset = 0
        func pin(_ text: String) -> PinnedText.Span {
            let bytes = Array(text.utf8)
            texts.append(bytes)
            let span = PinnedText.Span(offset: nextOffset, length: bytes.count)
            nextOffset += bytes.count
            spans.append(span)
            return span
        }
        var cells: [CellAssignment] = []
        var constants: [ConstantAssignment] = []
        for column in CanonicalColumn.allCases {
            guard let source = mapping.fields[column] else { continue }
            switch source {
            case .column(let name): cells.append(CellAssignment(column: column, cell: try cell(name, for: column.name)))
            case .constant(let value): constants.append(ConstantAssignment(column: column, text: pin(value)))
            }
        }
        var keys: [KeyCell] = []
        for key in mapping.keyColumns {
            keys.append(KeyCell(prefix: pin(key.type.name + ":"), cell: try cell(key.column, for: "keys.\(key.type.name)")))
        }
        if mapping.fields[.channel] == nil && !hasDefaultChannel { throw .noChannel(source: source) }
        var plan = ColumnPlan(columnCount: header.count, pinned: PinnedText(texts.flatMap { $0 }))
        plan.cellAssignments = cells
        plan.constantAssignments = constants
        plan.keyColumns = keys
        return plan
    }

    /// Splits a header record into trimmed names.
    static func headerNames(_ record: UnsafeRawBufferPointer) -> (names: [[UInt8]], problem: CSVRecordSplitter.Problem?) {
        let arena = ByteArena()
        var splitter = CSVRecordSplitter(capacity: 4096)
        defer { splitter.deallocate() }
        _ = splitter.split(record, at: 0, quoteFree: false, arena: arena)
        if let problem = splitter.problem { return ([], problem) }
        var names: [[UInt8]] = []
        for i in 0..<min(splitter.cellCount, 4096) {
            names.append(Array(splitter[i].trimmingSpaces()))
        }
        return (names, nil)
    }
}

/// Immutable bytes at a stable address, shared by the threads decoding one file (mapping
/// constants, key prefixes).
///
/// `@unchecked Sendable`: the memory is written once in `init` and only read afterwards.
final class PinnedText: @unchecked Sendable {
    struct Span: Sendable {
        var offset: Int
        var length: Int
    }

    private let base: UnsafeMutableRawPointer

    init(_ bytes: [UInt8]) {
        base = .allocate(byteCount: max(1, bytes.count), alignment: 8)
        bytes.withUnsafeBytes { if let source = $0.baseAddress { base.copyMemory(from: source, byteCount: $0.count) } }
    }

    deinit { base.deallocate() }

    @inline(__always)
    func bytes(_ span: Span) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: span.length == 0 ? nil : UnsafeRawPointer(base) + span.offset, count: span.length)
    }
}
