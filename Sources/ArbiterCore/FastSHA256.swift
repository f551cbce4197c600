import CSHA256Accel

/// A block-oriented SHA-256 (FIPS 180-4): compresses whole 64-byte blocks straight from the
/// caller's memory. The one SHA-256 of the project: ``SHA256`` is a convenience over it, and
/// the reward log's hash chain uses it directly.
///
/// On x86 CPUs with the SHA extensions the block compression runs on them (`CSHA256Accel`,
/// chosen once at run time, about 8× faster); elsewhere it runs the portable Swift rounds.
public struct FastSHA256: Sendable {
    /// Whether this CPU's SHA extensions are used.
    public static let isAccelerated = arbiter_sha256_accel_available() == 1

    private var h0: UInt32 = 0x6a09_e667
    private var h1: UInt32 = 0xbb67_ae85
    private var h2: UInt32 = 0x3c6e_f372
    private var h3: UInt32 = 0xa54f_f53a
    private var h4: UInt32 = 0x510e_527f
    private var h5: UInt32 = 0x9b05_688c
    private var h6: UInt32 = 0x1f83_d9ab
    private var h7: UInt32 = 0x5be0_cd19
    /// Pending bytes of an incomplete block.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var length: UInt64 = 0
    private let accelerated: Bool

    /// Creates an empty hasher (`portable: true` forces the Swift rounds, for cross-checks).
    public init(portable: Bool = false) {
        accelerated = !portable && Self.isAccelerated
    }

    /// Feeds raw bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        if blockCount > 0 {
            let take = min(64 - blockCount, remaining)
            let offset = blockCount
            withUnsafeMutableBytes(of: &block) { buf in
                buf.baseAddress!.advanced(by: offset).copyMemory(from: base, byteCount: take)
            }
            blockCount += take
            base += take
            remaining -= take
            if blockCount == 64 {
                var b = block
                withUnsafeBytes(of: &b) { compressBlocks($0.baseAddress!, 1) }
                blockCount = 0
            }
        }
        if remaining >= 64 {
            let blocks = remaining / 64
            compressBlocks(base, blocks)
            base += blocks * 64
            remaining -= blocks * 64
        }
        if remaining > 0 {
            withUnsafeMutableBytes(of: &block) { buf in
                buf.baseAddress!.copyMemory(from: base, byteCount: remaining)
            }
            blockCount = remaining
        }
    }

    /// Feeds a byte array.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of a string (without copying native strings).
    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Feeds the little-endian bytes of an integer.
    @inline(__always)
    public mutating func update(littleEndian value: UInt64) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { update($0) }
    }

    /// Feeds one byte.
    @inline(__always)
    public mutating func update(byte: UInt8) {
        var v = byte
        withUnsafeBytes(of: &v) { update($0) }
    }

    /// Finishes and returns the 32-byte digest.
    public func finalize() -> Digest256 {
        var copy = self
        let bitLength = length &* 8
        var pad: [UInt8] = [0x80]
        let afterOne = (blockCount + 1) % 64
        let zeros = afterOne <= 56 ? 56 - afterOne : 120 - afterOne
        pad.append(contentsOf: repeatElement(0, count: zeros))
        for shift in stride(from: 56, through: 0, by: -8) {
            pad.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        let savedLength = copy.length
        copy.update(pad)
        copy.length = savedLength
        precondition(copy.blockCount == 0)
        return Digest256(
            a: UInt64(copy.h0) << 32 | UInt64(copy.h1), b: UInt64(copy.h2) << 32 | UInt64(copy.h3),
            c: UInt64(copy.h4) << 32 | UInt64(copy.h5), d: UInt64(copy.h6) << 32 | UInt64(copy.h7))
    }

    /// The digest of one byte buffer.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> Digest256 {
        var h = FastSHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// The digest of a string's UTF-8 bytes.
    public static func digest(_ string: String) -> Digest256 {
        var h = FastSHA256()
        h.update(string)
        return h.finalize()
    }

    /// The digest of a byte array.
    public static func digest(_ bytes: [UInt8]) -> Digest256 {
        bytes.withUnsafeBytes { digest($0) }
    }

    /// Compresses `count` consecutive blocks.
    private mutating func compressBlocks(_ p: UnsafeRawPointer, _ count: Int) {
        if accelerated {
            var state = (h0, h1, h2, h3, h4, h5, h6, h7)
            withUnsafeMutableBytes(of: &state) { s in
                arbiter_sha256_accel_compress(
                    s.baseAddress!.assumingMemoryBound(to: UInt32.self), p.assumingMemoryBound(to: UInt8.self), count)
            }
            (h0, h1, h2, h3, h4, h5, h6, h7) = state
        } else {
            for i in 0..<count { compress(p + i &* 64) }
        }
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }

    private mutating func compress(_ p: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            let w = w.baseAddress!
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
            }
            for i in 16..<64 {
                let x = w[i &- 15], y = w[i &- 2]
                let s0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x &>> 3)
                let s1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y &>> 10)
                w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
            }
            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
            Self.k.withUnsafeBufferPointer { kp in
                let k = kp.baseAddress!
                for i in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }
            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
        }
    }

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
