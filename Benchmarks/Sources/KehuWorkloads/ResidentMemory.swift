import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory, read from `/proc/self` (Linux).
///
/// Resident set size is what the kernel has mapped into RAM for the process: it counts the
/// pages actually touched, not what was reserved, so it is the honest "bytes the snapshot costs"
/// once the snapshot is built and the build's scratch arrays are freed.
public enum ResidentMemory {
    /// Current resident bytes (`VmRSS`), or nil where `/proc` is missing.
    public static func current() -> Int? { statusField("VmRSS:") }

    /// Peak resident bytes since the start or since the last ``resetPeak()`` (`VmHWM`).
    public static func peak() -> Int? { statusField("VmHWM:") }

    /// Resets the peak to the current resident size (writes 5 to `/proc/self/clear_refs`,
    /// Linux 4.0 and later). Returns false when the kernel refused.
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    private static func statusField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .ascii) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = Int(fields[1]) else { return nil }
            return kib * 1024
        }
        return nil
    }
}
