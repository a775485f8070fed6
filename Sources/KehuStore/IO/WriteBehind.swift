import CKehuWriteBehind
import Foundation

/// Kehu's write-behind SQLite VFS (`CKehuWriteBehind`), installed as the process's default VFS
/// before the first database opens.
///
/// A flush commits a segment's identity keys and links to the catalogue: tens of megabytes of
/// WAL at its commit and the same pages again at the checkpoint, each followed by an fsync that
/// sends all of it to the disk at once. The inbox's group commit (a few kilobytes, which every
/// acknowledgement waits for) then queued behind that burst for up to 130-190 ms. The shim starts
/// the kernel's writeback every ``chunkBytes`` written to a database or WAL file and waits for the
/// chunk before, so the disk never holds more than two chunks of one file's data. Segment files
/// are written the same way (``AtomicFile``). What is
/// written, and when SQLite makes it durable, do not change: the fsyncs stay where SQLite puts
/// them.
///
/// `KEHU_SQLITE_WRITE_BEHIND=0` installs a shim that only delegates (for A/B measurements); any
/// other number is the chunk size in KiB.
public enum WriteBehind {
    /// Bytes written to one file between writeback starts, counted in whole pages (``dirtied``):
    /// 1 MiB. Beside a flush, the slowest small fsync went from 178-189 ms to 60-69 ms with it
    /// (docs/performance.md).
    public static let chunkBytes: Int64 = {
        if let text = ProcessInfo.processInfo.environment["KEHU_SQLITE_WRITE_BEHIND"], let kib = Int64(text) {
            return max(0, kib) * 1024
        }
        return 1 << 20
    }()

    private static let installed: Int32 = kehu_write_behind_install(chunkBytes)

    /// Installs the shim once; every database open calls it first.
    static func install() throws(StoreError) {
        guard installed == 0 else {
            throw .database("cannot install the write-behind SQLite VFS (SQLite error \(installed))")
        }
    }

    /// Chunks whose writeback was started in this process (database files and segment files).
    public static var chunksStarted: Int64 { kehu_write_behind_chunks() }

    /// Of ``chunksStarted``, those of SQLite database and WAL files (through the VFS).
    public static var databaseChunksStarted: Int64 { kehu_write_behind_database_chunks() }

    /// SQLite's default VFS: "kehu-write-behind" once a catalogue or inbox has opened.
    public static var defaultVFS: String { String(cString: kehu_write_behind_default_vfs()) }

    /// The page-cache bytes a write dirties (whole 4 KiB pages), which is what counts towards a
    /// chunk: SQLite's 24-byte WAL frame headers dirty a page each.
    static func dirtied(offset: Int64, count: Int64) -> Int64 { kehu_write_behind_dirtied(offset, count) }
}
