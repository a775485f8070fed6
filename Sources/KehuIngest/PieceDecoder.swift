/// Decodes the records of one piece of an input into a builder.
///
/// A piece starts at a record boundary and ends at one (see ``BlockScan``). Decoders whose
/// ``parallel`` is true hold no state across records, so pieces of one buffer can be decoded
/// by several threads, each with its own copy.
protocol PieceDecoder {
    /// Whether quotes protect line feeds (CSV) or every line feed ends a record.
    var quoteAware: Bool { get }
    /// Whether pieces may be decoded concurrently.
    var parallel: Bool { get }
    /// Decodes the records of `piece`, numbering its lines from `firstLine`, and sets
    /// ``BatchBuilder/linesConsumed``. `quoteFree` tells that the piece holds no quote character
    /// (known from the pre-scan). Records longer than ``BatchBuilder/maxRecord`` are rejected.
    mutating func decode(_ piece: UnsafeRawBufferPointer, firstLine: Int64, quoteFree: Bool, into builder: inout BatchBuilder)
}
