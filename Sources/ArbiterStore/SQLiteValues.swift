import ArbiterCore
import GRDB

/// Lenient column readers: a value of an unexpected type (an edit made with the sqlite3 shell)
/// reads as something that will fail verification, never as a crash.
enum SQLiteValues {
    static func int(_ row: Row, _ i: Int) -> Int? {
        switch (row[i] as DatabaseValue).storage {
        case .int64(let v): Int(v)
        case .double(let d): d.isFinite && d == d.rounded() && abs(d) < 9e18 ? Int(d) : nil
        case .string(let s): Int(s)
        default: nil
        }
    }

    static func real(_ row: Row, _ i: Int) -> Double? {
        switch (row[i] as DatabaseValue).storage {
        case .int64(let v): Double(v)
        case .double(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    static func bool(_ row: Row, _ i: Int) -> Bool? { int(row, i).map { $0 != 0 } }

    static func text(_ row: Row, _ i: Int) -> String? {
        switch (row[i] as DatabaseValue).storage {
        case .null: nil
        case .string(let s): s
        case .blob(let d): String(decoding: d, as: UTF8.self)
        case .int64(let v): String(v)
        case .double(let d): "\(d)"
        }
    }

    static func blob(_ row: Row, _ i: Int) -> [UInt8]? {
        switch (row[i] as DatabaseValue).storage {
        case .null: nil
        case .blob(let d): [UInt8](d)
        case .string(let s): Array(s.utf8)
        case .int64(let v): Array(String(v).utf8)
        case .double(let d): Array("\(d)".utf8)
        }
    }

    /// A digest column; a value that is not 32 bytes reads as the zero digest (which never matches).
    static func digest(_ row: Row, _ i: Int) -> Digest256? {
        guard let b = blob(row, i) else { return nil }
        return Digest256(bytes: b) ?? Digest256(a: 0, b: 0, c: 0, d: 0)
    }
}
