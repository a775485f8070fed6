import CZlib
import Foundation
import Hummingbird
import HummingbirdTesting
import KehuStore
import Testing
@testable import KehuServer

/// gzip (windowBits 31) or zlib (15) compression of `bytes` with the system zlib, as the SDKs
/// send it.
func compress(_ bytes: [UInt8], gzip: Bool = true) -> [UInt8] {
    var stream = z_stream()
    let status = deflateInit2_(
        &stream, Z_BEST_COMPRESSION, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    precondition(status == Z_OK)
    defer { deflateEnd(&stream) }
    var input = bytes
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            stream.next_out = outBuffer.baseAddress
            stream.avail_out = uInt(outBuffer.count)
            precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return outBuffer.count - Int(stream.avail_out)
        }
    }
    return Array(output[0..<produced])
}

@Suite("compressed request bodies")
struct CompressionTests {
    static let batch = """
        {"batch": [
          {"type": "track", "event": "Product Viewed", "messageId": "z1", "userId": "u1", "timestamp": "2026-06-18T10:00:00+08:00", "properties": {"channel": "jd"}},
          {"type": "track", "event": "Product Added", "messageId": "z2", "userId": "u1", "timestamp": "2026-06-18T10:01:00+08:00", "properties": {"channel": "jd", "quantity": 2}}
        ]}
        """

    func headers(_ key: APIKey, encoding: String) -> HTTPFields {
        var fields = basic(key)
        fields[.contentEncoding] = encoding
        return fields
    }

    @Test("Content-Encoding gzip (and x-gzip, deflate) is read as the plain body would be; two concatenated gzip members are one body")
    func accepted() async throws {
        let fixture = try ServerFixture()
        let plain = Array(Self.batch.utf8)
        try await fixture.withClient { client in
            for (encoding, body) in [("gzip", compress(plain)), ("x-gzip", compress(plain)), ("deflate", compress(plain, gzip: false)), ("GZIP", compress(plain))] {
                let response = try await client.execute(
                    uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: encoding), body: ByteBuffer(bytes: body))
                #expect(response.status == .ok, "\(encoding): \(response.text)")
                #expect(response.json["stored"] == .number("2"), "\(encoding)")
            }
            // `cat a.gz b.gz` is a valid gzip stream of `a + b`: the body split mid-way.
            let half = plain.count / 2
            let members = compress(Array(plain[..<half])) + compress(Array(plain[half...]))
            let response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "gzip"), body: ByteBuffer(bytes: members))
            #expect(response.status == .ok, "\(response.text)")
        }
        // 5 requests of 2 events each, same messageIds: 10 inbox rows, 2 events once flushed.
        let records = try inboxRecords(fixture.a)
        #expect(records.count == 10)
        #expect(records[0].kind == .view && records[1].quantity == 2)
        try InboxFlusher.flushAll(fixture.a)
        #expect(try fixture.a.buildSnapshot().eventCount == 2)
    }

    @Test("a zip bomb: the limit applies to the decompressed size (413), though the compressed body is small; nothing stored")
    func bomb() async throws {
        let fixture = try ServerFixture(limits: ServerLimits(maxBodyBytes: 4_096, maxBatchLength: 2_500))
        // A valid batch padded with 1 MB of spaces: ~1 KB compressed, 256 times the limit inflated.
        let padded = Array(Self.batch.utf8) + [UInt8](repeating: 0x20, count: 1_000_000)
        let bomb = compress(padded)
        #expect(bomb.count < 4_096)
        // Exactly the limit once inflated: accepted.
        let fits = compress(Array(Self.batch.utf8) + [UInt8](repeating: 0x20, count: 4_096 - Self.batch.utf8.count))
        try await fixture.withClient { client in
            var response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "gzip"), body: ByteBuffer(bytes: bomb))
            #expect(response.status == .contentTooLarge)
            #expect(response.errorMessage?.contains("larger than 4096 bytes once decompressed") == true, "\(response.text)")
            response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "gzip"), body: ByteBuffer(bytes: fits))
            #expect(response.status == .ok, "\(response.text)")
        }
        #expect(try Inbox.count(in: fixture.a) == 2)
    }

    @Test("inflation stops at the limit: a 20 MB bomb is refused without inflating it")
    func inflateLimit() throws {
        let bomb = compress([UInt8](repeating: 0, count: 20_000_000))
        #expect(bomb.count < 40_000)
        #expect(throws: BodyDecompression.Failure.tooLarge) { try BodyDecompression.inflate(bomb, limit: 512_000) }
        let small = try BodyDecompression.inflate(compress(Array("kehu 客户".utf8)), limit: 100)
        #expect(String(decoding: small, as: UTF8.self) == "kehu 客户")
    }

    @Test("corrupt or truncated gzip is 400 saying so; an unknown encoding is 415; nothing stored")
    func corrupt() async throws {
        let fixture = try ServerFixture()
        let good = compress(Array(Self.batch.utf8))
        try await fixture.withClient { client in
            var response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "gzip"), body: buffer(Self.batch))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.hasPrefix("body: Content-Encoding gzip, but not valid gzip data") == true, "\(response.text)")
            response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "gzip"), body: ByteBuffer(bytes: good.dropLast(12)))
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("truncated") == true, "\(response.text)")
            response = try await client.execute(
                uri: "/v1/batch", method: .post, headers: headers(fixture.aWrite, encoding: "br"), body: ByteBuffer(bytes: good))
            #expect(response.status == .unsupportedMediaType)
            #expect(response.json["error"]?["code"] == .string("unsupported_encoding"))
            #expect(response.errorMessage?.contains("send gzip or an uncompressed body") == true)
        }
        #expect(try Inbox.count(in: fixture.a) == 0)
    }
}
