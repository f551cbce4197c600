/// Compact little-endian array blobs: token ids as Int32, logprobs as Float32.
///
/// Servers compute logprobs in float32, so storing Float32 loses nothing they produced;
/// any other value is rounded to the nearest float32.
enum BlobCoding {
    /// Encodes token ids as little-endian Int32.
    static func int32LE(_ values: [Int]) throws(StoreError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        var bad: Int?
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                guard let x = Int32(exactly: v) else {
                    bad = v
                    return
                }
                raw.storeBytes(of: x.littleEndian, toByteOffset: i * 4, as: Int32.self)
            }
        }
        if let bad { throw StoreError(.invalidInput, "token id \(bad) does not fit in Int32") }
        return out
    }

    /// Decodes little-endian Int32 token ids.
    static func decodeInt32LE(_ bytes: [UInt8]) throws(StoreError) -> [Int] {
        guard bytes.count % 4 == 0 else { throw StoreError(.corrupt, "token blob of \(bytes.count) bytes is not a multiple of 4") }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
        }
    }

    /// Encodes logprobs as little-endian Float32.
    static func float32LE(_ values: [Double]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return out
    }

    /// Decodes little-endian Float32 logprobs.
    static func decodeFloat32LE(_ bytes: [UInt8]) throws(StoreError) -> [Double] {
        guard bytes.count % 4 == 0 else { throw StoreError(.corrupt, "logprob blob of \(bytes.count) bytes is not a multiple of 4") }
        return bytes.withUnsafeBytes { raw in
            (0..<(bytes.count / 4)).map {
                Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))))
            }
        }
    }
}
