import ArbiterEngine
import ArgumentParser
import Foundation

/// `arbiter resume RUN`: continue a run after a graceful stop or a crash.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a stopped or crashed run from its reward log.",
        discussion: """
            Rollouts already logged are not generated again; a step logged but not sealed is finished \
            from the log; prompts are neither skipped nor repeated; unacknowledged batches are sent \
            again (the trainer ignores duplicates by their idempotency key); the hash chain continues.
            """
    )

    @Argument(help: "The run id.")
    var run: String

    @Option(help: "The SQLite reward log.")
    var store = StoreCommandSupport.defaultStorePath

    @Flag(help: "Send again a batch the trainer rejected (after fixing the trainer).")
    var retryRejected = false

    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let log = try StoreCommandSupport.open(store, command: "resume")
        defer { try? log.close() }
        let plan: RunPlan
        do {
            plan = try await RunPlanner.resume(runID: run, store: log, codeVersion: ArbiterVersion.string)
        } catch {
            FileHandleStderr.write("arbiter resume: \(error)\n")
            throw ExitCode(2)
        }
        _ = try await RunSupport.execute(
            plan: plan, store: log, progress: progress.reporter, command: "resume", retryRejected: retryRejected)
    }
}
