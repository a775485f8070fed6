import KehuModel

/// A run of one block's events that goes into a chunk.
struct ChunkPiece: Sendable {
    let block: SimulatedBlock
    let range: Range<Int>
}

/// The events of one chunk: pieces in order, and the number of the first event.
struct ChunkPlan: Sendable {
    var pieces: [ChunkPiece] = []
    /// 1-based number of the first event in the whole output.
    var firstNumber: Int64
    var count = 0
}

/// Turns simulated events into an ``EventBatch``: interns their strings, formats order ids and
/// computes each event's fingerprint from its id `g<seed>-<n>`.
struct ChunkAssembler: Sendable {
    let world: BrandWorld
    let idPrefix: [UInt8]

    init(world: BrandWorld) {
        self.world = world
        idPrefix = Array("g\(world.config.seed)-".utf8)
    }

    /// - Complexity: O(events + distinct strings in the chunk).
    func assemble(_ plan: ChunkPlan) -> GeneratedChunk {
        // Columns are built here and handed over whole: appending event by event through the
        // batch's generic `append` costs more than simulating the event.
        let n = plan.count
        var fingerprints: [EventFingerprint] = []
        var ts: [Int64] = []
        var kinds: [EventKind] = []
        var amounts: [Int64] = []
        var listPrices: [Int64] = []
        var quantities: [Int32] = []
        var sources: [Int64] = []
        var consumers: [Int32] = []
        var keyOffsets: [UInt32] = [0]
        var keyColumn: [UInt32] = []
        fingerprints.reserveCapacity(n)
        ts.reserveCapacity(n)
        kinds.reserveCapacity(n)
        amounts.reserveCapacity(n)
        listPrices.reserveCapacity(n)
        quantities.reserveCapacity(n)
        sources.reserveCapacity(n)
        consumers.reserveCapacity(n)
        keyOffsets.reserveCapacity(n + 1)
        keyColumn.reserveCapacity(2 * n)
        // One column per field, appended as separate arrays (not an array of arrays, whose
        // inner appends pay a uniqueness check each).
        var channels: [UInt32] = []
        var touchpoints: [UInt32] = []
        var campaigns: [UInt32] = []
        var contents: [UInt32] = []
        var skus: [UInt32] = []
        var categories: [UInt32] = []
        var orders: [UInt32] = []
        channels.reserveCapacity(n)
        touchpoints.reserveCapacity(n)
        campaigns.reserveCapacity(n)
        contents.reserveCapacity(n)
        skus.reserveCapacity(n)
        categories.reserveCapacity(n)
        orders.reserveCapacity(n)
        var keys = StringTable()
        var tables = [StringTable](repeating: StringTable(), count: EventField.allCases.count)
        // Vocabulary code → batch code, filled on first use so tables hold only used strings.
        var fieldMaps = world.vocabulary.tables.map { [UInt32](repeating: 0, count: $0.codeCount) }
        var tabletCodes = [UInt32](repeating: 0, count: world.storeTablets.codeCount)
        var orderCodes: [UInt32] = []
        var number = plan.firstNumber
        var scratch = [UInt8](repeating: 0, count: 64)
        // The id text `g<seed>-<n>`: the prefix stays, the digits change per event.
        var idText = idPrefix + [UInt8](repeating: 0, count: 24)
        let prefixLength = idPrefix.count

        for piece in plan.pieces {
            let block = piece.block
            var keyCodes = [UInt32](repeating: 0, count: block.keyOffsets.count - 1)
            var currentConsumer = UInt32.max
            block.keyBytes.withUnsafeBytes { keyBytes in
                func keyCode(_ key: UInt32) -> UInt32 {
                    if key & SimulatedEvent.sharedBit != 0 {
                        let code = Int(key & ~SimulatedEvent.sharedBit) + 1
                        if tabletCodes[code] == 0 {
                            tabletCodes[code] = world.storeTablets.withBytes(UInt32(code)) { keys.intern($0) }
                        }
                        return tabletCodes[code]
                    }
                    let k = Int(key)
                    if keyCodes[k] == 0 {
                        keyCodes[k] = keys.intern(
                            UnsafeRawBufferPointer(rebasing: keyBytes[block.keyOffsets[k]..<block.keyOffsets[k + 1]]))
                    }
                    return keyCodes[k]
                }
                func fieldCode(_ field: EventField, _ vocabularyCode: Int) -> UInt32 {
                    if vocabularyCode == 0 { return 0 }
                    let f = field.rawValue
                    let mapped = fieldMaps[f][vocabularyCode]
                    if mapped != 0 { return mapped }
                    let code = world.vocabulary.tables[f].withBytes(UInt32(vocabularyCode)) { tables[f].intern($0) }
                    fieldMaps[f][vocabularyCode] = code
                    return code
                }

                for i in piece.range {
                    let e = block.events[i]
                    if e.consumer != currentConsumer {
                        currentConsumer = e.consumer
                        orderCodes.removeAll(keepingCapacity: true)
                    }
                    let consumer = block.firstConsumer + Int(e.consumer)
                    fingerprints.append(idText.withUnsafeMutableBufferPointer { buffer in
                        let end = ByteFormatting.writeDecimal(UInt64(number), to: buffer.baseAddress!, at: prefixLength)
                        return EventFingerprint(eventID: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<end])))
                    })
                    ts.append(e.ts)
                    kinds.append(e.kind)
                    keyColumn.append(keyCode(e.key1))
                    if e.key2 != SimulatedEvent.noKey { keyColumn.append(keyCode(e.key2)) }
                    keyOffsets.append(UInt32(keyColumn.count))
                    channels.append(fieldCode(.channel, e.channel.rawValue + 1))
                    touchpoints.append(fieldCode(.touchpoint, Int(e.touchpoint)))
                    campaigns.append(fieldCode(.campaign, Int(e.campaign)))
                    contents.append(fieldCode(.content, Int(e.content)))
                    skus.append(fieldCode(.sku, Int(e.sku)))
                    categories.append(fieldCode(.category, Int(e.category)))
                    var orderCode: UInt32 = 0
                    if e.order != 0 {
                        let o = Int(e.order)
                        if orderCodes.count <= o { orderCodes.append(contentsOf: repeatElement(0, count: o + 1 - orderCodes.count)) }
                        if orderCodes[o] == 0 {
                            orderCodes[o] = scratch.withUnsafeMutableBufferPointer { buffer in
                                let length = Self.writeOrderID(e.channel, consumer: consumer, order: e.order, into: buffer.baseAddress!)
                                return tables[EventField.orderID.rawValue].intern(
                                    UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<length])))
                            }
                        }
                        orderCode = orderCodes[o]
                    }
                    orders.append(orderCode)
                    amounts.append(e.amount)
                    listPrices.append(e.listPrice)
                    quantities.append(e.quantity)
                    sources.append(number + 1)
                    consumers.append(Int32(consumer))
                    number += 1
                }
            }
        }
        var codes = [[UInt32]](repeating: [], count: EventField.allCases.count)
        codes[EventField.channel.rawValue] = channels
        codes[EventField.touchpoint.rawValue] = touchpoints
        codes[EventField.campaign.rawValue] = campaigns
        codes[EventField.content.rawValue] = contents
        codes[EventField.sku.rawValue] = skus
        codes[EventField.category.rawValue] = categories
        codes[EventField.orderID.rawValue] = orders
        let batch = EventBatch(
            fingerprint: fingerprints, ts: ts, kind: kinds, keyOffsets: keyOffsets, keyCodes: keyColumn, keys: keys,
            codes: codes, tables: tables, amount: amounts, listPrice: listPrices, quantity: quantities, source: sources)
        return GeneratedChunk(events: batch, consumers: consumers)
    }

    /// `TM1234-5`: channel prefix, consumer index, the consumer's order number.
    static func writeOrderID(_ channel: Channel, consumer: Int, order: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = channel.orderPrefix.withUnsafeBytes { ByteFormatting.write($0, to: out, at: 0) }
        p = ByteFormatting.writeDecimal(UInt64(consumer), to: out, at: p)
        out[p] = UInt8(ascii: "-")
        return ByteFormatting.writeDecimal(UInt64(order), to: out, at: p + 1)
    }
}
