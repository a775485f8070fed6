import Foundation
import KehuTesting

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Process helpers

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var killed: Bool
}

/// The `kehu` executable built next to the test bundle.
func kehuExecutable() throws -> String {
    let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    let path = dir.appendingPathComponent("kehu").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw CrashTestError("the kehu executable is not built at \(path); run the tests with `swift test` (it builds every product)")
    }
    return path
}

struct CrashTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs kehu, optionally sending SIGKILL after `killAfter` seconds.
func runKehu(_ arguments: [String], killAfter: Double? = nil) throws -> ProcessResult {
    let process = try ChildProcess(try kehuExecutable(), arguments, standardOutput: .pipe, standardError: .pipe)
    let collected = OutputCollector(out: process.standardOutput!, err: process.standardError!)
    var killed = false
    if let killAfter {
        let deadline = Date().addingTimeInterval(killAfter)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning {
            process.send(SIGKILL)
            killed = true
        }
    }
    let termination = process.wait()
    let (stdout, stderr) = collected.finish()
    let status: Int32 = switch termination {
    case .exited(let status): status
    case .signalled(let signal): -signal
    }
    return ProcessResult(status: status, stdout: stdout, stderr: stderr, killed: killed)
}

/// Drains both pipes on background threads so a chatty child never blocks on a full pipe.
final class OutputCollector: @unchecked Sendable {
    // Each buffer is written by one reader thread and read only after its group finishes.
    private var outData = Data()
    private var errData = Data()
    private let group = DispatchGroup()

    init(out: FileHandle, err: FileHandle) {
        group.enter()
        DispatchQueue.global().async {
            self.outData = out.readDataToEndOfFile()
            self.group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            self.errData = err.readDataToEndOfFile()
            self.group.leave()
        }
    }

    func finish() -> (String, String) {
        group.wait()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
