import KehuModel

/// The columns of a piece's events, in manually managed memory (see ``RawColumn``). Kept
/// across chunks by the decoder, so a chunk writes into memory already mapped.
struct EventColumns {
    var fingerprint: RawColumn<EventFingerprint>
    var ts: RawColumn<Int64>
    var kind: RawColumn<EventKind>
    var keyOffsets: RawColumn<UInt32>
    var keyCodes: RawColumn<UInt32>
    var codes: (RawColumn<UInt32>, RawColumn<UInt32>, RawColumn<UInt32>, RawColumn<UInt32>,
                RawColumn<UInt32>, RawColumn<UInt32>, RawColumn<UInt32>)
    var amount: RawColumn<Int64>
    var listPrice: RawColumn<Int64>
    var quantity: RawColumn<Int32>
    var lines: RawColumn<Int64>

    init(capacity n: Int) {
        fingerprint = RawColumn(capacity: n)
        ts = RawColumn(capacity: n)
        kind = RawColumn(capacity: n)
        keyOffsets = RawColumn(capacity: n + 1)
        keyOffsets.append(0)
        keyCodes = RawColumn(capacity: n * 3 / 2)
        codes = (RawColumn(capacity: n), RawColumn(capacity: n), RawColumn(capacity: n), RawColumn(capacity: n),
                 RawColumn(capacity: n), RawColumn(capacity: n), RawColumn(capacity: n))
        amount = RawColumn(capacity: n)
        listPrice = RawColumn(capacity: n)
        quantity = RawColumn(capacity: n)
        lines = RawColumn(capacity: n)
    }

    /// Empties the columns, keeping their memory.
    mutating func reset() {
        fingerprint.removeAll()
        ts.removeAll()
        kind.removeAll()
        keyOffsets.removeAll()
        keyOffsets.append(0)
        keyCodes.removeAll()
        codes.0.removeAll(); codes.1.removeAll(); codes.2.removeAll(); codes.3.removeAll()
        codes.4.removeAll(); codes.5.removeAll(); codes.6.removeAll()
        amount.removeAll()
        listPrice.removeAll()
        quantity.removeAll()
        lines.removeAll()
    }

    /// Releases the memory; the columns must not be used afterwards.
    func free() {
        fingerprint.free()
        ts.free()
        kind.free()
        keyOffsets.free()
        keyCodes.free()
        codes.0.free(); codes.1.free(); codes.2.free(); codes.3.free(); codes.4.free(); codes.5.free(); codes.6.free()
        amount.free()
        listPrice.free()
        quantity.free()
        lines.free()
    }

    func code(_ field: Int) -> RawColumn<UInt32> {
        switch field {
        case 0: codes.0
        case 1: codes.1
        case 2: codes.2
        case 3: codes.3
        case 4: codes.4
        case 5: codes.5
        default: codes.6
        }
    }
}
