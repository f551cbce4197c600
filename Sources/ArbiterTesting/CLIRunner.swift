import Foundation

/// Runs the built `arbiter` executable as a child process, for end-to-end CLI tests.
public enum CLIRunner {
    /// What a finished run printed and returned.
    public struct Result: Sendable {
        /// Exit status.
        public var status: Int32
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
    }

    /// The `arbiter` binary beside the running test executable (SwiftPM puts both in the
    /// build products folder), or in the package's `.build/debug`.
    public static func binary() throws -> URL {
        var dirs: [URL] = []
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            dirs.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        dirs.append(SharedFixtures.packageRoot.appendingPathComponent(".build/debug"))
        for d in dirs {
            let candidate = d.appendingPathComponent("arbiter")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "arbiter binary not found in \(dirs.map(\.path))"])
    }

    /// Runs `arbiter ARGUMENTS` in `directory` (default: the package root) and waits for it.
    public static func run(_ arguments: [String], in directory: URL? = nil) throws -> Result {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = arguments
        p.currentDirectoryURL = directory ?? SharedFixtures.packageRoot
        let tmp = FileManager.default.temporaryDirectory
        let outURL = tmp.appendingPathComponent("arbiter-cli-out-\(UUID().uuidString)")
        let errURL = tmp.appendingPathComponent("arbiter-cli-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: p.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
