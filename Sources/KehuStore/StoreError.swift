/// What went wrong in the store. Messages name the file, segment or record and say what to do;
/// they never contain personal data.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case corruptSegment(file: String, reason: String)
    case unsupportedSegmentVersion(file: String, version: UInt32)
    case missingSegment(file: String)
    case badWorkspaceName(String)
    case noSuchWorkspace(name: String, dataDirectory: String)
    case database(String)
    case busy(workspace: String)
    case inboxRecord(id: Int64, reason: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            "\(operation) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .corruptSegment(let file, let reason):
            "segment \(file) is corrupt: \(reason). It was not read. Restore it from a backup or re-ingest its source files."
        case .unsupportedSegmentVersion(let file, let version):
            "segment \(file) has format version \(version), which this build of kehu cannot read; upgrade kehu"
        case .missingSegment(let file):
            "segment \(file) is registered in the catalogue but missing on disk; restore it from a backup"
        case .badWorkspaceName(let name):
            "workspace name '\(name.prefix(64))' is not allowed: use 1-64 characters a-z, 0-9, '-' or '_'"
        case .noSuchWorkspace(let name, let dir):
            "no workspace '\(name)' in \(dir); ingest data into it first (kehu ingest --workspace \(name) FILE) or run kehu demo"
        case .database(let message): "catalogue error: \(message)"
        case .busy(let workspace):
            "workspace '\(workspace)' is being written by another kehu process; try again when it finishes"
        case .inboxRecord(let id, let reason): "inbox entry \(id) cannot be read: \(reason)"
        case .invalidArgument(let message): message
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
