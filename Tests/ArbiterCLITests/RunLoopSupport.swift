import ArbiterCore
import ArbiterNumerics
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// Loopback peers of a run-loop test: policy, judge and reference servers speaking the OpenAI wire
/// protocol, and a protocol-v1 trainer, all in this process on real sockets.
struct RunPeers: Sendable {
    var policy: FakeInferenceServer
    var judge: FakeInferenceServer
    var reference: FakeInferenceServer
    var trainer: ReferenceTrainer
    var trainerURL: String

    static func with<T: Sendable>(
        policy behaviour: FakeBehaviour, policyLatency: Double = 0, trainer: ReferenceTrainer.Configuration = .init(),
        _ body: (RunPeers) async throws -> T
    ) async throws -> T {
        let policy = try await FakeInferenceServer.start(.init(model: "policy", latency: policyLatency, behaviour: behaviour))
        let judge = try await FakeInferenceServer.start(.init(model: "judge", behaviour: .judge))
        let reference = try await FakeInferenceServer.start(.init(model: "reference"))
        do {
            let result = try await withReferenceTrainer(trainer) { t in
                try await body(RunPeers(policy: policy, judge: judge, reference: reference, trainer: t, trainerURL: try await t.baseURL()))
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

/// Run configurations for the fixtures, written to a temporary folder.
enum RunFixtures {
    static let root = SharedFixtures.packageRoot

    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A ToMBench-Hard-style run: format, outcome, structure and content components.
    static func tom(
        _ peers: RunPeers, store: URL, steps: Int = 3, promptsPerStep: Int = 2, groupSize: Int = 4, estimator: String = "grpo",
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
    static func morebench(_ peers: RunPeers, store: URL, steps: Int = 2, estimator: String = "grpo") -> String {
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

    static func write(_ text: String, in dir: URL, name: String = "run.yaml") throws -> URL {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}

/// Checks of a finished run against the reward log and what the trainer received.
enum RunChecks {
    /// Recomputes every logged advantage from the logged rewards with the numerics core.
    static func advantagesMatch(_ store: any RewardStore, runID: String, estimator: AdvantageEstimator, componentNames: [String]) async throws
        -> Int
    {
        var checked = 0
        for step in try await store.steps(runID: runID) {
            let groups = try await store.groups(runID: runID, step: step.step).filter { $0.samples.contains { $0.advantage != nil } }
            guard !groups.isEmpty else { continue }
            let rolloutGroups = groups.map { g in
                RolloutGroup(
                    id: g.groupID, promptID: g.promptID,
                    samples: g.samples.map { s in
                        ScoredRollout(rollout: s.rollout, reward: s.reward, refLogprobMean: s.aggregates["ref_logprob_mean"] ?? nil)
                    })
            }
            let names = estimator.requiredInputs.contains(.components) ? componentNames : nil
            let batch = try RewardBatch(rolloutGroups: rolloutGroups, componentNames: names)
            let expected = try estimator.advantages(for: batch)
            let logged = groups.flatMap { $0.samples.map { $0.advantage?.value ?? .nan } }
            #expect(expected.count == logged.count)
            for (e, l) in zip(expected, logged) {
                #expect(abs(e - l) <= 1e-9 * max(1, abs(e)), "step \(step.step): advantage \(l) vs recomputed \(e)")
                checked += 1
            }
        }
        return checked
    }

    /// The batches the trainer applied are exactly the logged ones, each once, with the logged
    /// samples and advantages.
    static func trainerReceivedLog(_ store: any RewardStore, runID: String, trainer: ReferenceTrainer) async throws -> [BatchRecord] {
        let batches = try await store.batches(runID: runID, step: nil)
        let applied = await trainer.appliedBatchIDs().filter { id in batches.contains { $0.id == id } }
        #expect(applied == batches.map(\.id), "trainer applied \(applied), log has \(batches.map(\.id))")
        let requests = await trainer.requests().filter { $0.status == 200 && !$0.replayed }
        for b in batches {
            #expect(b.delivery.outcome == .delivered, "batch \(b.id) is \(b.delivery.outcome)")
            guard let request = requests.first(where: { $0.idempotencyKey == b.id }) else {
                Issue.record("trainer never accepted batch \(b.id)")
                continue
            }
            #expect(SHA256.hex(request.body) == b.payloadHash, "payload of \(b.id) differs from the logged hash")
            let payload = try BatchPayload.decode(request.body)
            #expect(payload.samples.map(\.sampleID) == b.samples.map(\.rolloutID))
            let groups = try await store.groups(runID: runID, step: b.step)
            let advantages = Dictionary(
                groups.flatMap { $0.samples.map { ($0.rollout.id, $0.advantage?.value) } }, uniquingKeysWith: { a, _ in a })
            for s in payload.samples { #expect(advantages[s.sampleID] == s.advantage) }
        }
        return batches
    }
}
