import ArbiterEngine
import ArgumentParser
import Foundation

/// `arbiter eval CONFIG`: generate and score without training.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Generate and score a dataset once, without training; writes the same reward log.",
        discussion: """
            Covers the dataset once (use dataset.limit to shorten it) in steps of policy.prompts_per_step \
            prompts; no trainer, no advantages. Eval-only data (ToMBench) is allowed here.
            """
    )

    @Argument(help: "The run configuration (YAML).")
    var config: String

    @Option(help: "Run id (default: NAME-eval-YYYYMMDD-HHMMSS).")
    var runID: String?

    @Option(help: "The SQLite reward log (default: the config's run.store).")
    var store: String?

    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let loaded = try RunSupport.loadConfig(config, command: "eval")
        let id = runID ?? RunSupport.newRunID(name: loaded.config.run.name + "-eval")
        let storePath = store ?? loaded.resolve(loaded.config.run.store).path
        let log = try RunSupport.openStore(storePath, command: "eval")
        defer { try? log.close() }
        let plan: RunPlan
        do {
            plan = try RunPlanner.newRun(loaded, runID: id, mode: .eval, codeVersion: ArbiterVersion.string)
        } catch {
            FileHandleStderr.write("arbiter eval: \(error)\n")
            throw ExitCode(2)
        }
        _ = try await RunSupport.execute(plan: plan, store: log, progress: progress.reporter, command: "eval")
    }
}
