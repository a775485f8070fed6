import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Samples the process's resident size every few milliseconds on a background thread and keeps
/// the highest value.
///
/// `VmHWM` alone under-reports: the kernel updates the high-water mark when memory is unmapped,
/// but glibc gives back the free top of a thread arena with `madvise(MADV_DONTNEED)`, which does
/// not update it, so a build whose scratch lives in worker-thread arenas can peak unseen (the
/// 100M snapshot build showed a "peak" equal to its final size).
public final class ResidentSampler: Sendable {
    private let highest = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private let finished = Mutex<Bool>(false)
    private let interval: useconds_t

    /// Starts sampling every `milliseconds`.
    public init(milliseconds: Int = 5) {
        interval = useconds_t(max(1, milliseconds) * 1000)
        highest.store(ResidentSampler.residentBytes(), ordering: .relaxed)
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                highest.max(ResidentSampler.residentBytes(), ordering: .relaxed)
                usleep(interval)
            }
            finished.withLock { $0 = true }
        }
        thread.start()
    }

    /// Stops sampling (waits for the thread's last sample) and returns the highest resident size.
    public func stop() -> Int {
        running.store(false, ordering: .relaxed)
        while !finished.withLock({ $0 }) { usleep(1000) }
        highest.max(ResidentSampler.residentBytes(), ordering: .relaxed)
        return highest.load(ordering: .relaxed)
    }

    /// Resident bytes from `/proc/self/statm` (second field, in pages); 0 where it is missing.
    static func residentBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 127) }
        guard count > 0 else { return 0 }
        let fields = buffer[0..<count].split(separator: 0x20)
        guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
