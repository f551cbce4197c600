import ArbiterCore

/// Counts SHA-256 digests in a fixed-size open-addressing table indexed by the digest's own
/// low bits (already uniformly distributed), so no `Hasher` is seeded per lookup: with a
/// `[Digest256: Int]` the two lookups per judge call were about 13 % of a group's encoding.
/// Sized for at most `capacity` distinct digests; a group's calls are counted, then queried.
struct DigestCounts {
    private var keys: [Digest256]
    private var counts: [Int32]
    private let mask: Int

    /// A table for up to `capacity` distinct digests (kept at most half full).
    init(capacity: Int) {
        var size = 8
        while size < 2 * capacity { size <<= 1 }
        keys = Array(repeating: Digest256(a: 0, b: 0, c: 0, d: 0), count: size)
        counts = Array(repeating: 0, count: size)
        mask = size - 1
    }

    private func slot(_ d: Digest256) -> Int {
        var i = Int(truncatingIfNeeded: d.d) & mask
        while counts[i] != 0 && keys[i] != d { i = (i + 1) & mask }
        return i
    }

    /// Counts one more use of `d`.
    mutating func add(_ d: Digest256) {
        let i = slot(d)
        if counts[i] == 0 { keys[i] = d }
        counts[i] += 1
    }

    /// Uses of `d` counted so far.
    func count(_ d: Digest256) -> Int { Int(counts[slot(d)]) }
}
