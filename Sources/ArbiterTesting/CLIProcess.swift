import Foundation

/// A running `arbiter` child process, for end-to-end tests that must not block a thread while it
/// runs (in-process servers keep serving), and that send it signals (SIGINT, SIGTERM, SIGKILL).
public final class CLIProcess: @unchecked Sendable {
    private let process: Process
    private let outURL: URL
    private let errURL: URL
    private let out: FileHandle
    private let err: FileHandle
    private let exited: AsyncStream<Int32>
    private let lock = NSLock()
    private var result: CLIRunner.Result?

    /// Starts `arbiter ARGUMENTS` in `directory` (default: the package root).
    public static func start(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> CLIProcess {
        try CLIProcess(arguments, directory: directory, environment: environment)
    }

    private init(_ arguments: [String], directory: URL?, environment: [String: String]) throws {
        process = Process()
        process.executableURL = try CLIRunner.binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? SharedFixtures.packageRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let tmp = FileManager.default.temporaryDirectory
        outURL = tmp.appendingPathComponent("arbiter-proc-out-\(UUID().uuidString)")
        errURL = tmp.appendingPathComponent("arbiter-proc-err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        out = try FileHandle(forWritingTo: outURL)
        err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        exited = stream
        process.terminationHandler = { p in
            continuation.yield(p.terminationStatus)
            continuation.finish()
        }
        try process.run()
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal (`SIGKILL`, `SIGTERM`, `SIGINT`).
    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// What the process printed so far (standard output).
    public func stdoutSoFar() -> String {
        String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
    }

    /// Waits for the exit without blocking a thread; returns status and output.
    public func wait() async -> CLIRunner.Result {
        if let r = lock.withLock({ result }) { return r }
        var status: Int32 = -1
        for await s in exited { status = s }
        if status == -1 { status = process.terminationStatus }
        try? out.close()
        try? err.close()
        let r = CLIRunner.Result(
            status: status, stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        lock.withLock { result = r }
        return r
    }
}
