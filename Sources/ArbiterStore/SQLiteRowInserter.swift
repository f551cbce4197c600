import ArbiterCore
import Foundation
import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#endif

/// Binds one row's values to a prepared INSERT and executes it, with as little per-value overhead as possible.
///
/// Building `StatementArguments` costs about 3 µs per 20-column row, more than SQLite's own
/// insert. Where GRDB's SQLite module is importable (SwiftPM builds on Linux and macOS), values
/// are bound straight to the prepared statement GRDB cached (`Statement.sqliteStatement`), and
/// the statement is stepped inside GRDB's transaction; otherwise values are collected and
/// executed through `Statement.execute(arguments:)`.
struct SQLiteRowInserter {
    private let statement: Statement
    #if canImport(GRDBSQLite)
        private let handle: SQLiteStatement
        private var index: Int32 = 1
        private let arena: BindArena?
    #else
        private var values: [DatabaseValue] = []
    #endif

    /// - Parameter arena: where text and blob values are copied for binding without SQLite's
    ///   own copy (`BindArena`); nil binds them as transient (SQLite copies).
    init(_ statement: Statement, arena: BindArena? = nil) {
        self.statement = statement
        #if canImport(GRDBSQLite)
            self.arena = arena
        #endif
        #if canImport(GRDBSQLite)
            handle = statement.sqliteStatement
            sqlite3_reset(handle)
        #else
            values.reserveCapacity(24)
        #endif
    }

    #if canImport(GRDBSQLite)
        @inline(__always)
        private static var transient: sqlite3_destructor_type {
            unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        }

        /// Binds `count` bytes (count > 0) as TEXT or BLOB: from the arena when there is one.
        @inline(__always)
        private static func bind(
            _ h: SQLiteStatement, _ i: Int32, _ base: UnsafeRawPointer, _ count: Int, text: Bool, arena: BindArena?
        ) {
            if let arena {
                let p = arena.copy(base, count: count)
                if text {
                    _ = sqlite3_bind_text(h, i, p.assumingMemoryBound(to: CChar.self), Int32(count), nil)
                } else {
                    _ = sqlite3_bind_blob(h, i, p, Int32(count), nil)
                }
            } else if text {
                _ = sqlite3_bind_text(h, i, base.assumingMemoryBound(to: CChar.self), Int32(count), transient)
            } else {
                _ = sqlite3_bind_blob(h, i, base, Int32(count), transient)
            }
        }
    #endif

    /// Binds NULL.
    mutating func null() {
        #if canImport(GRDBSQLite)
            sqlite3_bind_null(handle, index)
            index += 1
        #else
            values.append(.null)
        #endif
    }

    /// Binds an integer.
    mutating func int(_ v: Int) {
        #if canImport(GRDBSQLite)
            sqlite3_bind_int64(handle, index, Int64(v))
            index += 1
        #else
            values.append(v.databaseValue)
        #endif
    }

    /// Binds an integer or NULL.
    mutating func int(_ v: Int?) {
        if let v { int(v) } else { null() }
    }

    /// Binds an Int64.
    mutating func int64(_ v: Int64) { int(Int(v)) }

    /// Binds a boolean as 0/1.
    mutating func bool(_ v: Bool) { int(v ? 1 : 0) }

    /// Binds a boolean or NULL.
    mutating func bool(_ v: Bool?) {
        if let v { bool(v) } else { null() }
    }

    /// Binds a real or NULL (NaN binds NULL).
    mutating func real(_ v: Double?) {
        guard let v, !v.isNaN else { return null() }
        #if canImport(GRDBSQLite)
            sqlite3_bind_double(handle, index, v)
            index += 1
        #else
            values.append(v.databaseValue)
        #endif
    }

    /// Binds TEXT (identifiers and short labels; never contains NUL).
    mutating func text(_ s: String) {
        #if canImport(GRDBSQLite)
            var s = s
            let h = handle, i = index, arena = arena
            s.withUTF8 { p in
                p.withMemoryRebound(to: CChar.self) { c in
                    if let base = c.baseAddress, c.count > 0 {
                        Self.bind(h, i, UnsafeRawPointer(base), c.count, text: true, arena: arena)
                    } else {
                        let empty: [CChar] = [0]
                        empty.withUnsafeBufferPointer { _ = sqlite3_bind_text(h, i, $0.baseAddress, 0, Self.transient) }
                    }
                }
            }
            index += 1
        #else
            values.append(s.databaseValue)
        #endif
    }

    /// Binds TEXT or NULL.
    mutating func text(_ s: String?) {
        if let s { text(s) } else { null() }
    }

    /// Binds free text as a UTF-8 BLOB, so embedded NUL characters survive exactly.
    mutating func utf8Blob(_ s: String) {
        #if canImport(GRDBSQLite)
            var s = s
            let h = handle, i = index, arena = arena
            s.withUTF8 { p in
                if let base = p.baseAddress, p.count > 0 {
                    Self.bind(h, i, UnsafeRawPointer(base), p.count, text: false, arena: arena)
                } else {
                    _ = sqlite3_bind_zeroblob(h, i, 0)
                }
            }
            index += 1
        #else
            values.append(Data(s.utf8).databaseValue)
        #endif
    }

    /// Binds free text as a UTF-8 BLOB, or NULL.
    mutating func utf8Blob(_ s: String?) {
        if let s { utf8Blob(s) } else { null() }
    }

    /// Binds a BLOB.
    mutating func blob(_ b: [UInt8]) {
        #if canImport(GRDBSQLite)
            let h = handle, i = index, arena = arena
            b.withUnsafeBytes { p in
                if let base = p.baseAddress, p.count > 0 {
                    Self.bind(h, i, base, p.count, text: false, arena: arena)
                } else {
                    _ = sqlite3_bind_zeroblob(h, i, 0)
                }
            }
            index += 1
        #else
            values.append(Data(b).databaseValue)
        #endif
    }

    /// Binds a BLOB or NULL.
    mutating func blob(_ b: [UInt8]?) {
        if let b { blob(b) } else { null() }
    }

    /// Binds a digest as a 32-byte BLOB.
    mutating func digest(_ d: Digest256) {
        #if canImport(GRDBSQLite)
            var words = (d.a.bigEndian, d.b.bigEndian, d.c.bigEndian, d.d.bigEndian)
            let h = handle, i = index, arena = arena
            withUnsafeBytes(of: &words) { p in Self.bind(h, i, p.baseAddress!, 32, text: false, arena: arena) }
            index += 1
        #else
            blob(d.bytes)
        #endif
    }

    /// Binds a digest or NULL.
    mutating func digest(_ d: Digest256?) {
        if let d { digest(d) } else { null() }
    }

    /// Executes the INSERT.
    func execute() throws {
        #if canImport(GRDBSQLite)
            let rc = sqlite3_step(handle)
            if let arena {
                // Nothing may read the arena's values after this: unbind them, then rewind.
                sqlite3_clear_bindings(handle)
                arena.reset()
            }
            guard rc == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message, sql: statement.sql)
            }
        #else
            try statement.execute(arguments: StatementArguments(values))
        #endif
    }
}
