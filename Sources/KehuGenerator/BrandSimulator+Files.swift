import KehuModel

/// Writing the simulation as canonical event files (`docs/formats.md`).
extension BrandSimulator {
    /// Writes every event as canonical CSV: the header line, then one line per event.
    ///
    /// The file is written under `path.partial` and renamed to `path` when complete; `-` writes
    /// to standard output.
    /// - Parameters:
    ///   - threads: threads to simulate and format on; 0 means one per processor.
    ///   - progress: called on the calling thread with the number of events written so far.
    /// - Throws: ``GeneratorError/cannotWrite(path:reason:)``.
    @discardableResult
    public func writeCSV(
        to path: String, threads: Int = 0, progress: ((Int) -> Void)? = nil
    ) throws(GeneratorError) -> GenerationSummary {
        try write(.csv, to: path, threads: threads, progress: progress)
    }

    /// Writes every event as canonical JSONL, one object per line. See ``writeCSV(to:threads:progress:)``.
    @discardableResult
    public func writeJSONL(
        to path: String, threads: Int = 0, progress: ((Int) -> Void)? = nil
    ) throws(GeneratorError) -> GenerationSummary {
        try write(.jsonl, to: path, threads: threads, progress: progress)
    }

    /// Writes every event in `format`. See ``writeCSV(to:threads:progress:)``.
    @discardableResult
    public func write(
        _ format: CanonicalEventWriter.Format, to path: String, threads: Int = 0, progress: ((Int) -> Void)? = nil
    ) throws(GeneratorError) -> GenerationSummary {
        let file = try OutputFile(path: path)
        try file.write(writer(format).header)
        var written = 0
        let totals = try encodedChunks(format, threads: threads) { (bytes: [UInt8], events: Int) throws(GeneratorError) in
            try file.write(bytes)
            written += events
            progress?(written)
        }
        try file.commit()
        return GenerationSummary(
            consumers: config.consumers, range: config.range, totals: totals, bytesWritten: file.bytesWritten)
    }

    /// The file's bytes without the header, chunk by chunk, with the events in each chunk;
    /// chunks are encoded in parallel straight from the simulated events (the tests check that
    /// this equals encoding the batches of ``forEachChunk(maxEvents:threads:_:)``).
    func encodedChunks<E: Error>(
        _ format: CanonicalEventWriter.Format, threads: Int, maxEvents: Int = 65_536,
        _ body: ([UInt8], Int) throws(E) -> Void
    ) throws(E) -> SimulationTotals {
        let template = SimulatedRowsTemplate(world: world, format: format)
        let writer = writer(format)
        return try run(
            maxEvents: maxEvents, threads: threads,
            make: { plan in (writer.encode(EventRows(plan, template: template)), plan.count) },
            deliver: { (output: ([UInt8], Int)) throws(E) in try body(output.0, output.1) })
    }
}
