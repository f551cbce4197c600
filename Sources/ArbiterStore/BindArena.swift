/// Memory for the text and blob values bound to one prepared statement until it is stepped.
///
/// Bound with `SQLITE_TRANSIENT`, SQLite copies every text and blob into a buffer it allocates
/// and frees per value; bound with `SQLITE_STATIC` from here, it reads them in place. Values are
/// copied in by bump allocation from reusable 64 KiB chunks (larger ones get their own block);
/// `SQLiteRowInserter.execute` rewinds the arena once the statement has run and its bindings
/// are cleared. Single-threaded, and one statement at a time: a statement still being bound must
/// not share its arena with one that is executed meanwhile.
final class BindArena {
    static let chunkSize = 1 << 16
    private var chunks: [UnsafeMutableRawPointer] = []
    private var current = 0
    private var offset = 0
    private var large: [UnsafeMutableRawPointer] = []

    /// Copies `count` bytes and returns where they now live (valid until `reset`).
    func copy(_ source: UnsafeRawPointer, count: Int) -> UnsafeRawPointer {
        if count > Self.chunkSize / 4 {
            let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 8)
            p.copyMemory(from: source, byteCount: count)
            large.append(p)
            return UnsafeRawPointer(p)
        }
        if chunks.isEmpty {
            chunks.append(UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 8))
        } else if offset + count > Self.chunkSize {
            current += 1
            offset = 0
            if current == chunks.count {
                chunks.append(UnsafeMutableRawPointer.allocate(byteCount: Self.chunkSize, alignment: 8))
            }
        }
        let p = chunks[current] + offset
        p.copyMemory(from: source, byteCount: count)
        offset += (count + 7) & ~7
        return UnsafeRawPointer(p)
    }

    /// Makes all memory reusable (nothing bound from it may be read afterwards).
    func reset() {
        current = 0
        offset = 0
        for p in large { p.deallocate() }
        large.removeAll(keepingCapacity: true)
    }

    deinit {
        for p in chunks { p.deallocate() }
        for p in large { p.deallocate() }
    }
}
