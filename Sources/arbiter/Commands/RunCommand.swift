import ArbiterConfig
import ArbiterEngine
import ArgumentParser
import Foundation

/// `arbiter run CONFIG`: a training run from dataset to trainer.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a training run: rollouts, rewards, advantages, batches to the trainer, all logged.",
        discussion: """
            Prints one line per step (or JSON lines with --json-progress). SIGINT/SIGTERM stop gracefully: \
            the step in flight is dropped and generated again by `arbiter resume RUN`; everything logged \
            stays. With --estimator a,b the same prompts, seeds and rewards run under each estimator, one \
            run after the other, linked as a comparison group in the store.
            """
    )

    @Argument(help: "The run configuration (YAML).")
    var config: String

    @Option(help: "Comma-separated estimators to compare (default: the config's).")
    var estimator: String?

    @Option(help: "Run id (default: NAME-YYYYMMDD-HHMMSS; with several estimators, suffixed by each).")
    var runID: String?

    @Option(help: "The SQLite reward log (default: the config's run.store).")
    var store: String?

    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let loaded = try RunSupport.loadConfig(config, command: "run")
        let estimators = (estimator?.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
            ?? [loaded.config.advantage.estimator]
        guard !estimators.isEmpty, !estimators.contains(where: \.isEmpty) else {
            throw ValidationError("--estimator needs names separated by commas")
        }
        let base = runID ?? RunSupport.newRunID(name: loaded.config.run.name)
        let storePath = store ?? loaded.resolve(loaded.config.run.store).path
        let log = try RunSupport.openStore(storePath, command: "run")
        defer { try? log.close() }
        for name in estimators {
            let id = estimators.count > 1 ? "\(base)-\(name)" : base
            let plan: RunPlan
            do {
                plan = try RunPlanner.newRun(
                    loaded, runID: id, runGroup: estimators.count > 1 ? base : nil, mode: .train, estimator: name,
                    codeVersion: ArbiterVersion.string)
            } catch {
                FileHandleStderr.write("arbiter run: \(error)\n")
                throw ExitCode(2)
            }
            let ending = try await RunSupport.execute(plan: plan, store: log, progress: progress.reporter, command: "run")
            if ending == .stopped { return }
        }
    }
}
