import CKehuWriteBehind
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over POSIX file calls, with errors that name the path.
enum FileIO {
    /// fsyncs a directory so a rename or unlink in it is durable.
    static func syncDirectory(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: directory, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .io(path: directory, operation: "fsync directory", errno: errno) }
    }

    /// Reads a whole file.
    static func readAll(_ path: String) throws(StoreError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missingSegment(file: path) }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "stat", errno: errno) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        let code: Int32 = bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < size {
                let n = pread(fd, buffer.baseAddress! + done, size - done, off_t(done))
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { return EIO }
                done += n
            }
            return 0
        }
        guard code == 0 else { throw .io(path: path, operation: "read", errno: code) }
        return bytes
    }

    /// Reads `count` bytes at `offset` of an open file.
    static func read(fd: Int32, path: String, offset: Int, count: Int) throws(StoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let code: Int32 = bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { return -1 }
                done += n
            }
            return 0
        }
        if code == -1 { throw .corruptSegment(file: path, reason: "the file is shorter than its directory says") }
        guard code == 0 else { throw .io(path: path, operation: "read", errno: code) }
        return bytes
    }

    static func makeDirectory(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io(path: prefix, operation: "create directory", errno: errno)
            }
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Names of the entries of a directory (no `.` or `..`).
    static func list(_ path: String) throws(StoreError) -> [String] {
        guard let dir = opendir(path) else { throw .io(path: path, operation: "list", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func remove(_ path: String) throws(StoreError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io(path: path, operation: "remove", errno: errno) }
    }
}

/// A file written atomically and durably: bytes go to a temporary file, which ``commit()``
/// fsyncs, renames over the final name and makes durable with a directory fsync, so after a
/// crash the file is either absent or complete. Dropped without a commit, the temporary file is
/// removed.
///
/// Written with write-behind (``WriteBehind``): every ``WriteBehind/chunkBytes`` the kernel is
/// told to start writing the chunk back and the chunk before it is waited for, so the final
/// fsync does not send the whole file to the disk at once, in front of the inbox's small commits.
final class AtomicFile: SegmentSink {
    let temporary: String
    let final: String
    let directory: String
    private var fd: Int32
    /// Bytes written so far; the current write-behind chunk starts at `chunkStart`.
    private var written = 0
    private var chunkStart = 0
    private var previousChunk = 0..<0
    private let chunk = Int(WriteBehind.chunkBytes)

    init(directory: String, name: String) throws(StoreError) {
        self.directory = directory
        temporary = "\(directory)/.tmp-\(name)"
        final = "\(directory)/\(name)"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(temporary)
        }
    }

    /// Appends bytes to the temporary file.
    func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        precondition(fd >= 0, "the file is already committed")
        var done = 0
        while done < bytes.count {
            // Up to the end of the current write-behind chunk at most.
            let piece = chunk > 0 ? min(bytes.count - done, chunkStart + chunk - written) : bytes.count - done
            let n = write(fd, bytes.baseAddress! + done, piece)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: temporary, operation: "write", errno: errno)
            }
            done += n
            written += n
            if chunk > 0 && written - chunkStart >= chunk { startWriteBehind() }
        }
    }

    private func startWriteBehind() {
        kehu_write_behind(
            fd, Int64(chunkStart), Int64(written), Int64(previousChunk.lowerBound), Int64(previousChunk.upperBound))
        previousChunk = chunkStart..<written
        chunkStart = written
    }

    /// Makes the file durable under its final name.
    func commit() throws(StoreError) {
        precondition(fd >= 0, "the file is already committed")
        if chunk > 0 && written > chunkStart { startWriteBehind() }
        guard fsync(fd) == 0 else { throw .io(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        fd = -1
        guard rename(temporary, final) == 0 else {
            let code = errno
            unlink(temporary)
            throw .io(path: final, operation: "rename", errno: code)
        }
        try FileIO.syncDirectory(directory)
    }
}

/// An exclusive advisory lock on a file (flock), held until released or the process dies, so a
/// crashed writer never leaves a workspace locked.
final class FileLock {
    private let fd: Int32
    let path: String

    /// Takes the lock, waiting for it when `wait` is true; returns nil if it is held and not waiting.
    init?(path: String, wait: Bool) throws(StoreError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, operation: "open lock", errno: errno) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .io(path: path, operation: "lock", errno: code)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
