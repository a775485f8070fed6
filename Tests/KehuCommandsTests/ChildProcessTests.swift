import Foundation
import KehuTesting
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The tests' own process starter (Foundation's `Process.run()` crashes on Linux when the test
/// process has many descriptors open: see ``ChildProcess``).
@Suite("ChildProcess: children for the tests, without Foundation's Process")
struct ChildProcessTests {
    /// With 1,500 more descriptors open here than usual (Foundation's `Process.run()` reads past
    /// its directory buffer from about 1,360), children start, and none inherits any of them: `ls`
    /// lists only 0, 1, 2 and 3, the directory it is reading.
    @Test("with 1,500 extra descriptors open, children start and inherit only standard input, output and error")
    func manyDescriptors() throws {
        let extra = (0..<1_500).map { _ in open("/dev/null", O_RDONLY) }
        defer { for fd in extra { close(fd) } }
        #expect(extra.allSatisfy { $0 >= 0 })
        for _ in 0..<20 {
            let child = try ChildProcess("ls", ["-1", "/proc/self/fd"], standardOutput: .pipe, standardError: .pipe)
            let listed = String(decoding: child.standardOutput!.readDataToEndOfFile(), as: UTF8.self)
            #expect(child.wait() == .exited(0))
            let descriptors = listed.split(separator: "\n")
            #expect(descriptors.count == 4, "the child has \(descriptors.count) descriptors open, not 4")
            #expect(descriptors.prefix(4) == ["0", "1", "2", "3"])
        }
    }

    @Test("standard error can follow standard output into one pipe; exit statuses come back")
    func mergedOutput() throws {
        let child = try ChildProcess("sh", ["-c", "echo out; echo err >&2; exit 7"], standardOutput: .pipe, standardError: .standardOutput)
        let text = String(decoding: child.standardOutput!.readDataToEndOfFile(), as: UTF8.self)
        #expect(text == "out\nerr\n")
        #expect(child.wait() == .exited(7))
        #expect(!child.isRunning && child.termination == .exited(7))
    }

    @Test("output to a file; discarded output; standard input is /dev/null")
    func fileOutput() async throws {
        let dir = TemporaryDirectory()
        let file = dir.path + "/out.txt"
        // `cat` reads standard input to its end: /dev/null ends at once.
        let child = try ChildProcess("sh", ["-c", "cat; echo written; echo dropped >&2"], standardOutput: .file(file), standardError: .discard)
        #expect(await child.exited() == .exited(0))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "written\n")
    }

    @Test("a signal ends a running child and is reported as such")
    func signalled() async throws {
        let child = try ChildProcess("sleep", ["30"])
        #expect(child.isRunning)
        child.send(SIGTERM)
        #expect(await child.exited() == .signalled(SIGTERM))
        child.send(SIGKILL)  // reaped already: nothing is sent
        #expect(child.termination == .signalled(SIGTERM))
    }

    @Test("a missing executable is an error that names it")
    func missing() throws {
        #expect {
            try ChildProcess("/nonexistent/kehu-no-such-tool", [])
        } throws: { error in
            "\(error)".contains("/nonexistent/kehu-no-such-tool") && "\(error)".contains("No such file")
        }
    }
}
