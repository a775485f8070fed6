/// The identity keys a simulated consumer can show, and how their text is made.
///
/// Every value is a bijection of the consumer index (salted by the seed), so no two consumers
/// share a key by accident; the only shared keys are the stores' guide tablets, on purpose.
enum KeySlot {
    static let phone = 0
    static let member = 1
    /// `buyer:` per platform, indexed by ``Channel`` raw value (tmall, jd, douyin).
    static let tmallBuyer = 2
    static let jdBuyer = 3
    static let douyinBuyer = 4
    static let unionid = 5
    static let openid = 6
    /// Up to three phones' device ids over time (people change phones).
    static let firstDevice = 7
    static let deviceCount = 3
    /// Web and H5 anonymous ids, a new one every ``anonRotationDays``.
    static let firstAnon = 10
    static let anonCount = 38
    static let count = firstAnon + anonCount
    static let anonRotationDays = 120

    /// Mainland mobile prefixes (China Mobile, Unicom and Telecom).
    static let phonePrefixes: [[UInt8]] = [
        "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156",
        "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188",
        "189", "191", "198", "199",
    ].map { Array($0.utf8) }

    /// Appends the text of `slot` for consumer `consumer` to `bytes`.
    static func append(slot: Int, consumer: Int, salt: UInt64, to bytes: inout [UInt8]) {
        let index = UInt64(consumer)
        switch slot {
        case phone:
            bytes.append(contentsOf: "phone:".utf8)
            let prefix = Int(SplitMix64.mix(index ^ salt) % UInt64(phonePrefixes.count))
            bytes.append(contentsOf: phonePrefixes[prefix])
            appendDecimal((index &* 48_271 &+ salt % 100_000_000) % 100_000_000, width: 8, to: &bytes)
        case member:
            bytes.append(contentsOf: "member:M".utf8)
            appendDecimal((index &* 7_368_787 &+ (salt >> 20) % 100_000_000) % 100_000_000, width: 8, to: &bytes)
        case tmallBuyer, jdBuyer, douyinBuyer:
            let prefix = slot == tmallBuyer ? "buyer:tm_" : slot == jdBuyer ? "buyer:jd_" : "buyer:dy_"
            bytes.append(contentsOf: prefix.utf8)
            appendHex(SplitMix64.mix48(index ^ (salt >> UInt64(slot * 4))), digits: 12, to: &bytes)
        case unionid:
            bytes.append(contentsOf: "unionid:u".utf8)
            appendHex(SplitMix64.mix48(index ^ (salt >> 7)), digits: 12, to: &bytes)
        case openid:
            bytes.append(contentsOf: "openid:o".utf8)
            appendHex(SplitMix64.mix48(index ^ (salt >> 11)), digits: 12, to: &bytes)
        case firstDevice..<(firstDevice + deviceCount):
            bytes.append(contentsOf: "device:".utf8)
            appendHex(SplitMix64.mix((index << 2 | UInt64(slot - firstDevice)) ^ salt), digits: 16, to: &bytes)
        default:
            bytes.append(contentsOf: "anon:".utf8)
            appendHex(SplitMix64.mix48((index << 6 | UInt64(slot - firstAnon)) ^ (salt >> 13)), digits: 12, to: &bytes)
        }
    }

    /// `device:pad-store0001`: the guide tablet of a store, seen with every consumer served there.
    static func storeTablet(_ store: Int) -> String {
        let digits = String(store + 1)
        return "device:pad-store" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func appendDecimal(_ value: UInt64, width: Int, to bytes: inout [UInt8]) {
        var digits = [UInt8](repeating: 48, count: width)
        var v = value
        var i = width - 1
        while i >= 0 {
            digits[i] = UInt8(48 + v % 10)
            v /= 10
            i -= 1
        }
        bytes.append(contentsOf: digits)
    }

    static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var shift = (digits - 1) * 4
        while shift >= 0 {
            bytes.append(hex[Int((value >> UInt64(shift)) & 15)])
            shift -= 4
        }
    }
}
