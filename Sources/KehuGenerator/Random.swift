/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose outputs seed ``Xoshiro256StarStar``,
/// and whose finaliser is a bijective 64-bit mixer used to derive stable ids.
struct SplitMix64 {
    var state: UInt64

    init(state: UInt64) { self.state = state }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// The SplitMix64 finaliser: a bijection on `UInt64`, so distinct inputs give distinct outputs.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A bijection on the low 48 bits (xorshift-multiply steps modulo 2^48), for 12-hex-digit ids
    /// that are unique per input without a lookup table.
    @inline(__always)
    static func mix48(_ value: UInt64) -> UInt64 {
        let mask: UInt64 = (1 << 48) - 1
        var z = value & mask
        z ^= z >> 24
        z = (z &* 0x9E37_79B9_7F4B) & mask
        z ^= z >> 21
        z = (z &* 0xC2B2_AE3D_27D5) & mask
        z ^= z >> 24
        return z
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna 2018), the generator behind every random choice.
///
/// Swift's own `random(in:using:)` algorithms are not promised to stay the same across releases,
/// so bounded integers and unit doubles are derived here by fixed formulas: the same seed gives
/// the same stream on every machine and Swift version.
struct Xoshiro256StarStar {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Seeds the four state words from SplitMix64, as the authors recommend.
    init(seed: UInt64) {
        var seeder = SplitMix64(state: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
    }

    /// An independent stream for one consumer of one simulation.
    init(seed: UInt64, stream: UInt64) {
        self.init(seed: SplitMix64.mix(seed ^ 0x6B65_6875_6765_6E31) &+ stream &* 0xD1B5_4A32_D192_ED03)
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A double uniform in [0, 1) with 53 random bits.
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// An integer uniform in `0 ..< bound` (Lemire's multiply-high method; the tiny bias of the
    /// unrejected form is irrelevant for a simulation and keeps the stream length fixed).
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// An integer uniform in a closed range.
    @inline(__always)
    mutating func inRange(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `p` (clamped to [0, 1]).
    @inline(__always)
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An approximately standard normal draw (Irwin-Hall sum of 12 uniforms): no transcendental
    /// functions, so it is bit-identical everywhere.
    mutating func standardNormal() -> Double {
        var sum = 0.0
        for _ in 0..<12 { sum += unit() }
        return sum - 6
    }

    /// An exponential draw with the given mean.
    mutating func exponential(mean: Double) -> Double {
        -StableMath.log(1 - unit()) * mean
    }
}

/// `log` and `exp` from basic IEEE-754 operations only. Platform math libraries may differ in the
/// last bit, which could flip a random choice and change the output; these cannot.
enum StableMath {
    static let ln2 = 0.693_147_180_559_945_309_417_232_121_458

    /// Natural logarithm for `x > 0` (relative error below 1e-14).
    static func log(_ x: Double) -> Double {
        precondition(x > 0, "log of a non-positive number")
        var exponent = Double(Int(x.exponent))
        var m = x.significand // [1, 2), exact
        if m > 1.414_213_562_373_095_048_8 {
            m /= 2
            exponent += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // 2 * atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| < 0.172 so nine terms reach 1e-16.
        var term = s2
        var series = 1.0
        var denominator = 3.0
        for _ in 0..<9 {
            series += term / denominator
            term *= s2
            denominator += 2
        }
        return 2 * s * series + exponent * ln2
    }

    /// `e^x`, with `x` clamped to [-700, 700].
    static func exp(_ x: Double) -> Double {
        let clamped = min(700, max(-700, x))
        let k = (clamped / ln2).rounded()
        let r = clamped - k * ln2
        // Taylor series of e^r for |r| <= 0.35: 14 terms reach 1e-17.
        var term = 1.0
        var sum = 1.0
        for n in 1...14 {
            term *= r / Double(n)
            sum += term
        }
        return Double(sign: .plus, exponent: Int(k), significand: sum)
    }
}
