import ArbiterConfig
import ArbiterCore
import ArbiterData
import ArbiterEngine
import ArbiterNumerics
import ArbiterServer
import ArbiterStore
import ArgumentParser
import Foundation
import ServiceLifecycle

/// `arbiter demo`: a real RL loop on this CPU — llama-server policy and judge, the PyTorch
/// reference trainer — for GRPO and FlowRL trajectory balance on a generated ToM set.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run GRPO and flowrl_tb against real peers on this CPU (llama-server, PyTorch trainer) and write a report.",
        discussion: """
            Installs what is missing (scripts/install-peers: llama-server built from the llama-cpp-python \
            sdist, torch, SmolLM2-135M-Instruct), generates a templated theory-of-mind training set, and for \
            each objective starts fresh peers (scripts/real-peers), runs `--steps` training steps, and stops \
            them; then writes DIR/report.md with reward and diversity per step for both objectives. Run it \
            from the repository root. With --peers-env the peers are not started (they must be running).
            """
    )

    @Option(help: "Training steps per objective.")
    var steps = 4

    @Option(help: "Items in the generated training set.")
    var size = 32

    @Option(help: "Working folder (reward log, data, peers' logs, report).")
    var dir = "runs/demo"

    @Option(help: "Objectives to compare.")
    var estimator = "grpo,flowrl_tb"

    @Option(help: "Use running peers described by this env file (POLICY_URL, JUDGE_URL, TRAINER_URL) instead of starting them.")
    var peersEnv: String?

    @Option(help: "ToMBench's JSONL folder for the before/after evaluation (evaluation only; default ../shared/data/tombench/data when present).")
    var tombench: String?

    @Option(help: "ToMBench items evaluated before and after training (0 skips the evaluation).")
    var evalItems = 8

    @Option(help: "Port of the dashboard served during the demo (0: a free port).")
    var dashboardPort = 8080

    @OptionGroup var progress: ProgressOptions

    func run() async throws {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("scripts/real-peers").path) else {
            FileHandleStderr.write("arbiter demo: run it from the repository root (scripts/real-peers not found)\n")
            throw ExitCode(2)
        }
        let work = URL(fileURLWithPath: dir, relativeTo: root).standardizedFileURL
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let data = work.appendingPathComponent("tom-train.jsonl")
        try ToMStoryGenerator(seed: 1).jsonLines(count: size).write(to: data, atomically: true, encoding: .utf8)
        let storePath = work.appendingPathComponent("arbiter.sqlite").path
        let log = try RunSupport.openStore(storePath, command: "demo")
        defer { try? log.close() }
        let group = "demo-" + RunSupport.newRunID(name: "tom").dropFirst(4)
        // The dashboard reads the same log while the runs write it; it stops with the demo.
        let reporter = progress.reporter
        let dashboard = DashboardServer(
            store: log,
            configuration: .init(
                port: dashboardPort,
                onServerRunning: { port in
                    reporter.message("dashboard", runID: group, "dashboard (live during the demo): http://127.0.0.1:\(port)/compare?group=\(group)")
                }))
        let server = ServiceGroup(configuration: .init(services: [dashboard], logger: RunSupport.logger("arbiter.dashboard")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // A busy port must not fail the demo: the dashboard is a convenience.
                do {
                    try await server.run()
                } catch {
                    reporter.message("dashboard", runID: group, "dashboard not started: \(error)")
                }
            }
            do {
                try await runAll(group: group, work: work, root: root, data: data, storePath: storePath, log: log)
            } catch {
                await server.triggerGracefulShutdown()
                throw error
            }
            await server.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        progress.reporter.message(
            "dashboard", runID: group, "browse the log later with `arbiter serve --store \(storePath)` (then /compare?group=\(group))")
    }

    /// Both objectives, then the report.
    func runAll(group: String, work: URL, root: URL, data: URL, storePath: String, log: SQLiteRewardStore) async throws {
        var runs: [(String, String)] = []
        for name in estimator.split(separator: ",").map(String.init) {
            let peersDir = work.appendingPathComponent("peers-\(name)")
            let env: URL
            if let peersEnv {
                env = URL(fileURLWithPath: peersEnv)
            } else {
                progress.reporter.message("peers", runID: group, "starting fresh peers for \(name) (first run installs them)")
                try await Self.shell(["scripts/real-peers", "start", peersDir.path], in: root)
                env = peersDir.appendingPathComponent("peers.env")
            }
            let ending: RunSupport.Ending
            do {
                ending = try await runOne(name: name, env: env, work: work, root: root, data: data, store: storePath, log: log, group: group)
            } catch {
                if peersEnv == nil { try? await Self.shell(["scripts/real-peers", "stop", peersDir.path], in: root) }
                throw error
            }
            if peersEnv == nil { try await Self.shell(["scripts/real-peers", "stop", peersDir.path], in: root) }
            runs.append((name, "\(group)-\(name)"))
            if ending == .stopped { break }
        }
        let report = work.appendingPathComponent("report.md")
        try await DemoReport.write(store: log, runs: runs, group: group, to: report)
        progress.reporter.message("report", runID: group, "report: \(report.path); reward log: \(storePath)")
    }

    /// One objective's run against running peers.
    func runOne(
        name: String, env: URL, work: URL, root: URL, data: URL, store storePath: String, log: SQLiteRewardStore, group: String
    ) async throws -> RunSupport.Ending {
        let urls = try Self.readEnv(env)
        let config = work.appendingPathComponent("demo-\(name).yaml")
        try Self.config(urls: urls, root: root, data: data, store: storePath, steps: steps, estimator: name)
            .write(to: config, atomically: true, encoding: .utf8)
        let loaded = try RunSupport.loadConfig(config.path, command: "demo")
        let id = "\(group)-\(name)"
        try await evaluate("before", id: id, urls: urls, work: work, store: storePath, log: log, group: group)
        let plan = try RunPlanner.newRun(loaded, runID: id, runGroup: group, mode: .train, codeVersion: ArbiterVersion.string)
        let ending = try await RunSupport.execute(plan: plan, store: log, progress: progress.reporter, command: "demo")
        if ending == .completed {
            try await evaluate("after", id: id, urls: urls, work: work, store: storePath, log: log, group: group)
        }
        return ending
    }

    /// The ToMBench folder to evaluate on, if any.
    var tombenchFolder: URL? {
        let path = tombench ?? "../shared/data/tombench/data"
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return evalItems > 0 && FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// An eval run of the current policy on the first `evalItems` ToMBench items (outcome only).
    func evaluate(_ when: String, id: String, urls: [String: String], work: URL, store: String, log: SQLiteRewardStore, group: String)
        async throws
    {
        guard let folder = tombenchFolder else { return }
        let config = work.appendingPathComponent("eval-\(id)-\(when).yaml")
        try Self.evalConfig(urls: urls, data: folder, store: store, items: evalItems).write(to: config, atomically: true, encoding: .utf8)
        let loaded = try RunSupport.loadConfig(config.path, command: "demo")
        let plan = try RunPlanner.newRun(loaded, runID: "\(id)-tombench-\(when)", runGroup: group, mode: .eval, codeVersion: ArbiterVersion.string)
        _ = try await RunSupport.execute(plan: plan, store: log, progress: progress.reporter, command: "demo")
    }

    /// ToMBench (evaluation only) through the same policy endpoint: outcome reward, one sample per item.
    static func evalConfig(urls: [String: String], data: URL, store: String, items: Int) -> String {
        """
        # Written by `arbiter demo`: ToMBench evaluation of the current policy (never trained on).
        run:
          name: demo-tombench-eval
          mode: eval
          seed: 3
          store: \(store)
        dataset:
          kind: tombench_jsonl
          path: \(data.path)
          language: en
          limit: \(items)
        policy:
          model: policy
          api: completions
          endpoints:
            - url: \(urls["POLICY_URL"]!)
              max_concurrency: 4
          system_prompt: \(Self.systemPrompt)
          prompt_template: \(Self.promptTemplate)
          sampling:
            temperature: 0
            max_tokens: 64
            stop: ["<|im_end|>"]
          group_size: 1
          prompts_per_step: 8
          timeout_seconds: 180
        rewards:
          components:
            - {name: outcome, weight: 1.0}
          answer: {style: answer_tag, shuffle_options: false}

        """
    }

    /// Runs a script and waits for it, reaping it with `waitpid` (Foundation's termination
    /// monitoring does not fire inside this async command on Linux).
    static func shell(_ args: [String], in dir: URL) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = dir
        try p.run()
        let pid = p.processIdentifier
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r == -1 {
                // Already reaped elsewhere: Foundation knows the status.
                status = p.terminationStatus << 8
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let code = (status >> 8) & 0xFF
        guard code == 0 else {
            FileHandleStderr.write("arbiter demo: `\(args.joined(separator: " "))` failed with status \(code)\n")
            throw ExitCode(1)
        }
    }

    static func readEnv(_ url: URL) throws -> [String: String] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        for key in ["POLICY_URL", "JUDGE_URL", "TRAINER_URL"] where out[key] == nil {
            throw ValidationError("\(url.path): \(key) is missing")
        }
        return out
    }

    /// What the policy is told (a YAML string literal), in training and evaluation alike.
    static let systemPrompt =
        #""Read the story and answer the question. Think briefly inside <think></think>, then give only the option letter inside <Answer></Answer>.""#

    /// SmolLM2's chat template written out for the completions API (a YAML string literal).
    static let promptTemplate = #""<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n""#

    /// The demo's run configuration: SmolLM2 through llama-server's completions API with its chat
    /// template written out, a grammar-constrained structure judge, Social-R1 components.
    static func config(urls: [String: String], root: URL, data: URL, store: String, steps: Int, estimator: String) -> String {
        let rubric = root.appendingPathComponent("rubrics/social-r1/structure.yaml").path
        let params = estimator == "flowrl_tb" ? "{beta: 15, epsilon: 1.0e-6}" : "{epsilon: 1.0e-6}"
        return """
            # Written by `arbiter demo`: real peers on loopback.
            run:
              name: demo-tom-\(estimator)
              seed: 3
              steps: \(steps)
              store: \(store)
            dataset:
              kind: tom_table
              path: \(data.path)
              format: jsonl
              columns: {id: id, story: story, question: question, options: [option_a, option_b, option_c, option_d], answer: answer, ability: ability}
            policy:
              model: policy
              api: completions
              endpoints:
                - url: \(urls["POLICY_URL"]!)
                  max_concurrency: 4
              system_prompt: \(Self.systemPrompt)
              prompt_template: \(Self.promptTemplate)
              sampling:
                temperature: 1.0
                max_tokens: 96
                stop: ["<|im_end|>"]
              group_size: 4
              prompts_per_step: 2
              timeout_seconds: 180
              max_retries: 8
            reference:
              model: reference
              endpoints:
                - url: \(urls["TRAINER_URL"]!)
                  max_concurrency: 2
            judge:
              model: judge
              api: chat
              endpoints:
                - url: \(urls["JUDGE_URL"]!)
                  max_concurrency: 4
              rubric: \(rubric)
              max_retries: 1
              sampling:
                temperature: 0
                max_tokens: 96
                logprobs: false
                grammar: |-
                  root ::= "{\\"cue_encoding\\": " yn ", \\"cue_interpretation\\": " yn ", \\"goal_clarification\\": " yn ", \\"response_generation\\": " yn ", \\"in_order\\": " yn "}"
                  yn ::= "\\"yes\\"" | "\\"no\\""
            rewards:
              components:
                - {name: format, weight: 0.5}
                - {name: outcome, weight: 1.0}
                - {name: structure, weight: 0.5}
                - {name: length, weight: 0.5}
              missing_policy: renormalize
              structure_rubric: \(rubric)
              answer: {style: answer_tag, shuffle_options: true}
              length: {target: 48, floor: 8, ceiling: 96}
            advantage:
              estimator: \(estimator)
              params: \(params)
            staleness:
              mode: sync
              max_staleness: 0
            trainer:
              url: \(urls["TRAINER_URL"]!)
              timeout_seconds: 300
              max_pending_batches: 1

            """
    }
}

/// The demo's comparison report: per objective and step, reward, correctness, format, length and
/// the diversity of the completions (distinct-2), read back from the reward log.
enum DemoReport {
    static func write(store: any RewardStore, runs: [(String, String)], group: String, to url: URL) async throws {
        var lines = [
            "# Arbiter demo: \(group)", "",
            "Real peers on this CPU: SmolLM2-135M-Instruct served by llama-server (policy and a grammar-constrained judge),",
            "trained by the PyTorch reference trainer (trainers/reference/trainer.py); the policy version moves after every batch.",
            "",
        ]
        let distinct = try DistinctN(n: 2)
        var evals: [String] = []
        for (name, id) in runs {
            var cells: [String] = []
            for when in ["before", "after"] {
                let evalID = "\(id)-tombench-\(when)"
                guard try await store.run(evalID) != nil else { continue }
                var correct = 0
                var total = 0
                for step in try await store.steps(runID: evalID) {
                    for s in try await store.groups(runID: evalID, step: step.step).flatMap(\.samples) {
                        total += 1
                        if s.reward["outcome"] == 1 { correct += 1 }
                    }
                }
                cells.append("\(when): \(correct)/\(total)")
            }
            if !cells.isEmpty { evals.append("| \(name) | " + cells.joined(separator: " | ") + " |") }
        }
        if !evals.isEmpty {
            lines += ["## ToMBench (evaluation only, never trained on): correct answers", "", "| objective | before | after |", "|---|---|---|"]
            lines += evals.map { $0.replacingOccurrences(of: "before: ", with: "").replacingOccurrences(of: "after: ", with: "") }
            lines.append("")
        }
        for (name, id) in runs {
            lines += ["## \(name) (run `\(id)`)", "", "| step | trainer version | reward mean | correct | format ok | mean tokens | distinct-2 |", "|---|---|---|---|---|---|---|"]
            for step in try await store.steps(runID: id) {
                let samples = try await store.groups(runID: id, step: step.step).flatMap(\.samples)
                let rewards = samples.compactMap(\.reward.total)
                func rate(_ name: String) -> String {
                    let v = samples.compactMap { $0.reward[name] }
                    return v.isEmpty ? "-" : String(format: "%.2f", v.reduce(0, +) / Double(v.count))
                }
                let tokens = samples.map { Double($0.rollout.completionTokens) }
                lines.append(
                    "| \(step.step) | \(step.policyVersion.map { "v\($0.rawValue)" } ?? "-") | "
                        + (rewards.isEmpty ? "-" : String(format: "%.3f", rewards.reduce(0, +) / Double(rewards.count)))
                        + " | \(rate("outcome")) | \(rate("format")) | "
                        + (tokens.isEmpty ? "-" : String(format: "%.1f", tokens.reduce(0, +) / Double(tokens.count)))
                        + " | " + String(format: "%.3f", distinct.score(texts: samples.map(\.rollout.completionText))) + " |")
            }
            lines.append("")
        }
        lines.append("Drill into any rollout with `arbiter audit rollout RUN ROLLOUT --store \(url.deletingLastPathComponent().appendingPathComponent("arbiter.sqlite").path)`.")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }
}
