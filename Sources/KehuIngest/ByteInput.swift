#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a decoder's bytes come from: a file read in large blocks, or bytes in memory.
enum ByteInput {
    case file(descriptor: Int32, path: String)
    case memory(bytes: [UInt8], position: Int)

    /// Opens a file for reading.
    static func openFile(path: String) throws(DecodeError) -> (ByteInput, size: Int64) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(descriptor)
            throw .unreadable(path: path, reason: "it is a directory")
        }
        #if canImport(Glibc)
        _ = posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        return (.file(descriptor: descriptor, path: path), Int64(info.st_size))
    }

    /// Reads up to `count` bytes; returns 0 at the end.
    mutating func readBytes(into destination: UnsafeMutableRawPointer, count: Int) throws(DecodeError) -> Int {
        switch self {
        case .file(let descriptor, let path):
            while true {
                let got = read(descriptor, destination, count)
                if got >= 0 { return got }
                let code = errno
                if code == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(code)))
            }
        case .memory(let bytes, let position):
            let n = min(count, bytes.count - position)
            if n > 0 {
                bytes.withUnsafeBytes { destination.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
            }
            self = .memory(bytes: bytes, position: position + n)
            return n
        }
    }

    /// Closes a file.
    func closeFile() {
        if case .file(let descriptor, _) = self { _ = close(descriptor) }
    }
}
