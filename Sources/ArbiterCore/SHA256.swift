/// SHA-256 (FIPS 180-4) for stable ids and content hashes: a byte-array convenience over
/// ``FastSHA256``, verified against the FIPS vectors and `sha256sum` at every padding boundary.
public struct SHA256: Sendable {
    private var inner = FastSHA256()

    /// Creates an empty hasher.
    public init() {}

    /// Feeds bytes into the digest.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            inner.update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil { inner.update(Array(bytes)) }
    }

    /// Feeds the UTF-8 bytes of a string into the digest.
    public mutating func update(_ string: String) {
        inner.update(string)
    }

    /// Finishes the digest and returns its 32 bytes.
    public func finalize() -> [UInt8] {
        inner.finalize().bytes
    }

    /// The lower-case hex digest of `bytes`.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.inner.finalize().hex
    }

    /// The lower-case hex digest of the UTF-8 bytes of `string`.
    public static func hex(_ string: String) -> String {
        FastSHA256.digest(string).hex
    }

    /// Lower-case hex of arbitrary bytes.
    public static func hexString(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(bytes.count * 2)
        for b in bytes {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0f)])
        }
        return s
    }
}
