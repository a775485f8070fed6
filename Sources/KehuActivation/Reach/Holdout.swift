/// The random holdout of a reach plan: a consumer is held out when a hash of (plan seed,
/// stable consumer id) falls below the share. The draw depends on nothing else, so the split
/// is the same on every run, in any order, on any machine, and a consumer's draw does not move
/// when others join or leave the audience. A different seed gives an independent split.
public enum Holdout {
    /// Whether consumer `consumerID` is in the holdout of a plan with `seed` and `share`.
    /// - Complexity: O(1).
    @inlinable
    public static func contains(consumerID: UInt32, seed: UInt64, share: Double) -> Bool {
        draw(consumerID: consumerID, seed: seed) < share
    }

    /// The consumer's uniform draw in [0, 1): the top 53 bits of the mixed hash.
    @inlinable
    public static func draw(consumerID: UInt32, seed: UInt64) -> Double {
        let h = ReachHash.mix(ReachHash.mix(seed) ^ (UInt64(consumerID) &* 0x9E37_79B9_7F4A_7C15))
        return Double(h >> 11) * 0x1p-53
    }
}

/// Hashes for plans: seeds from names, the holdout draw, idempotency keys.
public enum ReachHash {
    /// The SplitMix64 finaliser: a bijection of 64-bit values that mixes every input bit into
    /// every output bit.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over the UTF-8 bytes, mixed: the default seed of a plan is this of its name.
    public static func text(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return mix(h)
    }

    /// The `Idempotency-Key` of one send: the same (workspace, plan, consumer, send time) always
    /// gives the same key, so a receiver that remembers keys never acts on a send twice.
    /// `kehu-<16 hex of workspace and plan>-<consumer id>-<send time, UTC ms>`; no personal data.
    public static func idempotencyKey(workspace: String, plan: String, consumerID: UInt32, sendAt: Int64) -> String {
        let digest = String(text(workspace + "\u{0}" + plan), radix: 16)
        return "kehu-" + String(repeating: "0", count: 16 - digest.count) + digest + "-\(consumerID)-\(sendAt)"
    }
}
