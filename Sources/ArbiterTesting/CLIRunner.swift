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

    /// Runs `arbiter ARGUMENTS` in `directory` (default: the package root), feeding `stdin`
    /// (default: nothing), and waits for it without blocking a thread: the test process runs
    /// many tests at once on few cores, and a blocked cooperative thread starves them all.
    public static func run(_ arguments: [String], in directory: URL? = nil, stdin: Data? = nil) async throws -> Result {
        let p = Process()
        p.executableURL = try binary()
        p.arguments = arguments
        p.currentDirectoryURL = directory ?? SharedFixtures.packageRoot
        let tmp = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let outURL = tmp.appendingPathComponent("arbiter-cli-out-\(id)")
        let errURL = tmp.appendingPathComponent("arbiter-cli-err-\(id)")
        let inURL = tmp.appendingPathComponent("arbiter-cli-in-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) }
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            try stdin.write(to: inURL)
            p.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            p.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try p.run()
            } catch {
                p.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try out.close()
        try err.close()
        return Result(
            status: status,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
