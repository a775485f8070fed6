import CZlib

/// Inflates `Content-Encoding: gzip` (and `deflate`, zlib-wrapped) request bodies with the
/// system zlib, refusing to produce more than a limit: a small compressed body can expand
/// a thousandfold (a zip bomb), so the limit applies to the decompressed size, and inflation
/// stops as soon as it is passed.
enum BodyDecompression {
    enum Failure: Error, Equatable {
        /// The decompressed body would be larger than the limit.
        case tooLarge
        /// Not gzip or zlib data, or cut short.
        case corrupt(String)
    }

    /// The decompressed bytes of `input` (gzip or zlib; concatenated gzip members are read one
    /// after another, as `gunzip` does).
    /// - Complexity: O(output), at most `limit` bytes plus one 64 KiB chunk.
    static func inflate(_ input: some Collection<UInt8>, limit: Int) throws(Failure) -> [UInt8] {
        let bytes = Array(input)
        var stream = z_stream()
        // 15 + 32: the largest window, and detect a gzip or zlib header automatically.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let outcome: Failure? = bytes.withUnsafeBufferPointer { inBuffer -> Failure? in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return .tooLarge }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else { return nil }
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else { return .corrupt("zlib could not read the next gzip member") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    return .corrupt("the compressed body ends before its end marker (truncated)")
                case Z_BUF_ERROR:
                    continue
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    return .corrupt("not valid gzip data (\(reason))")
                }
            }
        }
        if let outcome { throw outcome }
        return output
    }
}
