import ArbiterCore
import ArbiterNumerics
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// Dynamic sampling, sync vs async training and the staleness bound, each observed in the reward
/// log and at the trainer; every test fails if the behaviour is removed.
@Suite("Run loop behaviours", .serialized)
struct RunBehaviourTests {
    /// A multiple-choice table of `count` distinct items.
    static func items(_ count: Int, in dir: URL) throws -> String {
        var lines: [String] = []
        for i in 0..<count {
            let item: [String: String] = [
                "id": "syn-\(i)", "story": "Story \(i): Ana hides item \(i) in box \(i % 3); Ben moves it while she is away.",
                "question": "Where will Ana look for item \(i)?", "answer": ["A", "B", "C", "D"][i % 4],
                "ability": "Belief: Location false beliefs", "option_a": "Box \(i % 3)", "option_b": "The new place",
                "option_c": "Nowhere", "option_d": "Ben's pocket",
            ]
            let data = try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
        }
        let url = dir.appendingPathComponent("items.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func spread(_ rewards: [Double?]) -> Double {
        let v = rewards.compactMap { $0 }
        guard let lo = v.min(), let hi = v.max() else { return 0 }
        return hi - lo
    }

    @Test("dynamic sampling `filter`: zero-variance groups are logged but never trained on")
    func filterDropsZeroVarianceGroups() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(
                RunFixtures.tom(
                    peers, store: store, steps: 4, promptsPerStep: 4, groupSize: 2, dynamicSampling: "enabled: true\n    policy: filter",
                    data: try Self.items(40, in: dir), judged: false), in: dir)
            let result = await (try CLIProcess.start(["run", config.path, "--run-id", "filter"])).wait()
            #expect(result.status == 0, "\(result.stderr)")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            var dropped = 0
            var trained = 0
            for step in 0..<4 {
                let groups = try await log.groups(runID: "filter", step: step)
                #expect(groups.count == 4, "filter never generates extra groups")
                let batch = try await log.batches(runID: "filter", step: step).first
                let batchIDs = Set(batch?.samples.map(\.rolloutID) ?? [])
                for g in groups {
                    let zeroVariance = Self.spread(g.samples.map(\.reward.total)) == 0
                    let inBatch = g.samples.contains { batchIDs.contains($0.rollout.id) }
                    #expect(inBatch == !zeroVariance, "group \(g.groupID): zero variance \(zeroVariance), in batch \(inBatch)")
                    #expect(g.samples.allSatisfy { ($0.advantage != nil) == !zeroVariance })
                    if zeroVariance { dropped += 1 } else { trained += 1 }
                }
            }
            // Binary rewards with n = 2: both outcomes occur in 16 groups.
            #expect(dropped > 0)
            #expect(trained > 0)
            let events = try await log.events(runID: "filter", limit: nil)
            #expect(events.contains { $0.source == "dynamic_sampling" && $0.message.contains("dropped") })
        }
    }

    @Test("dynamic sampling `replace`: extra prompts fill the batch with informative groups")
    func replaceFillsTheBatch() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(
                RunFixtures.tom(
                    peers, store: store, steps: 3, promptsPerStep: 4, groupSize: 2,
                    dynamicSampling: "enabled: true\n    policy: replace\n    max_extra_batches: 8", data: try Self.items(80, in: dir),
                    judged: false), in: dir)
            let result = await (try CLIProcess.start(["run", config.path, "--run-id", "replace"])).wait()
            #expect(result.status == 0, "\(result.stderr)")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            var generated = 0
            for step in 0..<3 {
                let groups = try await log.groups(runID: "replace", step: step)
                generated += groups.count
                let informative = groups.filter { Self.spread($0.samples.map(\.reward.total)) > 0 }
                let kept = groups.filter { $0.samples.contains { $0.advantage != nil } }
                #expect(kept.count == 4, "step \(step): the batch holds prompts_per_step informative groups")
                #expect(kept.allSatisfy { Self.spread($0.samples.map(\.reward.total)) > 0 })
                #expect(informative.count >= 4)
            }
            #expect(generated > 12, "zero-variance groups were replaced by extra prompts")
            let consumed = try await log.consumedPrompts(runID: "replace")
            #expect(consumed.count == generated)
            #expect(Set(consumed.map(\.promptID)).count == consumed.count)
        }
    }

    /// Policy versions of each step's rollouts.
    static func versions(_ log: any RewardStore, runID: String, steps: Int) async throws -> [[Int]] {
        var out: [[Int]] = []
        for step in 0..<steps {
            out.append(Array(Set(try await log.groups(runID: runID, step: step).flatMap { $0.samples.map(\.rollout.policyVersion.rawValue) })).sorted())
        }
        return out
    }

    @Test("sync mode waits for the trainer's new version; async mode generates the next step meanwhile")
    func syncVersusAsync() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            await peers.trainer.setResponseDelay(.milliseconds(300))
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let sync = try RunFixtures.write(
                RunFixtures.tom(peers, store: store, steps: 3, judged: false), in: dir, name: "sync.yaml")
            let async = try RunFixtures.write(
                RunFixtures.tom(
                    peers, store: store, steps: 3, staleness: "mode: async\n  max_staleness: 1", judged: false), in: dir,
                name: "async.yaml")
            #expect(await (try CLIProcess.start(["run", sync.path, "--run-id", "sync"])).wait().status == 0)
            let start = await peers.trainer.policyVersion()
            #expect(await (try CLIProcess.start(["run", async.path, "--run-id", "async"])).wait().status == 0)
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            // Sync: step s is generated after the trainer took batch s-1 (one version per batch).
            #expect(try await Self.versions(log, runID: "sync", steps: 3) == [[0], [1], [2]])
            // Async: step 1 is generated while the slow trainer still holds batch 0.
            let asyncVersions = try await Self.versions(log, runID: "async", steps: 3)
            #expect(asyncVersions[0] == [start])
            #expect(asyncVersions[1] == [start], "async mode must not wait for the trainer before generating")
            // ...but never more than max_staleness behind the trainer at hand-off.
            for step in try await log.steps(runID: "async") {
                let trainer = step.policyVersion?.rawValue ?? 0
                for v in asyncVersions[step.step] { #expect(trainer - v <= 1, "step \(step.step): v\(v) with trainer at v\(trainer)") }
            }
        }
    }

    @Test("the staleness bound: samples too old at hand-off are dropped (or reweighted), and logged")
    func stalenessBound() async throws {
        // The trainer bumps 3 versions per batch and answers slowly; a bound of 1 makes step 1's
        // samples (generated at the old version while batch 0 trains) too old once batch 0 is in.
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag"), trainer: .init(versionBumpPerBatch: 3)) { peers in
            await peers.trainer.setResponseDelay(.milliseconds(400))
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            for (id, policy) in [("drop", "drop"), ("weight", "importance_weight")] {
                var text = RunFixtures.tom(
                    peers, store: store, steps: 2, staleness: "mode: async\n  max_staleness: 1\n  stale_policy: \(policy)",
                    judged: false)
                text = text.replacingOccurrences(of: "max_pending_batches: 2", with: "max_pending_batches: 1")
                let config = try RunFixtures.write(text, in: dir, name: "\(id).yaml")
                let result = await (try CLIProcess.start(["run", config.path, "--run-id", id])).wait()
                #expect(result.status == 0, "\(result.stderr)")
            }
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let dropped = try await log.batches(runID: "drop", step: 1)
            #expect(dropped.isEmpty, "every sample of step 1 is 3 versions old: none may reach the trainer")
            #expect(try await log.events(runID: "drop", limit: nil).contains { $0.source == "staleness" && $0.message.contains("dropped") })
            let weighted = try await log.batches(runID: "weight", step: 1)
            #expect(weighted.count == 1)
            #expect(weighted.first?.samples.allSatisfy { $0.lossWeight < 1 && $0.lossWeight > 0 } == true)
            #expect(try await log.batches(runID: "weight", step: 0).first?.samples.allSatisfy { $0.lossWeight == 1 } == true)
        }
    }

    @Test("`arbiter eval` scores the dataset once without a trainer: no advantages, no batches")
    func evalRun() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.tom(peers, store: store, steps: 50, promptsPerStep: 4), in: dir)
            let result = await (try CLIProcess.start(["eval", config.path, "--run-id", "ev", "--json-progress"])).wait()
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(lines.filter { $0["event"] as? String == "step" }.count == 2, "6 items in steps of 4")
            #expect(lines.last?["event"] as? String == "completed")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let status = try await log.runStatus("ev")
            #expect(status.run.mode == .eval)
            #expect(status.rollouts == 6 * 4)
            #expect(status.batches == 0)
            #expect(try await log.verify(runID: "ev").ok)
            for step in 0..<2 {
                #expect(try await log.groups(runID: "ev", step: step).allSatisfy { $0.samples.allSatisfy { $0.advantage == nil } })
            }
            #expect(await peers.trainer.requests().isEmpty)
        }
    }
}
