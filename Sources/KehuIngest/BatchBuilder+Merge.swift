import KehuModel

extension BatchBuilder {
    /// Joins the pieces of one chunk, in file order, into one batch and its rejects.
    ///
    /// The result is what one builder would have produced for the whole chunk: the first
    /// piece's tables are the base and every later piece's strings are recoded into them (as
    /// `EventBatch.append(contentsOf:)` does), and derived fingerprints get their occurrence
    /// numbers in file order; line numbers become absolute from `firstLine`. When a rejected record left keys no event uses, the key table is
    /// rebuilt in order of first use, so `batch.keys` holds exactly the events' keys.
    /// Releases the pieces' scratch memory and hands their columns back in `recycled`.
    /// - Complexity: O(events + distinct strings of the later pieces).
    static func merge(
        _ pieces: inout [BatchBuilder], firstLine: Int64, occurrences: inout OccurrenceCounter,
        recycled: inout [EventColumns]
    ) -> (batch: EventBatch, rejects: [Reject], lines: Int64) {
        let total = pieces.reduce(0) { $0 + $1.count }
        // Line numbers count from each piece's start: make them absolute.
        var base = firstLine
        for p in pieces.indices {
            for i in 0..<pieces[p].columns.lines.count { pieces[p].columns.lines[i] += base }
            for r in pieces[p].rejects.indices { pieces[p].rejects[r].line += base }
            base += pieces[p].linesConsumed
        }
        var keys = StringTable()
        swap(&keys, &pieces[0].keys)
        var tables = [StringTable](repeating: StringTable(), count: 7)
        swap(&tables[0], &pieces[0].tables.0)
        swap(&tables[1], &pieces[0].tables.1)
        swap(&tables[2], &pieces[0].tables.2)
        swap(&tables[3], &pieces[0].tables.3)
        swap(&tables[4], &pieces[0].tables.4)
        swap(&tables[5], &pieces[0].tables.5)
        swap(&tables[6], &pieces[0].tables.6)
        var keyMaps: [[UInt32]] = [[]]
        var fieldMaps: [[[UInt32]]] = [[]]
        for p in 1..<pieces.count {
            keyMaps.append(EventBatch.recode(pieces[p].keys, into: &keys))
            fieldMaps.append((0..<7).map { f in EventBatch.recode(pieces[p].tableArray[f], into: &tables[f]) })
        }

        var fingerprint = concatenate(pieces, total) { $0.columns.fingerprint }
        let ts = concatenate(pieces, total) { $0.columns.ts }
        let kind = concatenate(pieces, total) { $0.columns.kind }
        let amount = concatenate(pieces, total) { $0.columns.amount }
        let listPrice = concatenate(pieces, total) { $0.columns.listPrice }
        let quantity = concatenate(pieces, total) { $0.columns.quantity }
        let source = concatenate(pieces, total) { $0.columns.lines }
        var codes: [[UInt32]] = []
        for f in 0..<7 {
            codes.append(concatenateCodes(pieces, total, maps: fieldMaps.map { $0.isEmpty ? [] : $0[f] }) { $0.columns.code(f) })
        }
        var keyCodes = concatenateCodes(pieces, pieces.reduce(0) { $0 + $1.columns.keyCodes.count }, maps: keyMaps) { $0.columns.keyCodes }
        var keyOffsets = [UInt32](repeating: 0, count: total + 1)
        var event = 0
        var keyBase: UInt32 = 0
        for piece in pieces {
            let offsets = piece.columns.keyOffsets
            for i in 0..<piece.count {
                keyOffsets[event + i + 1] = keyBase + offsets[i + 1]
            }
            event += piece.count
            keyBase += offsets[piece.count]
        }

        // Derived fingerprints: the occurrence of identical content counts across the whole input.
        var first = 0
        for piece in pieces {
            for index in piece.pendingFingerprints {
                let content = fingerprint[first + index]
                fingerprint[first + index] = DerivedFingerprint.finish(
                    content: content, occurrence: occurrences.next(content.low))
            }
            first += piece.count
        }

        if pieces.contains(where: \.keysDirty) {
            var used = StringTable()
            var map = [UInt32](repeating: 0, count: keys.codeCount)
            for i in 0..<keyCodes.count {
                let old = Int(keyCodes[i])
                if map[old] == 0 { map[old] = keys.withBytes(UInt32(old)) { used.intern($0) } }
                keyCodes[i] = map[old]
            }
            keys = used
        }

        var rejects: [Reject] = []
        for piece in pieces {
            rejects.append(contentsOf: piece.rejects)
            piece.freeScratch()
        }
        recycled = pieces.map(\.columns)
        pieces.removeAll()
        let batch = EventBatch(
            fingerprint: fingerprint, ts: ts, kind: kind, keyOffsets: keyOffsets, keyCodes: keyCodes, keys: keys,
            codes: codes, tables: tables, amount: amount, listPrice: listPrice, quantity: quantity, source: source)
        return (batch, rejects, base - firstLine)
    }

    /// One column of every piece, back to back.
    private static func concatenate<Element>(
        _ pieces: [BatchBuilder], _ total: Int, _ column: (BatchBuilder) -> RawColumn<Element>
    ) -> [Element] {
        [Element](unsafeUninitializedCapacity: total) { output, initialized in
            var at = 0
            for piece in pieces {
                let values = column(piece).buffer
                if values.count > 0 { (output.baseAddress! + at).initialize(from: values.baseAddress!, count: values.count) }
                at += values.count
            }
            initialized = at
        }
    }

    /// One code column of every piece, back to back, recoded by `maps[p]` for pieces after the first.
    private static func concatenateCodes(
        _ pieces: [BatchBuilder], _ total: Int, maps: [[UInt32]], _ column: (BatchBuilder) -> RawColumn<UInt32>
    ) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: total) { output, initialized in
            var at = 0
            for (p, piece) in pieces.enumerated() {
                let values = column(piece).buffer
                if p == 0 {
                    if values.count > 0 { (output.baseAddress! + at).initialize(from: values.baseAddress!, count: values.count) }
                } else {
                    maps[p].withUnsafeBufferPointer { map in
                        for i in 0..<values.count { output[at + i] = map[Int(values[i])] }
                    }
                }
                at += values.count
            }
            initialized = at
        }
    }
}
