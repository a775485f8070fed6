/// Why a simulation could not be configured or written. Messages name the setting or file and
/// never contain generated personal data.
public enum GeneratorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A ``BrandConfig`` setting is out of range; the message says which and what is allowed.
    case invalidConfiguration(String)
    /// The output file could not be created, written or renamed into place.
    case cannotWrite(path: String, reason: String)
    /// An identity key contains `|`, which the canonical CSV uses to separate keys, so the event
    /// cannot be written without changing its meaning. `source` is the event's source number.
    case keyContainsSeparator(source: Int64)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message):
            "invalid generator configuration: \(message)"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason)"
        case .keyContainsSeparator(let source):
            "the event from source \(source) has an identity key containing '|', which separates keys in the canonical CSV; remove it from the key"
        }
    }
}
