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

    /// Format byte of the components blob.
    static let componentsFormat: UInt8 = 1

    /// Encodes a rollout's reward components into one blob: format byte, count, then per
    /// component its ordinal, name, whether a value is present, the value and the weight
    /// (lengths and ordinals as zigzag varints, reals as little-endian IEEE 754 bits, so every
    /// value reads back bit for bit).
    static func components(_ list: [StoredComponent]) -> [UInt8] {
        var out: [UInt8] = [componentsFormat]
        out.reserveCapacity(2 + list.count * 32)
        varint(Int64(list.count), into: &out)
        for c in list {
            varint(Int64(c.ordinal), into: &out)
            varint(Int64(c.name.utf8.count), into: &out)
            out.append(contentsOf: c.name.utf8)
            if let v = c.value {
                out.append(1)
                real(v, into: &out)
            } else {
                out.append(0)
            }
            real(c.weight, into: &out)
        }
        return out
    }

    /// Decodes a components blob; a truncated or malformed blob is `.corrupt`.
    static func decodeComponents(_ bytes: [UInt8]) throws(StoreError) -> [StoredComponent] {
        var reader = Reader(bytes: bytes)
        guard try reader.byte() == componentsFormat else {
            throw StoreError(.corrupt, "components blob has unknown format \(bytes.first ?? 0)")
        }
        let count = try reader.varint()
        guard count >= 0, count <= Int64(bytes.count) else { throw StoreError(.corrupt, "components blob counts \(count) components") }
        var out: [StoredComponent] = []
        out.reserveCapacity(Int(count))
        for _ in 0..<count {
            let ordinal = try reader.varint()
            let length = try reader.varint()
            let name = try reader.utf8(length)
            let flag = try reader.byte()
            guard flag <= 1 else { throw StoreError(.corrupt, "components blob has value flag \(flag)") }
            let value = flag == 1 ? try reader.real() : nil
            out.append(StoredComponent(ordinal: Int(ordinal), name: name, value: value, weight: try reader.real()))
        }
        guard reader.atEnd else { throw StoreError(.corrupt, "components blob has \(bytes.count - reader.offset) trailing bytes") }
        return out
    }

    private static func varint(_ v: Int64, into out: inout [UInt8]) {
        var z = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        while z >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: z) | 0x80)
            z >>= 7
        }
        out.append(UInt8(z))
    }

    private static func real(_ v: Double, into out: inout [UInt8]) {
        var bits = v.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
    }

    /// Sequential reads from a blob with bounds checks.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        mutating func byte() throws(StoreError) -> UInt8 {
            guard offset < bytes.count else { throw StoreError(.corrupt, "components blob is truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func varint() throws(StoreError) -> Int64 {
            var z: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw StoreError(.corrupt, "components blob has an overlong varint") }
                z |= UInt64(b & 0x7F) << shift
                if b < 0x80 { break }
                shift += 7
            }
            return Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
        }

        mutating func real() throws(StoreError) -> Double {
            guard bytes.count - offset >= 8 else { throw StoreError(.corrupt, "components blob is truncated") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
            offset += 8
            return Double(bitPattern: bits)
        }

        mutating func utf8(_ length: Int64) throws(StoreError) -> String {
            guard length >= 0, Int64(bytes.count - offset) >= length else { throw StoreError(.corrupt, "components blob is truncated") }
            let end = offset + Int(length)
            defer { offset = end }
            return String(decoding: bytes[offset..<end], as: UTF8.self)
        }
    }
}
