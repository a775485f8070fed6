import KehuModel

/// Validation of raw `type:value` identity key text, as read from a file, without allocating.
///
/// Accepts exactly what `IdentityKey.parse` followed by `IdentityKey.normalize` accepts (the
/// ``KeyHasher`` runs those later); plain printable ASCII is checked on the bytes, anything else
/// goes through those functions on a `String`.
public enum RawKey {
    /// `nil` when the key is valid, otherwise why not.
    /// - Complexity: O(n) in the length of the key.
    public static func validate(_ bytes: UnsafeRawBufferPointer) -> IdentityKeyError? {
        let count = bytes.count
        var colon = -1
        for i in 0..<count {
            let byte = bytes[i]
            if byte < 0x20 && byte != 0x09 || byte >= 0x7F { return validateSlowly(bytes) }
            if colon < 0 && byte == UInt8(ascii: ":") { colon = i }
        }
        guard colon >= 0 else { return .missingType }
        guard let type = keyType(UnsafeRawBufferPointer(rebasing: bytes[0..<colon])) else {
            return .unknownType(String(decoding: bytes[0..<colon], as: UTF8.self))
        }
        let valueStart = colon + 1
        guard valueStart < count else { return .emptyValue(type) }
        guard count - valueStart <= 256 else { return .tooLong(type) }
        var start = valueStart
        var end = count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        switch type {
        case .phone:
            var digits = 0
            var firstDigits: UInt32 = 0
            for i in start..<end {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if digits < 4 { firstDigits = firstDigits << 8 | UInt32(byte) }
                    digits += 1
                case UInt8(ascii: "+") where i == start:
                    continue
                case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "("), UInt8(ascii: ")"):
                    continue
                default:
                    return .badPhone
                }
            }
            // "0086" followed by 11 digits, or "86" followed by 11: the country prefix is dropped.
            if digits == 15, firstDigits == 0x3030_3836 { digits = 11 }
            else if digits == 13, firstDigits >> 16 == 0x3836 { digits = 11 }
            return digits >= 5 && digits <= 15 ? nil : .badPhone
        case .email:
            var at = -1
            var dotAfterAt = false
            for i in start..<end {
                if bytes[i] == UInt8(ascii: "@") {
                    if at >= 0 { return .badEmail }
                    at = i
                } else if at >= 0 && bytes[i] == UInt8(ascii: ".") {
                    dotAfterAt = true
                }
            }
            return at > start && dotAfterAt ? nil : .badEmail
        default:
            return start < end ? nil : .emptyValue(type)
        }
    }

    /// The key type of ASCII type text, case-insensitively.
    static func keyType(_ bytes: UnsafeRawBufferPointer) -> IdentityKeyType? {
        for type in IdentityKeyType.allCases {
            let name = type.name.utf8
            guard name.count == bytes.count else { continue }
            if zip(name, bytes).allSatisfy({ $0 == ($1 >= 65 && $1 <= 90 ? $1 + 32 : $1) }) { return type }
        }
        return nil
    }

    private static func validateSlowly(_ bytes: UnsafeRawBufferPointer) -> IdentityKeyError? {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            let key = try IdentityKey.parse(text)
            _ = try IdentityKey.normalize(type: key.type, value: key.value)
            return nil
        } catch {
            return error
        }
    }

    /// A reject reason for a key error that never repeats a value: an unknown type is quoted only
    /// when it reads as a name.
    static func reason(_ error: IdentityKeyError) -> String {
        if case .unknownType(let name) = error {
            if let quoted = Redaction.quotedName(name) {
                return "unknown identity key type \(quoted) (expected one of \(IdentityKeyType.allNames))"
            }
            return "an identity key has an unknown type (expected type:value with type one of \(IdentityKeyType.allNames))"
        }
        return error.description
    }
}
