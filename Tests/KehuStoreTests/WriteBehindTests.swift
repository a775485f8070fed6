import Foundation
import GRDB
import Testing
@testable import KehuStore
import KehuTesting

// Serialized: the chunk counters are process-wide, and this suite's own file writes must not
// count towards its database test.
@Suite("Write-behind: big writes reach the disk in 1 MiB chunks", .serialized)
struct WriteBehindTests {
    @Test("opening a workspace makes the write-behind shim SQLite's default VFS")
    func installed() throws {
        let dir = TemporaryDirectory()
        _ = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        #expect(WriteBehind.defaultVFS == "kehu-write-behind")
        #expect(WriteBehind.chunkBytes == 1 << 20)
    }

    /// 4 MiB of blobs in one transaction: the commit writes at least 4 MiB of WAL frames, so the
    /// shim starts writeback at least 3 times (once per full MiB); the data reads back intact.
    /// (Other suites running at the same time can only add to the process-wide count.)
    @Test("a 4 MiB commit starts writeback chunk by chunk, and reads back intact")
    func catalogueCommit() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        // 64 blobs of 64 KiB; blob i is the byte i repeated.
        let blobs = (0..<64).map { [UInt8](repeating: UInt8($0), count: 65_536) }
        let before = WriteBehind.databaseChunksStarted
        try ws.catalogue.write { db in
            try db.execute(sql: "CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            for (i, blob) in blobs.enumerated() {
                try db.execute(sql: "INSERT INTO scratch (id, body) VALUES (?, ?)", arguments: [i, Data(blob)])
            }
        }
        #expect(WriteBehind.databaseChunksStarted - before >= 3)
        let stored = try ws.catalogue.read { db in try Data.fetchAll(db, sql: "SELECT body FROM scratch ORDER BY id") }
        #expect(stored.map { [UInt8]($0) } == blobs)
    }

    /// Closing one connection must not release the locks the process's other connections hold:
    /// closing any descriptor of a file drops every POSIX lock the process has on it, so a shim
    /// that opened and closed a descriptor of its own let another process take the database for
    /// its last user, checkpoint it and delete the WAL still in use. Here a second connection in
    /// this process opens and closes; then another process (Python's sqlite3) opens and closes
    /// the catalogue, and the WAL the workspace still has open must still be there.
    @Test("a connection closing keeps the process's locks: another process does not delete the WAL in use")
    func locksSurviveAClose() throws {
        let dir = TemporaryDirectory()
        let ws = try Workspace(dataDirectory: dir.path, name: "brand", create: true)
        try ws.catalogue.write { db in try db.execute(sql: "CREATE TABLE scratch (n INTEGER)") }
        do {
            let other = try DatabaseQueue(path: ws.catalogue.path)
            _ = try other.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scratch") }
        }
        let python = try ChildProcess("python3", [
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT COUNT(*) FROM scratch').fetchone(); c.close()",
            ws.catalogue.path,
        ])
        #expect(python.wait() == .exited(0))
        #expect(FileManager.default.fileExists(atPath: ws.catalogue.path + "-wal"))
        try ws.catalogue.write { db in try db.execute(sql: "INSERT INTO scratch (n) VALUES (1)") }
        #expect(try ws.catalogue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scratch") } == 1)
    }

    /// 3 MiB + 5 bytes written as a segment-style file: chunks of 1, 1, 1 MiB and 5 bytes, each
    /// started in turn; the file holds exactly the bytes.
    @Test("an atomically written file is paced the same way and holds its bytes")
    func atomicFile() throws {
        let dir = TemporaryDirectory()
        let bytes = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let before = WriteBehind.chunksStarted
        let file = try AtomicFile(directory: dir.path, name: "f.kseg")
        try bytes.withUnsafeBytes { raw in try file.append(raw) }
        try file.commit()
        #expect(WriteBehind.chunksStarted - before >= 4)
        #expect(try FileIO.readAll("\(dir.path)/f.kseg") == bytes)
    }

    /// A 24-byte WAL frame header dirties one page, a page-aligned 4 KiB write one, a 4 KiB write
    /// straddling a page boundary two, and nothing dirties nothing.
    @Test("writes count as the whole pages they dirty")
    func dirtiedPages() {
        #expect(WriteBehind.dirtied(offset: 72_450_232, count: 24) == 4096)
        #expect(WriteBehind.dirtied(offset: 8192, count: 4096) == 4096)
        #expect(WriteBehind.dirtied(offset: 24, count: 4096) == 8192)
        #expect(WriteBehind.dirtied(offset: 100, count: 0) == 0)
    }
}
