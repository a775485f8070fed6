import Synchronization

/// Values derived from a snapshot once and shared by every analysis that reads it (the paid
/// orders per consumer, the last day with data, ...). A derived value lives as long as its
/// snapshot, and is built at most once even when queries ask for it concurrently.
///
/// Each key has its own lock, so building one value may use another (the RFM table reads the
/// purchase index); only a cycle of keys would wait on itself.
public final class DerivedCache: Sendable {
    private final class Slot: Sendable {
        let value = Mutex<(any Sendable)?>(nil)
    }

    private let slots = Mutex<[String: Slot]>([:])

    init() {}

    /// The value stored under `key`, building it with `make` the first time.
    public func value<T: Sendable>(_ key: String, _ make: () throws -> T) rethrows -> T {
        let slot = slots.withLock { slots in
            if let slot = slots[key] { return slot }
            let slot = Slot()
            slots[key] = slot
            return slot
        }
        // Whoever comes second waits for the first build of this key instead of repeating it.
        return try slot.value.withLock { stored in
            // Unwrap before casting: `nil as? T` succeeds when T is itself optional.
            if let entry = stored, let cached = entry as? T { return cached }
            let fresh = try make()
            stored = fresh
            return fresh
        }
    }
}
