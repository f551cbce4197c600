import Foundation

/// Loopback peers of a run: policy, judge and reference servers speaking the OpenAI wire protocol,
/// and a protocol-v1 trainer, all in one process on real sockets (tests, `arbiter-peers`).
public struct LoopbackPeers: Sendable {
    /// The policy server.
    public var policy: FakeInferenceServer
    /// The judge server (answers as an LLM judge).
    public var judge: FakeInferenceServer
    /// The reference-model server.
    public var reference: FakeInferenceServer
    /// The protocol-v1 trainer.
    public var trainer: ReferenceTrainer
    /// The trainer's base URL.
    public var trainerURL: String

    /// Starts the peers, runs `body`, stops them.
    public static func with<T: Sendable>(
        policy behaviour: FakeBehaviour, policyLatency: Double = 0, policyFaults: FakeInferenceServer.FaultPlan = .none,
        trainer: ReferenceTrainer.Configuration = .init(), _ body: (LoopbackPeers) async throws -> T
    ) async throws -> T {
        let policy = try await FakeInferenceServer.start(
            .init(model: "policy", latency: policyLatency, faults: policyFaults, behaviour: behaviour))
        let judge = try await FakeInferenceServer.start(.init(model: "judge", behaviour: .judge))
        let reference = try await FakeInferenceServer.start(.init(model: "reference"))
        do {
            let result = try await withReferenceTrainer(trainer) { t in
                try await body(LoopbackPeers(policy: policy, judge: judge, reference: reference, trainer: t, trainerURL: try await t.baseURL()))
            }
            await policy.shutdown()
            await judge.shutdown()
            await reference.shutdown()
            return result
        } catch {
            await policy.shutdown()
            await judge.shutdown()
            await reference.shutdown()
            throw error
        }
    }
}

/// Run configurations for the loopback peers on the package's fixtures.
public enum LoopbackConfigs {
    /// The package root (data, rubrics).
    public static let root = SharedFixtures.packageRoot

    /// A fresh temporary folder.
    public static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A ToMBench-Hard-style run: format, outcome, structure and content components.
    public static func tom(
        _ peers: LoopbackPeers, store: URL, steps: Int = 3, promptsPerStep: Int = 2, groupSize: Int = 4, estimator: String = "grpo",
        dynamicSampling: String = "enabled: false", staleness: String = "mode: sync\n  max_staleness: 0", data: String? = nil,
        judged: Bool = true
    ) -> String {
        let components =
            judged
            ? """
                  - name: format
                    weight: 0.5
                  - name: outcome
                    weight: 1.0
                  - name: structure
                    weight: 0.5
                    requires: [format]
                  - name: content
                    weight: 0.5
                    requires: [format]
              """
            : """
                  - name: outcome
                    weight: 1.0
              """
        return """
            run:
              name: tom-e2e
              seed: 11
              steps: \(steps)
              store: \(store.path)
            dataset:
              kind: tom_table
              path: \(data ?? root.appendingPathComponent("data/tom/tom-hard-sample.jsonl").path)
              format: jsonl
              columns:
                id: id
                story: story
                question: question
                options: [option_a, option_b, option_c, option_d]
                answer: answer
                ability: ability
            policy:
              model: policy
              api: chat
              endpoints:
                - url: \(peers.policy.baseURL)
              system_prompt: Think inside <think></think>, then answer inside <Answer></Answer>.
              sampling:
                temperature: 1.0
                max_tokens: 64
              group_size: \(groupSize)
              prompts_per_step: \(promptsPerStep)
              timeout_seconds: 20
            reference:
              model: reference
              endpoints:
                - url: \(peers.reference.baseURL)
            judge:
              model: judge
              endpoints:
                - url: \(peers.judge.baseURL)
              rubric: \(root.appendingPathComponent("rubrics/social-r1/structure.yaml").path)
              sampling:
                temperature: 0
                max_tokens: 256
                logprobs: false
            rewards:
              components:
            \(components)
              structure_rubric: \(root.appendingPathComponent("rubrics/social-r1/structure.yaml").path)
              content_rubric: \(root.appendingPathComponent("rubrics/social-r1/content.yaml").path)
              answer:
                style: answer_tag
                shuffle_options: true
            advantage:
              estimator: \(estimator)
            sampling:
              dynamic_sampling:
                \(dynamicSampling)
            staleness:
              \(staleness)
            trainer:
              url: \(peers.trainerURL)
              max_pending_batches: 2

            """
    }

    /// A MoReBench-format run judged by the official per-criterion template.
    public static func morebench(_ peers: LoopbackPeers, store: URL, steps: Int = 2, estimator: String = "grpo") -> String {
        """
        run:
          name: morebench-e2e
          seed: 5
          steps: \(steps)
          store: \(store.path)
        dataset:
          kind: morebench_csv
          path: \(root.appendingPathComponent("data/morebench/sample.csv").path)
        policy:
          model: policy
          api: chat
          endpoints:
            - url: \(peers.policy.baseURL)
          sampling:
            max_tokens: 32
          group_size: 3
          prompts_per_step: 2
          timeout_seconds: 20
        reference:
          model: reference
          endpoints:
            - url: \(peers.reference.baseURL)
        judge:
          model: judge
          endpoints:
            - url: \(peers.judge.baseURL)
          rubric: \(root.appendingPathComponent("rubrics/morebench/official.yaml").path)
          sampling:
            temperature: 0
            max_tokens: 8
            logprobs: false
        advantage:
          estimator: \(estimator)
        staleness:
          mode: sync
          max_staleness: 0
        trainer:
          url: \(peers.trainerURL)

        """
    }

    /// Writes a config file.
    public static func write(_ text: String, in dir: URL, name: String = "run.yaml") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

