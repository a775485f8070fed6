#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a temporary name and renamed into place when complete, so an
/// interrupted run never leaves a truncated file under the final name. `-` means standard output;
/// an existing path that is not a regular file (`/dev/null`, a pipe) is written directly.
final class OutputFile {
    let path: String
    private let temporaryPath: String?
    private var descriptor: Int32
    private(set) var bytesWritten = 0

    init(path: String) throws(GeneratorError) {
        self.path = path
        if path == "-" {
            temporaryPath = nil
            descriptor = 1
            return
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { throw .cannotWrite(path: path, reason: Self.lastError()) }
            temporaryPath = nil
            descriptor = fd
            return
        }
        let temporary = path + ".partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: Self.lastError()) }
        temporaryPath = temporary
        descriptor = fd
    }

    deinit {
        if let temporaryPath, descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        } else if temporaryPath == nil, descriptor > 2 {
            close(descriptor)
        }
    }

    func write(_ bytes: [UInt8]) throws(GeneratorError) {
        let failure: String? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return Self.lastError()
                }
                offset += n
            }
            return nil
        }
        if let failure { throw .cannotWrite(path: path, reason: failure) }
        bytesWritten += bytes.count
    }

    /// Closes the file and moves it to its final name.
    func commit() throws(GeneratorError) {
        guard let temporaryPath else {
            if descriptor > 2 {
                close(descriptor)
                descriptor = -1
            }
            return
        }
        let fd = descriptor
        descriptor = -1
        guard close(fd) == 0 else {
            unlink(temporaryPath)
            throw .cannotWrite(path: path, reason: Self.lastError())
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = Self.lastError()
            unlink(temporaryPath)
            throw .cannotWrite(path: path, reason: reason)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// `write(2)`; inside ``OutputFile`` the name `write` means its own method.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
