import KehuModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a file is decoded.
public struct DecodeOptions: Sendable {
    /// The workspace time zone: local date-times without an offset, and CDNOW dates, are read in it.
    public var zone: ZoneRules
    /// The channel of events whose source names none (an empty `channel` cell, no channel column,
    /// Taobao and CDNOW files). `nil` uses the format's built-in default (`taobao`, `cdnow`);
    /// canonical files without one reject events whose channel is empty.
    public var defaultChannel: String?
    /// Reads any CSV through a mapping of its columns to event fields (only for ``InputFormat/csv``).
    public var mapping: ColumnMapping?
    /// The number of events a ``DecodedChunk`` aims at. Chunks never split a record, so a chunk
    /// may hold somewhat more or fewer events.
    public var chunkSize: Int
    /// Threads used to decode one chunk of a CSV or JSONL file. Taobao and CDNOW decode on one.
    public var threads: Int
    /// The least number of bytes a thread is given; smaller chunks are decoded on one thread.
    public var bytesPerThreadMinimum: Int
    /// The longest record accepted, in bytes. A longer one (usually a quote left open) is
    /// rejected and reading resumes on its next line.
    public var maxRecordBytes: Int
    /// Called after each chunk with the bytes consumed so far and the input's size.
    public var progress: (@Sendable (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void)?

    /// Options with the defaults: Asia/Shanghai, about 256k events per chunk, every core.
    public init(
        zone: ZoneRules = .shanghai, defaultChannel: String? = nil, mapping: ColumnMapping? = nil,
        chunkSize: Int = 262_144, threads: Int = DecodeOptions.processorCount,
        bytesPerThreadMinimum: Int = 1 << 20, maxRecordBytes: Int = 1 << 20,
        progress: (@Sendable (_ bytesDone: Int64, _ bytesTotal: Int64) -> Void)? = nil
    ) {
        self.zone = zone
        self.defaultChannel = defaultChannel
        self.mapping = mapping
        self.chunkSize = chunkSize
        self.threads = threads
        self.bytesPerThreadMinimum = bytesPerThreadMinimum
        self.maxRecordBytes = maxRecordBytes
        self.progress = progress
    }

    /// The number of processors online.
    public static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// The channel given to events whose source names none, for a format.
    public func fallbackChannel(for format: InputFormat) -> String? {
        if let defaultChannel, !defaultChannel.isEmpty { return defaultChannel }
        return format.builtInChannel
    }
}
