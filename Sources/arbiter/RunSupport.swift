import ArbiterConfig
import ArbiterCore
import ArbiterEngine
import ArbiterStore
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// Shared wiring of `arbiter run`, `resume` and `eval`: open the store, assemble the services,
/// run them in a `ServiceGroup` that shuts down gracefully on SIGINT/SIGTERM.
enum RunSupport {
    /// How one run ended.
    enum Ending {
        case completed
        case stopped
    }

    /// Loads and validates a config file; prints every problem; exits 2 on errors.
    static func loadConfig(_ path: String, command: String) throws -> LoadedConfig {
        let (loaded, issues) = ConfigLoader.check(URL(fileURLWithPath: path))
        var stderr = StandardError()
        for issue in issues { print(issue, to: &stderr) }
        guard let loaded, !issues.contains(where: { $0.severity == .error }) else {
            print("arbiter \(command): \(path) has errors (see above); nothing was run", to: &stderr)
            throw ExitCode(2)
        }
        return loaded
    }

    /// Opens (creating if needed) the SQLite reward log.
    static func openStore(_ path: String, command: String) throws -> SQLiteRewardStore {
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            return try SQLiteRewardStore(path: path)
        } catch {
            FileHandleStderr.write("arbiter \(command): cannot open the reward log at \(path): \(error)\n")
            throw ExitCode(1)
        }
    }

    /// Where a run's outbox keeps unacknowledged batches: beside the store.
    static func outboxDirectory(store: String, runID: String) -> URL {
        URL(fileURLWithPath: store + ".outbox").appendingPathComponent(runID.replacingOccurrences(of: "/", with: "_"))
    }

    /// A fresh run id: `NAME-YYYYMMDD-HHMMSS`.
    static func newRunID(name: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "\(name)-\(f.string(from: Date()))"
    }

    /// Logs go to standard error at `warning` unless `ARBITER_LOG_LEVEL` says otherwise.
    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = ProcessInfo.processInfo.environment["ARBITER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }

    /// Runs one plan to its end; returns how it ended, or exits 1 with the error.
    static func execute(plan: RunPlan, store: SQLiteRewardStore, progress: ProgressReporter, command: String, retryRejected: Bool = false)
        async throws -> Ending
    {
        let logger = logger("arbiter")
        let assembly: RunAssembly
        do {
            assembly = try await RunAssembly.make(
                plan: plan, store: store, outboxDirectory: outboxDirectory(store: store.path, runID: plan.runID), progress: progress,
                logger: logger)
        } catch {
            FileHandleStderr.write("arbiter \(command): \(error)\n")
            throw ExitCode(1)
        }
        if retryRejected, let outbox = assembly.outbox { try? await outbox.retryRejected() }
        var configs: [ServiceGroupConfiguration.ServiceConfiguration] = assembly.services.dropLast().map { .init(service: $0) }
        configs.append(
            .init(service: assembly.engine, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(
            configuration: .init(services: configs, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await assembly.shutdown()
            FileHandleStderr.write("arbiter \(command): run \(plan.runID) stopped with an error: \(describe(error))\n")
            throw ExitCode(1)
        }
        await assembly.shutdown()
        let record = try? await store.run(plan.runID)
        return record?.status == .completed ? .completed : .stopped
    }

    /// The innermost meaningful description of a service-group error.
    static func describe(_ error: any Error) -> String {
        if let e = error as? EngineError { return e.description }
        return String(describing: error)
    }
}

/// Options shared by the run commands.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Print progress as JSON lines (one object per step) for machines.")
    var jsonProgress = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    var reporter: ProgressReporter {
        if quiet { return ProgressReporter(style: .silent) }
        if jsonProgress { return ProgressReporter(style: .json) }
        return ProgressReporter(style: isatty(STDOUT_FILENO) == 1 ? .live : .plain)
    }
}
