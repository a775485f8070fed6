import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests that run `kehu`, Python or Chromium.
///
/// Not Foundation's `Process`: on Linux (swift-corelibs-foundation as shipped with Swift 6.3.1)
/// `Process.run()` lists `/proc/self/fd` to find the descriptors to close in the child and
/// copies each directory entry's whole 256-byte `d_name`, reading past the end of glibc's
/// 32 KiB directory buffer once the process has about 1,360 descriptors open. The test process
/// has that many while the server suites run in parallel (each workspace's catalogue and inbox
/// hold a few), and a CI run died of it with SIGSEGV in `Process.run()` (upstream fix:
/// swift-corelibs-foundation pull request 5472).
///
/// The child gets `/dev/null` as standard input, the requested standard output and error, and
/// no other descriptor of this process (`posix_spawn_file_actions_addclosefrom_np`): a pipe of
/// one test inherited by another test's child would keep the first one's reader from ever
/// seeing end of file. Signal dispositions and the signal mask are reset to the defaults.
public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Output: Sendable {
        /// This process's own stream.
        case inherit
        /// `/dev/null`.
        case discard
        /// A pipe: read it from ``standardOutput`` or ``standardError``.
        case pipe
        /// A file, created or truncated.
        case file(String)
        /// Standard error only: wherever standard output goes.
        case standardOutput
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    /// The read end of the child's standard output, when it is ``Output/pipe``.
    public let standardOutput: FileHandle?
    /// The read end of the child's standard error, when it is ``Output/pipe``.
    public let standardError: FileHandle?
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`, in this
    /// process's environment and working directory.
    public init(_ executable: String, _ arguments: [String], standardOutput stdout: Output = .inherit, standardError stderr: Output = .inherit) throws {
        let actions = UnsafeMutablePointer<posix_spawn_file_actions_t>.allocate(capacity: 1)
        let attributes = UnsafeMutablePointer<posix_spawnattr_t>.allocate(capacity: 1)
        posix_spawn_file_actions_init(actions)
        posix_spawnattr_init(attributes)
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer {
            posix_spawn_file_actions_destroy(actions)
            posix_spawnattr_destroy(attributes)
            actions.deallocate()
            attributes.deallocate()
            for fd in childEnds { close(fd) }
        }
        func closeAll() { for fd in parentEnds { close(fd) } }

        posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
        var readEnds: [Int32: Int32] = [:]
        for (target, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .inherit:
                break
            case .discard:
                posix_spawn_file_actions_addopen(actions, target, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .standardOutput:
                precondition(target == 2, "only standard error can follow standard output")
                posix_spawn_file_actions_adddup2(actions, 1, 2)
            case .pipe:
                var ends: [Int32] = [-1, -1]
                // Close-on-exec at once (pipe2 is not imported): only the dup2 copy reaches the child.
                guard pipe(&ends) == 0 else {
                    closeAll()
                    throw SpawnError(description: "cannot create a pipe for \(executable): \(String(cString: strerror(errno)))")
                }
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                parentEnds.append(ends[0])
                childEnds.append(ends[1])
                readEnds[target] = ends[0]
                // dup2 onto 1 or 2 clears close-on-exec on the copy.
                posix_spawn_file_actions_adddup2(actions, ends[1], target)
            }
        }
        guard let closeFrom = Self.addCloseFrom else {
            closeAll()
            throw SpawnError(description: "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later)")
        }
        closeFrom(actions, 3)

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(attributes, &allSignals)
        posix_spawnattr_setflags(attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var child: pid_t = 0
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = argv.withUnsafeBufferPointer { argv in
            executable.contains("/")
                ? posix_spawn(&child, executable, actions, attributes, argv.baseAddress!, environ)
                : posix_spawnp(&child, executable, actions, attributes, argv.baseAddress!, environ)
        }
        guard status == 0 else {
            closeAll()
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        standardOutput = readEnds[1].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
        standardError = readEnds[2].map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not
    /// import.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// How the child ended, or nil while it runs.
    public var termination: Termination? {
        if let ended = ended.withLock({ $0 }) { return ended }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return record(status) }
        return ended.withLock { $0 }
    }

    public var isRunning: Bool { termination == nil }

    /// Blocks until the child ends.
    @discardableResult
    public func wait() -> Termination {
        while true {
            if let ended = ended.withLock({ $0 }) { return ended }
            var status: Int32 = 0
            let result = waitpid(pid, &status, 0)
            if result == pid { return record(status) }
            // EINTR: again. ECHILD: another caller reaped it and is about to record how it ended.
            if result == -1, errno == ECHILD { usleep(1_000) }
        }
    }

    /// Waits for the child to end without blocking a task's thread.
    @discardableResult
    public func exited() async -> Termination {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.wait()) }
        }
    }

    /// Reads `handle` (a pipe of the child's) to its end on a thread of its own, so a task's
    /// thread is never blocked while the child runs.
    public static func text(readingToEndOf handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)) }
        }
    }

    /// Sends `signal` (SIGTERM, SIGINT, SIGKILL, ...) unless the child has already been reaped.
    public func send(_ signal: Int32) {
        if termination == nil { kill(pid, signal) }
    }

    private func record(_ status: Int32) -> Termination {
        // The <sys/wait.h> macros, which Swift does not import.
        let signal = status & 0x7f
        let termination: Termination = signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        ended.withLock { $0 = termination }
        return termination
    }
}
