import Foundation

/// Reads a file (or an in-memory buffer) one line at a time, in fixed-size chunks.
///
/// Lines end at `\n`; a trailing `\r` is dropped (CRLF files), and so is a UTF-8 byte-order
/// mark at the start. Invalid UTF-8 is decoded with replacement characters. A final line
/// without a newline is returned; the empty "line" after a final newline is not.
///
/// Copies share the underlying file handle: read through one copy only.
public struct LineReader: Sendable {
    private let handle: FileHandle?
    private var buffer: [UInt8]
    private var start = 0
    private var scanned = 0
    private var atEOF: Bool
    private let chunkSize: Int
    /// The 1-based number of the line most recently returned (0 before the first).
    public private(set) var lineNumber = 0

    /// Opens `url` for reading.
    public init(url: URL, chunkSize: Int = 1 << 16) throws {
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw DataError(.unreadable, "cannot open the file: \(error.localizedDescription)", context: url.path)
        }
        buffer = []
        atEOF = false
        self.chunkSize = max(chunkSize, 1)
    }

    /// Reads from bytes already in memory.
    public init(bytes: [UInt8]) {
        handle = nil
        buffer = bytes
        atEOF = true
        chunkSize = 1
    }

    /// Reads from a string already in memory.
    public init(string: String) { self.init(bytes: Array(string.utf8)) }

    /// The next line without its terminator, or nil at the end of the input.
    public mutating func nextLine() throws -> String? {
        while true {
            if let nl = buffer[scanned...].firstIndex(of: 0x0A) {
                let line = decode(start, nl)
                start = nl + 1
                scanned = start
                return line
            }
            scanned = buffer.count
            if atEOF {
                guard start < buffer.count else { return nil }
                let line = decode(start, buffer.count)
                start = buffer.count
                scanned = start
                return line
            }
            try fill()
        }
    }

    private mutating func fill() throws {
        guard let handle else { atEOF = true; return }
        if start > 0 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: chunkSize)
        } catch {
            throw DataError(.unreadable, "read failed after line \(lineNumber): \(error.localizedDescription)")
        }
        if let chunk, !chunk.isEmpty {
            buffer.append(contentsOf: chunk)
        } else {
            atEOF = true
            try? handle.close()
        }
    }

    private mutating func decode(_ from: Int, _ to: Int) -> String {
        lineNumber += 1
        var lo = from
        var hi = to
        if hi > lo, buffer[hi - 1] == 0x0D { hi -= 1 }
        if lineNumber == 1, hi - lo >= 3, buffer[lo] == 0xEF, buffer[lo + 1] == 0xBB, buffer[lo + 2] == 0xBF { lo += 3 }
        return String(decoding: buffer[lo..<hi], as: UTF8.self)
    }
}
