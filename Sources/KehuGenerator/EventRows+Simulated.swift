import KehuModel

/// The simulation's fixed strings (field vocabularies and guide tablets) as the start of every
/// chunk's ``EventRows``, so a chunk only adds its consumers' keys and order ids.
struct SimulatedRowsTemplate: Sendable {
    let rows: EventRows
    /// Per ``EventField`` (except `order_id`), the string id of vocabulary code 1.
    let fieldBase: [Int]
    let tabletBase: Int
    let format: CanonicalEventWriter.Format

    init(world: BrandWorld, format: CanonicalEventWriter.Format) {
        var rows = EventRows()
        var bases: [Int] = []
        for field in EventField.allCases {
            bases.append(field == .orderID ? 0 : rows.add(world.vocabulary.tables[field.rawValue], format: format))
        }
        tabletBase = rows.add(world.storeTablets, format: format)
        fieldBase = bases
        self.rows = rows
        self.format = format
    }
}

extension EventRows {
    /// The rows of a chunk of simulated events, without building an ``EventBatch``: the strings
    /// are referenced by id, so nothing is interned or hashed.
    /// - Complexity: O(events + key bytes of the chunk's blocks).
    init(_ plan: ChunkPlan, template: SimulatedRowsTemplate) {
        self = template.rows
        let n = plan.count
        ts.reserveCapacity(n)
        kinds.reserveCapacity(n)
        sources.reserveCapacity(n)
        amounts.reserveCapacity(n)
        listPrices.reserveCapacity(n)
        quantities.reserveCapacity(n)
        keyOffsets.reserveCapacity(n + 1)
        keyStrings.reserveCapacity(2 * n)
        fieldStrings.reserveCapacity(n * Self.fieldCount)
        let base = template.fieldBase
        @inline(__always) func id(_ field: EventField, _ code: Int) -> Int {
            code == 0 ? 0 : base[field.rawValue] + code - 1
        }

        var number = plan.firstNumber
        var orderIDs: [Int] = []
        var scratch = [UInt8](repeating: 0, count: 64)
        for piece in plan.pieces {
            let block = piece.block
            // The block's key texts, key k becoming string keyBase + k.
            let keyBase = starts.count - 1
            let textBase = text.count
            text.append(contentsOf: block.keyBytes)
            for k in 1..<block.keyOffsets.count { starts.append(textBase + block.keyOffsets[k]) }
            markSpecial(from: keyBase, format: template.format)

            var currentConsumer = UInt32.max
            for i in piece.range {
                let e = block.events[i]
                if e.consumer != currentConsumer {
                    currentConsumer = e.consumer
                    orderIDs.removeAll(keepingCapacity: true)
                }
                ts.append(e.ts)
                kinds.append(e.kind)
                sources.append(number + 1)
                amounts.append(e.amount)
                listPrices.append(e.listPrice)
                quantities.append(e.quantity)
                keyStrings.append(Self.keyID(e.key1, keyBase: keyBase, tabletBase: template.tabletBase))
                if e.key2 != SimulatedEvent.noKey {
                    keyStrings.append(Self.keyID(e.key2, keyBase: keyBase, tabletBase: template.tabletBase))
                }
                keyOffsets.append(keyStrings.count)
                fieldStrings.append(id(.channel, e.channel.rawValue + 1))
                fieldStrings.append(id(.touchpoint, Int(e.touchpoint)))
                fieldStrings.append(id(.campaign, Int(e.campaign)))
                fieldStrings.append(id(.content, Int(e.content)))
                fieldStrings.append(id(.sku, Int(e.sku)))
                fieldStrings.append(id(.category, Int(e.category)))
                var order = 0
                if e.order != 0 {
                    let o = Int(e.order)
                    if orderIDs.count <= o { orderIDs.append(contentsOf: repeatElement(0, count: o + 1 - orderIDs.count)) }
                    if orderIDs[o] == 0 {
                        let consumer = block.firstConsumer + Int(e.consumer)
                        orderIDs[o] = scratch.withUnsafeMutableBufferPointer { buffer in
                            let length = ChunkAssembler.writeOrderID(e.channel, consumer: consumer, order: e.order, into: buffer.baseAddress!)
                            return add(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<length])), format: template.format)
                        }
                    }
                    order = orderIDs[o]
                }
                fieldStrings.append(order)
                number += 1
            }
        }
    }

    @inline(__always)
    static func keyID(_ key: UInt32, keyBase: Int, tabletBase: Int) -> Int {
        key & SimulatedEvent.sharedBit != 0 ? tabletBase + Int(key & ~SimulatedEvent.sharedBit) : keyBase + Int(key)
    }
}
