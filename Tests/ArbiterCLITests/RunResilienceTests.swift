import ArbiterCore
import ArbiterEngine
import ArbiterNumerics
import ArbiterRewards
import ArbiterStore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// Crashes, graceful stops and resumes of `arbiter run`: nothing lost, nothing repeated.
@Suite("Run loop: crash, stop and resume", .serialized)
struct RunResilienceTests {
    /// What a run trained, step by step: the prompt groups and their rollouts' rewards.
    static func trained(_ log: any RewardStore, runID: String) async throws -> [[String]] {
        var out: [[String]] = []
        for step in try await log.steps(runID: runID) {
            let groups = try await log.groups(runID: runID, step: step.step)
            out.append(
                groups.map { g in
                    "\(g.groupID):" + g.samples.map { "\($0.rollout.id)=\($0.reward.total.map { String($0) } ?? "nil")" }.joined(separator: ",")
                })
        }
        return out
    }

    static func waitForOutput(_ proc: CLIProcess, containing text: String) async throws {
        for _ in 0..<2000 {
            if proc.stdoutSoFar().contains(text) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("no '\(text)' in the output")
    }

    @Test("SIGKILL at a random point, then resume: same groups as an uninterrupted run, each batch once", arguments: [1, 2, 3] as [UInt64])
    func sigkillThenResume(seed: UInt64) async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag"), policyLatency: 0.04) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let steps = 8
            let referenceStore = dir.appendingPathComponent("reference.sqlite")
            let crashStore = dir.appendingPathComponent("crash.sqlite")
            let referenceConfig = try RunFixtures.write(
                RunFixtures.tom(peers, store: referenceStore, steps: steps, groupSize: 3), in: dir, name: "reference.yaml")
            let crashConfig = try RunFixtures.write(RunFixtures.tom(peers, store: crashStore, steps: steps, groupSize: 3), in: dir, name: "crash.yaml")

            let reference = await (try CLIProcess.start(["run", referenceConfig.path, "--run-id", "ref"])).wait()
            #expect(reference.status == 0, "\(reference.stderr)")

            var rng = SplitMix64(seed: seed)
            let proc = try CLIProcess.start(["run", crashConfig.path, "--run-id", "crash"])
            try await Self.waitForOutput(proc, containing: "started")
            try await Task.sleep(for: .milliseconds(20 + rng.nextBelow(400)))
            proc.signal(SIGKILL)
            let killed = await proc.wait()
            var resumes = 0
            if killed.status != 0 {
                #expect(killed.status == SIGKILL || killed.status == 128 + SIGKILL || killed.status == 9, "status \(killed.status)")
                // Kill the first resume too for one seed: a crash during recovery must be safe.
                if seed == 2 {
                    let again = try CLIProcess.start(["resume", "crash", "--store", crashStore.path])
                    try await Task.sleep(for: .milliseconds(30 + rng.nextBelow(200)))
                    again.signal(SIGKILL)
                    _ = await again.wait()
                }
                var status: Int32 = -1
                while status != 0, resumes < 3 {
                    let resumed = await (try CLIProcess.start(["resume", "crash", "--store", crashStore.path])).wait()
                    resumes += 1
                    status = resumed.status
                    // A resume after the run already completed is refused (exit 2): also fine.
                    if resumed.status == 2, resumed.stderr.contains("completed") { status = 0 }
                    #expect(resumed.status == 0 || resumed.status == 2, "\(resumed.stderr)")
                }
            }

            let refLog = try SQLiteRewardStore(path: referenceStore.path)
            let crashLog = try SQLiteRewardStore(path: crashStore.path)
            defer {
                try? refLog.close()
                try? crashLog.close()
            }
            #expect(try await crashLog.run("crash")?.status == .completed)
            #expect(try await crashLog.verify(runID: "crash").ok)
            let expected = try await Self.trained(refLog, runID: "ref")
            let got = try await Self.trained(crashLog, runID: "crash")
            #expect(expected.count == steps)
            #expect(got == expected, "the interrupted run trained different groups")
            let consumed = try await crashLog.consumedPrompts(runID: "crash")
            #expect(consumed.count == steps * 2)
            #expect(Set(consumed.map { "\($0.epoch)/\($0.promptID)" }).count == consumed.count, "a prompt was consumed twice")
            let batches = try await RunChecks.trainerReceivedLog(crashLog, runID: "crash", trainer: peers.trainer)
            #expect(batches.map(\.step) == Array(0..<steps))
            let applied = await peers.trainer.appliedBatchIDs().filter { id in batches.contains { $0.id == id } }
            #expect(Set(applied).count == applied.count, "a batch was applied twice")
        }
    }

    @Test(
        "A crash in each window between a step's writes, then resume: the step is finished from the log",
        arguments: Failpoint.Stage.allCases)
    func crashWindows(stage: Failpoint.Stage) async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let referenceStore = dir.appendingPathComponent("reference.sqlite")
            let crashStore = dir.appendingPathComponent("crash.sqlite")
            let referenceConfig = try RunFixtures.write(
                RunFixtures.tom(peers, store: referenceStore, steps: 3, groupSize: 3), in: dir, name: "reference.yaml")
            let crashConfig = try RunFixtures.write(RunFixtures.tom(peers, store: crashStore, steps: 3, groupSize: 3), in: dir, name: "crash.yaml")
            #expect(await (try CLIProcess.start(["run", referenceConfig.path, "--run-id", "ref"])).wait().status == 0)
            let crashed = await (try CLIProcess.start(
                ["run", crashConfig.path, "--run-id", "crash"], environment: ["ARBITER_FAILPOINT": "\(stage.rawValue):1"])).wait()
            #expect(crashed.status != 0, "the failpoint did not fire")
            #expect(crashed.stdout.contains("step 0 ") && !crashed.stdout.contains("step 1 "))
            let crashLog = try SQLiteRewardStore(path: crashStore.path)
            let refLog = try SQLiteRewardStore(path: referenceStore.path)
            defer {
                try? crashLog.close()
                try? refLog.close()
            }
            #expect(try await crashLog.runStatus("crash").openSteps == [1], "step 1 should be logged but unsealed")
            let resumed = await (try CLIProcess.start(["resume", "crash", "--store", crashStore.path])).wait()
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("step 1 recovered from the log"))
            #expect(try await crashLog.verify(runID: "crash").ok)
            #expect(try await Self.trained(crashLog, runID: "crash") == Self.trained(refLog, runID: "ref"))
            let events = try await crashLog.events(runID: "crash", limit: nil)
            #expect(!events.contains { $0.message.contains("differs from the logged payload hash") }, "rebuilt batch must be byte-identical")
            let batches = try await RunChecks.trainerReceivedLog(crashLog, runID: "crash", trainer: peers.trainer)
            #expect(batches.map(\.step) == [0, 1, 2])
        }
    }

    @Test("SIGINT stops gracefully with exit 0; resume finishes the run")
    func gracefulStop() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag"), policyLatency: 0.05) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.tom(peers, store: store, steps: 8, groupSize: 2), in: dir)
            let proc = try CLIProcess.start(["run", config.path, "--run-id", "stop"])
            try await Self.waitForOutput(proc, containing: "step 1 ")
            proc.signal(SIGINT)
            let stopped = await proc.wait()
            #expect(stopped.status == 0, "\(stopped.stderr)")
            #expect(stopped.stdout.contains("stopped; continue with `arbiter resume stop`"))
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let before = try await log.runStatus("stop")
            #expect(before.run.status == .running)
            #expect(before.committedSteps < 8)
            #expect(before.openSteps.isEmpty)
            let status = await (try CLIProcess.start(["status", "stop", "--store", store.path])).wait()
            #expect(status.status == 0)
            #expect(status.stdout.contains("run stop (tom-e2e): train, running"))
            let resumed = await (try CLIProcess.start(["resume", "stop", "--store", store.path])).wait()
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("resumed at step \(before.committedSteps)"))
            let after = try await log.runStatus("stop")
            #expect(after.run.status == .completed)
            #expect(after.committedSteps == 8)
            #expect(try await log.verify(runID: "stop").ok)
            _ = try await RunChecks.trainerReceivedLog(log, runID: "stop", trainer: peers.trainer)
        }
    }

    @Test("resume refuses an unknown or finished run")
    func resumeRefusals() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.tom(peers, store: store, steps: 1, judged: false), in: dir)
            #expect(await (try CLIProcess.start(["run", config.path, "--run-id", "done"])).wait().status == 0)
            let finished = await (try CLIProcess.start(["resume", "done", "--store", store.path])).wait()
            #expect(finished.status == 2)
            #expect(finished.stderr.contains("completed"))
            let unknown = await (try CLIProcess.start(["resume", "nope", "--store", store.path])).wait()
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("no run 'nope'"))
        }
    }
}
