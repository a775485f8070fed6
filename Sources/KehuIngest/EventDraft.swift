import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text of one record's fields, before validation, by ``CanonicalColumn``. Spans point into
/// the input or a ``ByteArena`` and are valid only while the record is being committed. Empty
/// means absent.
///
/// The texts live in storage owned by the ``BatchBuilder`` (see ``BatchBuilder/makeDraft()``),
/// so a draft is cheap to pass around and reading a field is one load.
struct EventDraft {
    private let texts: UnsafeMutablePointer<UnsafeRawBufferPointer>
    /// Set by decoders that know the kind without text (Taobao behaviours, CDNOW).
    var resolvedKind: EventKind?
    /// The source never carries an amount (Taobao purchases): a `pay` without one is kept, with
    /// the amount ``Money/unknownFen``.
    var amountNeverGiven = false

    /// The number of texts the storage must hold.
    static let columnCount = 14

    /// A draft with every field absent, in `storage` of ``columnCount`` spans.
    init(storage: UnsafeMutablePointer<UnsafeRawBufferPointer>) {
        texts = storage
        storage.update(repeating: .empty, count: Self.columnCount)
    }

    /// The text of the column at ``CanonicalColumn/index`` `index`.
    @inline(__always)
    subscript(index: Int) -> UnsafeRawBufferPointer {
        get { texts[index] }
        nonmutating set { texts[index] = newValue }
    }

    @inline(__always)
    subscript(column: CanonicalColumn) -> UnsafeRawBufferPointer {
        get { self[column.index] }
        nonmutating set { self[column.index] = newValue }
    }

    /// A string field's text (its column follows `kind`, in ``EventField`` order).
    @inline(__always)
    subscript(field: EventField) -> UnsafeRawBufferPointer {
        get { self[CanonicalColumn.channel.index &+ field.rawValue] }
        nonmutating set { self[CanonicalColumn.channel.index &+ field.rawValue] = newValue }
    }

    /// Sets a canonical column's text.
    @inline(__always)
    func set(_ column: CanonicalColumn, _ text: UnsafeRawBufferPointer) { self[column.index] = text }

    var eventID: UnsafeRawBufferPointer { get { self[0] } nonmutating set { self[0] = newValue } }
    var ts: UnsafeRawBufferPointer { get { self[1] } nonmutating set { self[1] = newValue } }
    var keyList: UnsafeRawBufferPointer { get { self[2] } nonmutating set { self[2] = newValue } }
    var kind: UnsafeRawBufferPointer { get { self[3] } nonmutating set { self[3] = newValue } }
    var channel: UnsafeRawBufferPointer { get { self[4] } nonmutating set { self[4] = newValue } }
    var touchpoint: UnsafeRawBufferPointer { get { self[5] } nonmutating set { self[5] = newValue } }
    var campaign: UnsafeRawBufferPointer { get { self[6] } nonmutating set { self[6] = newValue } }
    var content: UnsafeRawBufferPointer { get { self[7] } nonmutating set { self[7] = newValue } }
    var sku: UnsafeRawBufferPointer { get { self[8] } nonmutating set { self[8] = newValue } }
    var category: UnsafeRawBufferPointer { get { self[9] } nonmutating set { self[9] = newValue } }
    var orderID: UnsafeRawBufferPointer { get { self[10] } nonmutating set { self[10] = newValue } }
    var amount: UnsafeRawBufferPointer { get { self[11] } nonmutating set { self[11] = newValue } }
    var listPrice: UnsafeRawBufferPointer { get { self[12] } nonmutating set { self[12] = newValue } }
    var quantity: UnsafeRawBufferPointer { get { self[13] } nonmutating set { self[13] = newValue } }
}

extension UnsafeRawBufferPointer {
    static var empty: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    /// Without leading and trailing spaces and tabs.
    @inline(__always)
    func trimmingSpaces() -> UnsafeRawBufferPointer {
        var start = 0
        var end = count
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        if start == 0 && end == count { return self }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }

    @inline(__always)
    func equals(_ text: StaticString) -> Bool {
        equals(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        return memcmp(baseAddress!, other.baseAddress!, count) == 0
    }
}
