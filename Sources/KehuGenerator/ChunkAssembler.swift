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

/// One chunk of simulated events with the ground truth behind them.
public struct GeneratedChunk: Sendable {
    /// The events, in consumer order and by time within a consumer.
    public var events: EventBatch
    /// Per event, the index (0-based) of the simulated consumer who produced it: the truth that
    /// identity resolution should recover from the keys.
    public var consumers: [Int32]
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
        var batch = EventBatch()
        batch.reserve(plan.count)
        var consumers: [Int32] = []
        consumers.reserveCapacity(plan.count)
        // Vocabulary code → batch code, filled on first use so tables hold only used strings.
        var fieldMaps = world.vocabulary.tables.map { [UInt32](repeating: 0, count: $0.codeCount) }
        var tabletCodes = [UInt32](repeating: 0, count: world.storeTablets.codeCount)
        var orderCodes: [UInt32] = []
        var number = plan.firstNumber
        var scratch = [UInt8](repeating: 0, count: 64)

        for piece in plan.pieces {
            let block = piece.block
            var keyCodes = [UInt32](repeating: 0, count: block.keyOffsets.count - 1)
            var currentConsumer = UInt32.max
            block.keyBytes.withUnsafeBytes { keyBytes in
                for i in piece.range {
                    let e = block.events[i]
                    if e.consumer != currentConsumer {
                        currentConsumer = e.consumer
                        orderCodes.removeAll(keepingCapacity: true)
                    }
                    let consumer = block.firstConsumer + Int(e.consumer)

                    func keyCode(_ key: UInt32) -> UInt32 {
                        if key & SimulatedEvent.sharedBit != 0 {
                            let store = Int(key & ~SimulatedEvent.sharedBit)
                            if tabletCodes[store + 1] == 0 {
                                tabletCodes[store + 1] = world.storeTablets.withBytes(UInt32(store + 1)) { batch.keys.intern($0) }
                            }
                            return tabletCodes[store + 1]
                        }
                        let k = Int(key)
                        if keyCodes[k] == 0 {
                            let bytes = UnsafeRawBufferPointer(rebasing: keyBytes[block.keyOffsets[k]..<block.keyOffsets[k + 1]])
                            keyCodes[k] = batch.keys.intern(bytes)
                        }
                        return keyCodes[k]
                    }
                    func fieldCode(_ field: EventField, _ vocabularyCode: UInt32) -> UInt32 {
                        if vocabularyCode == 0 { return 0 }
                        let f = field.rawValue
                        let mapped = fieldMaps[f][Int(vocabularyCode)]
                        if mapped != 0 { return mapped }
                        let code = world.vocabulary.tables[f].withBytes(vocabularyCode) { batch.tables[f].intern($0) }
                        fieldMaps[f][Int(vocabularyCode)] = code
                        return code
                    }

                    var fields = SIMD8<UInt32>(repeating: 0)
                    fields[EventField.channel.rawValue] = fieldCode(.channel, UInt32(e.channel.rawValue + 1))
                    fields[EventField.touchpoint.rawValue] = fieldCode(.touchpoint, UInt32(e.touchpoint))
                    fields[EventField.campaign.rawValue] = fieldCode(.campaign, UInt32(e.campaign))
                    fields[EventField.content.rawValue] = fieldCode(.content, e.content)
                    fields[EventField.sku.rawValue] = fieldCode(.sku, UInt32(e.sku))
                    fields[EventField.category.rawValue] = fieldCode(.category, UInt32(e.category))
                    if e.order != 0 {
                        let o = Int(e.order)
                        if orderCodes.count <= o { orderCodes.append(contentsOf: repeatElement(0, count: o + 1 - orderCodes.count)) }
                        if orderCodes[o] == 0 {
                            orderCodes[o] = scratch.withUnsafeMutableBufferPointer { buffer in
                                let length = Self.writeOrderID(e.channel, consumer: consumer, order: e.order, into: buffer.baseAddress!)
                                return batch.tables[EventField.orderID.rawValue].intern(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<length])))
                            }
                        }
                        fields[EventField.orderID.rawValue] = orderCodes[o]
                    }

                    let fingerprint = scratch.withUnsafeMutableBufferPointer { buffer in
                        let length = idPrefix.withUnsafeBytes { ByteFormatting.write($0, to: buffer.baseAddress!, at: 0) }
                        let end = ByteFormatting.writeDecimal(UInt64(number), to: buffer.baseAddress!, at: length)
                        return EventFingerprint(eventID: UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<end])))
                    }
                    let keys = KeyCodePair(first: keyCode(e.key1), second: e.key2 == SimulatedEvent.noKey ? nil : keyCode(e.key2))
                    batch.append(
                        fingerprint: fingerprint, ts: e.ts, kind: e.kind, keyCodes: keys, fieldCodes: fields,
                        amount: e.amount, listPrice: e.listPrice, quantity: e.quantity, source: number + 1)
                    consumers.append(Int32(consumer))
                    number += 1
                }
            }
        }
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

/// One or two key codes, as a sequence without allocating.
struct KeyCodePair: Sequence, IteratorProtocol {
    var first: UInt32?
    var second: UInt32?

    mutating func next() -> UInt32? {
        if let value = first {
            first = nil
            return value
        }
        if let value = second {
            second = nil
            return value
        }
        return nil
    }
}
