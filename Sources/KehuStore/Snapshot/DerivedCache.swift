import Synchronization

/// Values derived from a snapshot once and shared by every analysis that reads it (the paid
/// orders per consumer, the last day with data, ...). A derived value lives as long as its
/// snapshot, and is built at most once even when queries ask for it concurrently.
public final class DerivedCache: Sendable {
    private let values = Mutex<[String: any Sendable]>([:])
    private let building = Mutex<Void>(())

    init() {}

    /// The value stored under `key`, building it with `make` the first time.
    public func value<T: Sendable>(_ key: String, _ make: () throws -> T) rethrows -> T {
        if let cached = cachedValue(key, as: T.self) { return cached }
        // One build at a time: derived values are built from the whole snapshot on all cores, so
        // running two builds side by side would gain nothing.
        return try building.withLock { _ in
            if let cached = cachedValue(key, as: T.self) { return cached }
            let fresh = try make()
            values.withLock { $0[key] = fresh }
            return fresh
        }
    }

    // Unwraps the entry before casting: `nil as? T` succeeds when T is itself optional.
    private func cachedValue<T>(_ key: String, as type: T.Type) -> T? {
        guard let entry = values.withLock({ $0[key] }) else { return nil }
        return entry as? T
    }
}
