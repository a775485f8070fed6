import Foundation

/// Where benchmarks keep generated CSV files and data directories: `$KEHU_BENCH_DIR`, or
/// `/tmp/kehu-bench`. Never inside the repository, so nothing generated can be committed.
public enum Scratch {
    /// The scratch root (created on first use).
    public static var root: String {
        let path = ProcessInfo.processInfo.environment["KEHU_BENCH_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/kehu-bench"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A new empty directory under the root whose name starts with `prefix`.
    public static func freshDirectory(_ prefix: String) throws -> String {
        let path = root + "/" + prefix + "-" + String(UInt64.random(in: 0 ... .max), radix: 16)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes a file or directory tree; a missing one is fine.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
