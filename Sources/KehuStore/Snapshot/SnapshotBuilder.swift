import Dispatch
import GRDB
import KehuModel

/// Builds a ``Snapshot`` from a workspace's registered segments plus its inbox.
///
/// Two passes over the segments: the first reads each segment's key column and dictionaries to
/// learn which consumers exist, how many events each has and the global dictionaries; the second
/// scatters every row straight to its final place (consumer-major). Each consumer's rows are then
/// put in time order. Inbox events are included: their keys are resolved through the catalogue,
/// and keys it does not know yet get a provisional consumer (the flush resolves them for good).
enum SnapshotBuilder {
    static func build(_ workspace: Workspace, progress: ((String) -> Void)? = nil) throws(StoreError) -> Snapshot {
        // One consistent read of the catalogue.
        let state: (version: Int64, segments: [SegmentInfo], consumerOfKey: [UInt32], inbox: [(id: Int64, record: EventRecord)], keys: [IdentityKey: UInt32]) =
            try workspace.catalogue.read { db in
                let version = try Setting.int(db, Setting.dataVersion)
                let segments = try Row.fetchAll(db, sql: "SELECT id, file, row_count, min_ts, max_ts, bytes, level FROM segment ORDER BY id").map {
                    SegmentInfo(id: $0["id"], file: $0["file"], rowCount: $0["row_count"], minTs: $0["min_ts"], maxTs: $0["max_ts"], bytes: $0["bytes"], level: $0["level"])
                }
                let inbox = try Inbox.read(db, limit: Int.max)
                var consumerOfKey: [UInt32] = [0]
                var keys: [IdentityKey: UInt32] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT id, consumer_id, type, value FROM identity_key ORDER BY id")
                while let row = try rows.next() {
                    let id = Int(row[0] as Int64)
                    if consumerOfKey.count <= id { consumerOfKey += [UInt32](repeating: 0, count: id + 1 - consumerOfKey.count) }
                    consumerOfKey[id] = UInt32(row[1] as Int64)
                    if !inbox.isEmpty, let type = IdentityKeyType(rawValue: UInt8(row[2] as Int64)) {
                        keys[IdentityKey(type: type, value: row[3])] = UInt32(id)
                    }
                }
                return (version, segments, consumerOfKey, inbox, keys)
            }

        // Load segments (both cores). Each is verified; a corrupt one fails the build by name.
        progress?("reading \(state.segments.count) segments")
        let paths = state.segments.map { workspace.segmentPath($0.file) }
        var parts = try loadSegments(paths)

        var consumerOfKey = state.consumerOfKey
        if !state.inbox.isEmpty {
            parts.append(try inboxPart(state.inbox, segments: parts, keys: state.keys, consumerOfKey: &consumerOfKey))
        }

        // Pass 1: consumers present, event counts, global dictionaries.
        var maxConsumer: UInt32 = 0
        for id in consumerOfKey { maxConsumer = max(maxConsumer, id) }
        var perConsumer = [UInt32](repeating: 0, count: Int(maxConsumer) + 1)
        for part in parts {
            for key in part.key {
                let consumer = Int(consumerOfKey[Int(key)])
                perConsumer[consumer] &+= 1
            }
        }
        var consumerIDs: [UInt32] = []
        var denseOf = [Int32](repeating: -1, count: perConsumer.count)
        for id in 1..<max(1, perConsumer.count) where perConsumer[id] > 0 {
            denseOf[id] = Int32(consumerIDs.count)
            consumerIDs.append(UInt32(id))
        }
        var eventStart = [UInt32](repeating: 0, count: consumerIDs.count + 1)
        var total = 0
        for (dense, id) in consumerIDs.enumerated() {
            eventStart[dense] = UInt32(total)
            total += Int(perConsumer[Int(id)])
        }
        eventStart[consumerIDs.count] = UInt32(total)
        guard total < Int(UInt32.max) else {
            throw .invalidArgument("a snapshot holds at most 4,294,967,295 events; use the ClickHouse backend beyond that")
        }
        var dictionaries = [StringTable](repeating: StringTable(), count: EventField.allCases.count)
        var maps: [[[UInt32]]] = []
        for part in parts {
            var partMaps: [[UInt32]] = []
            for f in 0..<dictionaries.count { partMaps.append(EventBatch.recode(part.tables[f], into: &dictionaries[f])) }
            maps.append(partMaps)
        }

        // Pass 2: scatter rows to their consumer's range.
        progress?("arranging \(total) events by consumer")
        var cursor = Array(eventStart.dropLast())
        var ts = [Int64](repeating: 0, count: total)
        var kind = [UInt8](repeating: 0, count: total)
        var tiebreak = [UInt64](repeating: 0, count: total)
        let stringFields = EventField.allCases.filter { $0 != .orderID }.map(\.rawValue)
        // Field-major: the code of field f for row i is codes[f * total + i].
        let fieldCount = EventField.allCases.count
        var codes = [UInt32](repeating: 0, count: total * fieldCount)
        var amount = [Int64](repeating: Money.unknownFen, count: total)
        var listPrice = [Int64](repeating: Money.unknownFen, count: total)
        var quantity = [Int32](repeating: 0, count: total)
        for (p, part) in parts.enumerated() {
            let partMaps = maps[p]
            for r in 0..<part.rowCount {
                let dense = Int(denseOf[Int(consumerOfKey[Int(part.key[r])])])
                let at = Int(cursor[dense])
                cursor[dense] += 1
                ts[at] = part.ts[r]
                kind[at] = part.kind[r]
                tiebreak[at] = part.fingerprintHigh[r]
                for f in 0..<fieldCount { codes[f * total + at] = partMaps[f][Int(part.codes[f][r])] }
                amount[at] = part.amount[r]
                listPrice[at] = part.listPrice[r]
                quantity[at] = part.quantity[r]
            }
        }
        parts = []

        // Time order within each consumer (both cores; consumers are disjoint ranges).
        progress?("sorting each consumer's events by time")
        sortWithinConsumers(
            eventStart: eventStart, ts: &ts, kind: &kind, tiebreak: &tiebreak, codes: &codes, amount: &amount,
            listPrice: &listPrice, quantity: &quantity)

        // Narrow the columns.
        var fields: [CodeColumn] = []
        for f in 0..<EventField.allCases.count {
            if stringFields.contains(f) {
                fields.append(CodeColumn(Array(codes[(f * total)..<((f + 1) * total)]), codeCount: dictionaries[f].codeCount))
            } else {
                fields.append(.u8([]))
            }
        }
        let orderField = EventField.orderID.rawValue
        var bits = [UInt64](repeating: 0, count: (total + 63) / 64)
        var orderIDs: [UInt32] = [], amounts: [Int64] = [], prices: [Int64] = [], quantities: [Int32] = []
        for i in 0..<total {
            let order = codes[orderField * total + i]
            if order != 0 || amount[i] != Money.unknownFen || listPrice[i] != Money.unknownFen || quantity[i] != 0
                || kind[i] == EventKind.pay.rawValue || kind[i] == EventKind.refund.rawValue
            {
                bits[i >> 6] |= 1 << UInt64(i & 63)
                orderIDs.append(order)
                amounts.append(amount[i])
                prices.append(listPrice[i])
                quantities.append(quantity[i])
            }
        }
        let commerce = CommerceColumns(bits: bits, orderID: orderIDs, amount: amounts, listPrice: prices, quantity: quantities)
        return Snapshot(
            workspace: workspace.name, zone: workspace.zone, dataVersion: state.version, consumerIDs: consumerIDs,
            eventStart: eventStart, ts: ts, kind: kind.map { EventKind(rawValue: $0)! }, fields: fields,
            dictionaries: dictionaries, commerce: commerce)
    }

    /// Reads and verifies segments on both cores, in catalogue order.
    static func loadSegments(_ paths: [String]) throws(StoreError) -> [SegmentColumns] {
        var results = [Result<SegmentColumns, StoreError>?](repeating: nil, count: paths.count)
        results.withUnsafeMutableBufferPointer { buffer in
            // Each iteration writes only its own element.
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: paths.count) { i in
                out[i] = Result { () throws(StoreError) in try SegmentReader.read(path: paths[i]) }
            }
        }
        var out: [SegmentColumns] = []
        out.reserveCapacity(paths.count)
        for result in results { out.append(try result!.get()) }
        return out
    }

    /// The inbox as one more part: duplicates of stored events are dropped, known keys map to
    /// their consumers, unknown ones get provisional ids beyond the catalogue's.
    static func inboxPart(
        _ rows: [(id: Int64, record: EventRecord)], segments: [SegmentColumns], keys: [IdentityKey: UInt32],
        consumerOfKey: inout [UInt32]
    ) throws(StoreError) -> SegmentColumns {
        var stored = FingerprintSet(capacity: segments.reduce(0) { $0 + $1.rowCount } + rows.count)
        for part in segments {
            for r in 0..<part.rowCount { stored.insert(high: part.fingerprintHigh[r], low: part.fingerprintLow[r]) }
        }
        var nextConsumer = (consumerOfKey.max() ?? 0) + 1
        var provisionalKeys: [IdentityKey: UInt32] = [:]
        var columns = SegmentColumns()
        for (_, record) in rows {
            guard stored.insert(high: record.fingerprint.high, low: record.fingerprint.low) else { continue }
            var parsed: [IdentityKey] = []
            for text in record.keys {
                guard let key = try? IdentityKey.parse(text) else {
                    throw .invalidArgument("an inbox record has a malformed identity key")
                }
                parsed.append(key)
            }
            guard let anchor = parsed.min(by: { $0.type.anchorRank < $1.type.anchorRank }) else { continue }
            // A known key decides the consumer; otherwise the anchor key gets a provisional one.
            var keyID: UInt32
            if let known = parsed.compactMap({ keys[$0] }).first {
                keyID = known
            } else if let provisional = provisionalKeys[anchor] {
                keyID = provisional
            } else {
                keyID = UInt32(consumerOfKey.count)
                consumerOfKey.append(nextConsumer)
                nextConsumer += 1
                provisionalKeys[anchor] = keyID
            }
            for key in parsed where keys[key] == nil && provisionalKeys[key] == nil { provisionalKeys[key] = keyID }
            columns.fingerprintHigh.append(record.fingerprint.high)
            columns.fingerprintLow.append(record.fingerprint.low)
            columns.ts.append(record.ts)
            columns.key.append(keyID)
            columns.kind.append(record.kind.rawValue)
            for field in EventField.allCases {
                columns.codes[field.rawValue].append(record[field].map { columns.tables[field.rawValue].intern($0) } ?? 0)
            }
            columns.amount.append(record.amount ?? Money.unknownFen)
            columns.listPrice.append(record.listPrice ?? Money.unknownFen)
            columns.quantity.append(record.quantity ?? 0)
        }
        return columns
    }

    /// Sorts each consumer's rows by (ts, kind, fingerprint), in place, on both cores.
    static func sortWithinConsumers(
        eventStart: [UInt32], ts: inout [Int64], kind: inout [UInt8], tiebreak: inout [UInt64], codes: inout [UInt32],
        amount: inout [Int64], listPrice: inout [Int64], quantity: inout [Int32]
    ) {
        let consumers = eventStart.count - 1
        guard consumers > 0 else { return }
        let chunks = min(64, consumers)
        ts.withUnsafeMutableBufferPointer { tsBuffer in
        kind.withUnsafeMutableBufferPointer { kindBuffer in
        tiebreak.withUnsafeMutableBufferPointer { tieBuffer in
        amount.withUnsafeMutableBufferPointer { amountBuffer in
        listPrice.withUnsafeMutableBufferPointer { priceBuffer in
        quantity.withUnsafeMutableBufferPointer { quantityBuffer in
        codes.withUnsafeMutableBufferPointer { codeBuffer in
            let total = tsBuffer.count
            let fieldCount = total == 0 ? 0 : codeBuffer.count / total
            // Each chunk owns a disjoint range of consumers, hence of rows: no two threads write
            // the same element.
            nonisolated(unsafe) let t = tsBuffer, k = kindBuffer, tb = tieBuffer, a = amountBuffer,
                lp = priceBuffer, q = quantityBuffer, cb = codeBuffer
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let first = consumers * chunk / chunks
                let last = consumers * (chunk + 1) / chunks
                var order: [Int] = []
                var scratch64: [Int64] = []
                var scratchU64: [UInt64] = []
                var scratch8: [UInt8] = []
                var scratch32: [UInt32] = []
                var scratchI32: [Int32] = []
                for c in first..<last {
                    let start = Int(eventStart[c])
                    let end = Int(eventStart[c + 1])
                    guard end - start > 1 else { continue }
                    func less(_ x: Int, _ y: Int) -> Bool {
                        if t[x] != t[y] { return t[x] < t[y] }
                        if k[x] != k[y] { return k[x] < k[y] }
                        return tb[x] < tb[y]
                    }
                    var sorted = true
                    for i in (start + 1)..<end where less(i, i - 1) {
                        sorted = false
                        break
                    }
                    if sorted { continue }
                    order = Array(start..<end)
                    order.sort(by: less)
                    scratch64 = order.map { t[$0] }
                    for (o, v) in scratch64.enumerated() { t[start + o] = v }
                    scratch8 = order.map { k[$0] }
                    for (o, v) in scratch8.enumerated() { k[start + o] = v }
                    scratchU64 = order.map { tb[$0] }
                    for (o, v) in scratchU64.enumerated() { tb[start + o] = v }
                    scratch64 = order.map { a[$0] }
                    for (o, v) in scratch64.enumerated() { a[start + o] = v }
                    scratch64 = order.map { lp[$0] }
                    for (o, v) in scratch64.enumerated() { lp[start + o] = v }
                    scratchI32 = order.map { q[$0] }
                    for (o, v) in scratchI32.enumerated() { q[start + o] = v }
                    for f in 0..<fieldCount {
                        let base = f * total
                        scratch32 = order.map { cb[base + $0] }
                        for (o, v) in scratch32.enumerated() { cb[base + start + o] = v }
                    }
                }
            }
        }
        }
        }
        }
        }
        }
        }
    }
}
