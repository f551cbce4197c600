import ArgumentParser

/// Says plainly that a subcommand has not landed yet, naming the issue that brings it, and fails.
///
/// Never pretends: the process exits with status 2.
func notImplemented(_ command: String, issue: Int, what: String) throws -> Never {
    var stderr = StandardError()
    print("arbiter \(command): not implemented yet (\(what); tracked in issue \(issue)).", to: &stderr)
    throw ExitCode(2)
}

/// A `TextOutputStream` over standard error.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleStderr.write(string)
    }
}

import Foundation

enum FileHandleStderr {
    static func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
