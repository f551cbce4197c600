import ArbiterCore
import ArbiterInference
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// The loop against real software: llama-server (policy and judge) and the PyTorch reference
/// trainer, started by `scripts/real-peers start DIR` (`.ci/run` does it and sets
/// `ARBITER_REAL_PEERS=DIR`). Skipped when the variable is unset.
@Suite("Real peers: llama-server and the PyTorch trainer", .serialized, .enabled(if: ProcessInfo.processInfo.environment["ARBITER_REAL_PEERS"] != nil))
struct RealPeersTests {
    static var peersDir: URL { URL(fileURLWithPath: ProcessInfo.processInfo.environment["ARBITER_REAL_PEERS"] ?? "/nonexistent") }

    static func env() throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try String(contentsOf: peersDir.appendingPathComponent("peers.env"), encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    /// The policy's greedy first token and its logprob for a fixed probe prompt.
    static func probe(_ policyURL: String) async throws -> String {
        let client = try InferenceClient(endpoints: [EndpointConfig(url: policyURL)])
        defer { Task.detached { try? await client.shutdown() } }
        let call = InferenceCall(
            api: .completions, model: "policy",
            input: .text("<|im_start|>user\nWhere does Mia look for her chocolate?<|im_end|>\n<|im_start|>assistant\n"),
            sampling: SamplingParams(temperature: 0, maxTokens: 4, logprobs: true), returnTokenIDs: false)
        let response = try await client.generate(call, endpoint: 0, timeout: .seconds(120))
        let choice = try #require(response.choices.first)
        return choice.text + " " + (choice.logprobs ?? []).map { $0.map { String($0) } ?? "nil" }.joined(separator: ",")
    }

    static func trainerVersion(_ trainerURL: String) async throws -> Int {
        let client = try TrainerClient(configuration: .init(baseURL: trainerURL))
        let status = try await client.status()
        try await client.shutdown()
        return status.policyVersion.rawValue
    }

    @Test("a few GRPO steps: rollouts from llama-server, judged by llama-server, trained by PyTorch; the served weights change")
    func realLoop() async throws {
        let urls = try Self.env()
        let policy = try #require(urls["POLICY_URL"])
        let trainer = try #require(urls["TRAINER_URL"])
        let before = try await Self.probe(policy)
        let versionBefore = try await Self.trainerVersion(trainer)
        let dir = try LoopbackConfigs.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = await (try CLIProcess.start([
            "demo", "--peers-env", Self.peersDir.appendingPathComponent("peers.env").path, "--steps", "2", "--size", "8",
            "--estimator", "grpo", "--dir", dir.path, "--eval-items", "2", "--dashboard-port", "0",
        ])).wait()
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let log = try SQLiteRewardStore(path: dir.appendingPathComponent("arbiter.sqlite").path)
        defer { try? log.close() }
        let runs = try await log.listRuns(group: nil)
        let run = try #require(runs.first { $0.run.mode == .train })
        #expect(run.run.status == .completed)
        #expect(run.committedSteps == 2)
        #expect(try await log.verify(runID: run.run.id).ok)
        var judged = 0
        for step in 0..<2 {
            for g in try await log.groups(runID: run.run.id, step: step) {
                for s in g.samples {
                    #expect(s.rollout.endpoint.hasPrefix(policy))
                    #expect(s.rollout.completionTokenIDs?.isEmpty == false, "llama-server returns token ids with logprobs")
                    #expect(s.rollout.completionLogprobs?.count == s.rollout.completionTokenIDs?.count)
                    judged += s.judgeCalls.filter { $0.status == .ok }.count
                }
            }
        }
        #expect(judged > 0, "the grammar-constrained judge answered in the structure format")
        let batches = try await log.batches(runID: run.run.id, step: nil)
        #expect(batches.count == 2)
        #expect(batches.allSatisfy { $0.delivery.outcome == .delivered })
        #expect(try await Self.trainerVersion(trainer) == versionBefore + 2, "one optimizer step per batch")
        let after = try await Self.probe(policy)
        #expect(after != before, "the trainer's weight change must reach llama-server")
        let report = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| 1 | v"))
        #expect(result.stdout.contains("dashboard (live during the demo): http://127.0.0.1:"))
        if SharedFixtures.available("data") {
            // ToMBench is evaluated (never trained on) before and after, with the same policy endpoint.
            #expect(runs.filter { $0.run.mode == .eval }.count == 2)
            #expect(report.contains("## ToMBench"))
        }
    }
}
