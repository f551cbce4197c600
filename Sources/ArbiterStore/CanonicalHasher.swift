import ArbiterCore
/// Feeds the canonical serialization of log rows into SHA-256.
///
/// Every field is self-delimiting, so the byte stream is unambiguous:
///
/// | field | bytes |
/// |---|---|
/// | null | `00` |
/// | integer | `01` + zigzag LEB128 varint |
/// | real | `02` + 8 bytes little-endian IEEE-754 bits (−0.0 written as +0.0; NaN never occurs, it is stored as null) |
/// | text | `03` + LEB128 byte length + UTF-8 bytes |
/// | blob | `04` + LEB128 byte length + bytes |
///
/// Booleans are integers 0/1; digests are 32-byte blobs. See docs/store.md.
struct CanonicalHasher {
    private var sha = FastSHA256()
    private var buffer: [UInt8] = []
    private static let flushAt = 4096

    init() { buffer.reserveCapacity(Self.flushAt + 64) }

    private mutating func flushIfNeeded() {
        if buffer.count >= Self.flushAt {
            sha.update(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    @inline(__always)
    private mutating func appendLE(_ v: UInt64) {
        var x = v.littleEndian
        withUnsafeBytes(of: &x) { buffer.append(contentsOf: $0) }
    }

    /// Unsigned LEB128.
    @inline(__always)
    private mutating func appendVarint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    /// A null.
    mutating func null() {
        buffer.append(0)
        flushIfNeeded()
    }

    /// An integer.
    mutating func int(_ v: Int) {
        buffer.append(1)
        let x = Int64(v)
        appendVarint(UInt64(bitPattern: (x << 1) ^ (x >> 63)))
        flushIfNeeded()
    }

    /// An integer or null.
    mutating func int(_ v: Int?) {
        if let v { int(v) } else { null() }
    }

    /// A boolean as integer 0/1.
    mutating func bool(_ v: Bool) { int(v ? 1 : 0) }

    /// A boolean or null.
    mutating func bool(_ v: Bool?) {
        if let v { bool(v) } else { null() }
    }

    /// A real (NaN as null, −0.0 as +0.0: exactly what SQLite gives back).
    mutating func real(_ v: Double?) {
        guard let v, !v.isNaN else { return null() }
        buffer.append(2)
        appendLE((v == 0 ? 0.0 : v).bitPattern)
        flushIfNeeded()
    }

    private mutating func bytes(tag: UInt8, _ p: UnsafeRawBufferPointer) {
        buffer.append(tag)
        appendVarint(UInt64(p.count))
        if p.count > 1024 {
            sha.update(buffer)
            buffer.removeAll(keepingCapacity: true)
            sha.update(p)
        } else {
            buffer.append(contentsOf: p)
            flushIfNeeded()
        }
    }

    /// A text.
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { bytes(tag: 3, UnsafeRawBufferPointer($0)) }
    }

    /// A text or null.
    mutating func text(_ s: String?) {
        if let s { text(s) } else { null() }
    }

    /// A blob.
    mutating func blob(_ b: [UInt8]) {
        b.withUnsafeBytes { bytes(tag: 4, $0) }
    }

    /// A blob or null.
    mutating func blob(_ b: [UInt8]?) {
        if let b { blob(b) } else { null() }
    }

    /// A digest, as a 32-byte blob.
    mutating func digest(_ d: Digest256) {
        var words = (d.a.bigEndian, d.b.bigEndian, d.c.bigEndian, d.d.bigEndian)
        withUnsafeBytes(of: &words) { bytes(tag: 4, $0) }
    }

    /// A digest or null.
    mutating func digest(_ d: Digest256?) {
        if let d { digest(d) } else { null() }
    }

    /// Finishes the digest.
    mutating func finalize() -> Digest256 {
        sha.update(buffer)
        buffer.removeAll()
        return sha.finalize()
    }
}
