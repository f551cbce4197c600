import Foundation

/// A `TextOutputStream` over standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}

/// Writes to standard error without buffering.
enum FileHandleStderr {
    static func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
