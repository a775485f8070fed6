import KehuModel

/// The on-disk layout of a segment (all integers little-endian):
///
/// ```
/// header     64 bytes: magic "KEHUSEG\0", version u32, block count u32, row count u64,
///            min ts i64, max ts i64, directory offset u64, reserved (16 bytes of zero)
/// blocks     one per column or dictionary part, each starting on an 8-byte boundary
/// directory  per block 32 bytes: block id u32, element width u32, offset u64, length u64,
///            checksum u64 (StableHash of the block's bytes, seeded with the block id)
/// trailer    16 bytes: checksum u64 of header + directory, magic "KEHUEND\0"
/// ```
/// Columns are fixed-width arrays. Dictionary codes take 1, 2 or 4 bytes depending on the size of
/// the segment's dictionary for that field. A reader checks the trailer, the header checksum and
/// every block's checksum before it uses a byte: a failure names the segment and is never data.
enum SegmentFormat {
    static let magic: [UInt8] = Array("KEHUSEG\0".utf8)
    static let endMagic: [UInt8] = Array("KEHUEND\0".utf8)
    static let version: UInt32 = 1
    static let headerSize = 64
    static let directoryEntrySize = 32
    static let trailerSize = 16

    /// Block ids. Append only.
    enum Block {
        static let fingerprintHigh: UInt32 = 1
        static let fingerprintLow: UInt32 = 2
        static let ts: UInt32 = 3
        static let key: UInt32 = 4
        static let kind: UInt32 = 5
        static let amount: UInt32 = 6
        static let listPrice: UInt32 = 7
        static let quantity: UInt32 = 8
        static func codes(_ field: Int) -> UInt32 { 100 + UInt32(field) }
        static func dictionaryBytes(_ field: Int) -> UInt32 { 200 + UInt32(field) }
        static func dictionaryOffsets(_ field: Int) -> UInt32 { 300 + UInt32(field) }
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer, block: UInt32) -> UInt64 {
        StableHash.hash(bytes, seed: 0x6b65_6875_0000_0000 | UInt64(block))
    }

    /// The width in bytes a code column needs for a dictionary with `codeCount` codes.
    static func codeWidth(codeCount: Int) -> Int {
        codeCount <= 256 ? 1 : codeCount <= 65_536 ? 2 : 4
    }
}

struct SegmentDirectoryEntry {
    var block: UInt32
    var width: UInt32
    var offset: UInt64
    var length: UInt64
    var checksum: UInt64
}
