import ArbiterCore
import ArbiterNumerics
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// `arbiter run` end to end: the real executable against loopback policy, judge and reference
/// servers and a protocol-v1 trainer; every check reads the reward log and the trainer's record.
@Suite("Run loop, end to end", .serialized)
struct RunLoopTests {
    @Test("ToMBench-Hard fixture, grpo and flowrl_tb compared: log, advantages and trainer agree")
    func tomComparison() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.tom(peers, store: store), in: dir)
            let proc = try CLIProcess.start(["run", config.path, "--run-id", "tom", "--estimator", "grpo,flowrl_tb"])
            let result = await proc.wait()
            #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
            #expect(result.stdout.contains("[tom-grpo] step 2"))
            #expect(result.stdout.contains("[tom-flowrl_tb] completed"))
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let runs = try await log.listRuns(group: "tom")
            #expect(Set(runs.map(\.run.id)) == ["tom-grpo", "tom-flowrl_tb"])
            var promptSets: [[String]] = []
            for (id, estimator) in [("tom-grpo", "grpo"), ("tom-flowrl_tb", "flowrl_tb")] {
                let status = try await log.runStatus(id)
                #expect(status.run.status == .completed)
                #expect(status.committedSteps == 3)
                #expect(status.rollouts == 3 * 2 * 4)
                #expect(try await log.verify(runID: id).ok)
                let checked = try await RunChecks.advantagesMatch(
                    log, runID: id, estimator: try AdvantageEstimator(name: estimator, params: [:]), componentNames: [])
                #expect(checked == 24)
                let batches = try await RunChecks.trainerReceivedLog(log, runID: id, trainer: peers.trainer)
                #expect(batches.count == 3)
                var prompts: [String] = []
                for step in 0..<3 {
                    let groups = try await log.groups(runID: id, step: step)
                    prompts += groups.map(\.promptID.rawValue)
                    for g in groups {
                        for s in g.samples {
                            #expect(s.reward.components.map(\.name) == ["format", "outcome", "structure", "content"])
                            #expect(s.parseStatus != nil)
                            // Judged components carry their judge calls unless gated by a bad format.
                            if s.reward["format"] == 1 { #expect(s.judgeCalls.count >= 2) }
                            if estimator == "flowrl_tb" { #expect(s.advantage?.flowTarget != nil) }
                        }
                    }
                }
                // Six items, one epoch: every prompt once.
                #expect(Set(prompts).count == 6)
                promptSets.append(prompts)
            }
            // Paired comparison: the same prompts in the same order under both objectives.
            #expect(promptSets[0] == promptSets[1])
            let report = dir.appendingPathComponent("compare.html")
            let compare = await (try CLIProcess.start(["compare", "tom", "--store", store.path, "--out", report.path])).wait()
            #expect(compare.status == 0, "\(compare.stderr)")
            #expect(compare.stdout.contains("tom-grpo") && compare.stdout.contains("tom-flowrl_tb"))
            #expect(compare.stdout.split(separator: "\n").filter { $0.hasPrefix("2 ") }.count == 1, "one row per step")
            let html = try String(contentsOf: report, encoding: .utf8)
            #expect(html.contains("<svg") && html.contains("tom-flowrl_tb"))
            let unknown = await (try CLIProcess.start(["compare", "nope", "--store", store.path])).wait()
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("No runs in comparison group 'nope'"))
        }
    }

    @Test("MoReBench fixture: one verdict per criterion, rubric rewards, both estimators")
    func morebench() async throws {
        try await RunPeers.with(policy: .words) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.morebench(peers, store: store), in: dir)
            let result = await (try CLIProcess.start(["run", config.path, "--run-id", "mb", "--estimator", "grpo,flowrl_tb"])).wait()
            #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            for (id, estimator) in [("mb-grpo", "grpo"), ("mb-flowrl_tb", "flowrl_tb")] {
                let status = try await log.runStatus(id)
                #expect(status.committedSteps == 2)
                #expect(try await log.verify(runID: id).ok)
                #expect(try await RunChecks.advantagesMatch(log, runID: id, estimator: try AdvantageEstimator(name: estimator, params: [:]), componentNames: []) == 12)
                _ = try await RunChecks.trainerReceivedLog(log, runID: id, trainer: peers.trainer)
                for step in 0..<2 {
                    for g in try await log.groups(runID: id, step: step) {
                        for s in g.samples where s.parseStatus == "ok" {
                            let criteria = Set(s.judgeCalls.compactMap(\.criterionID))
                            #expect(criteria.count == s.judgeCalls.count, "one call per criterion")
                            #expect(s.judgeCalls.allSatisfy { $0.status == .ok && $0.met != nil && !$0.requestText.isEmpty })
                            #expect(s.reward.total != nil)
                            #expect(s.aggregates["official"] != nil)
                        }
                    }
                }
            }
        }
    }
}
