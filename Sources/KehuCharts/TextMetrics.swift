/// Estimated text widths, so labels can be placed, thinned or truncated without a font engine.
///
/// CJK ideographs and full-width punctuation are one em wide; Latin letters and digits are
/// estimated per class. Estimates err slightly wide so that labels which "fit" really do.
enum TextMetrics {
    static func width(_ s: String, size: Double) -> Double {
        var em = 0.0
        for u in s.unicodeScalars {
            switch u.value {
            case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
                 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
                em += 1.0
            case 0x20, 0x21, 0x27, 0x2C, 0x2E, 0x3A, 0x3B, 0x49, 0x69, 0x6A, 0x6C, 0x7C:  // space ! ' , . : ; I i j l |
                em += 0.3
            case 0x28, 0x29, 0x2D, 0x2F, 0x5B, 0x5D, 0x66, 0x72, 0x74:  // ( ) - / [ ] f r t
                em += 0.38
            case 0x25, 0x4D, 0x57, 0x6D, 0x77:  // % M W m w
                em += 0.88
            case 0x30...0x39:
                em += 0.58
            case 0x41...0x5A:
                em += 0.68
            default:
                em += 0.56
            }
        }
        return em * size
    }

    /// `s` shortened with `…` so that it is at most `maxWidth` wide.
    static func truncate(_ s: String, maxWidth: Double, size: Double) -> String {
        guard width(s, size: size) > maxWidth else { return s }
        var chars = Array(s)
        while !chars.isEmpty, width(String(chars) + "…", size: size) > maxWidth { chars.removeLast() }
        return String(chars) + "…"
    }
}
