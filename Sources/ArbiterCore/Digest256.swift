/// A 32-byte SHA-256 digest.
public struct Digest256: Sendable, Hashable, Comparable, CustomStringConvertible {
    // Big-endian halves: the digest bytes are a (hi→lo), b, c, d.
    /// The digest's four big-endian 64-bit words.
    public var a: UInt64, b: UInt64, c: UInt64, d: UInt64

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [a, b, c, d] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// Lower-case hex, 64 characters.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buf in
            var i = 0
            for word in [a, b, c, d] {
                for shift in stride(from: 60, through: 0, by: -4) {
                    buf[i] = digits[Int((word >> UInt64(shift)) & 0xf)]
                    i += 1
                }
            }
            return 64
        }
    }

    /// Parses 64 hex characters.
    public init?(hex: String) {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, ch) in u.enumerated() {
            let v: UInt8
            switch ch {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = ch - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = ch - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = ch - UInt8(ascii: "A") + 10
            default: return nil
            }
            words[i / 16] = words[i / 16] << 4 | UInt64(v)
        }
        (a, b, c, d) = (words[0], words[1], words[2], words[3])
    }

    /// Creates a digest from its four big-endian words.
    public init(a: UInt64, b: UInt64, c: UInt64, d: UInt64) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
    }

    public static func < (l: Digest256, r: Digest256) -> Bool { (l.a, l.b, l.c, l.d) < (r.a, r.b, r.c, r.d) }
    public var description: String { hex }
}

extension Digest256 {
    /// Wraps 32 digest bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        var w: [UInt64] = [0, 0, 0, 0]
        for (i, b) in bytes.enumerated() { w[i / 8] = w[i / 8] << 8 | UInt64(b) }
        self.init(a: w[0], b: w[1], c: w[2], d: w[3])
    }
}
