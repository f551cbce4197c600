import CZlib
import Foundation

/// gzip (RFC 1952) over zlib, for `Content-Encoding: gzip` batch bodies.
///
/// The header carries no file name and a zero modification time, so the same body always
/// compresses to the same bytes.
public enum Gzip {
    /// Compresses `data` at `level` (0–9).
    ///
    /// - Throws: ``TrainerError/Code/invalidInput`` when zlib fails (out of memory).
    public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip wrapper instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw TrainerError(.invalidInput, "zlib: deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))) + 32)
        var status: Int32 = Z_OK
        var written = 0
        data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            output.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                status = deflate(&stream, Z_FINISH)
                written = out.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw TrainerError(.invalidInput, "zlib: deflate returned \(status)") }
        return output.prefix(written)
    }

    /// Decompresses a gzip body of at most `limit` bytes once inflated.
    ///
    /// - Throws: ``TrainerError/Code/invalidInput`` for a corrupt body or one that inflates past `limit`.
    public static func decompress(_ data: Data, limit: Int = 1 << 30) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TrainerError(.invalidInput, "zlib: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBytes { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw TrainerError(.invalidInput, "gzip body is corrupt (zlib \(status))")
                }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw TrainerError(.invalidInput, "gzip body inflates past \(limit) bytes") }
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END {
                    throw TrainerError(.invalidInput, "gzip body is truncated")
                }
            } while status != Z_STREAM_END
        }
        return output
    }
}
