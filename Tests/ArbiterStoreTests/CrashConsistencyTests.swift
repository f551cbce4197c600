import ArbiterCore
import Foundation
import GRDB
import Testing

@testable import ArbiterStore

@Suite("Crash consistency")
struct CrashConsistencyTests {
    /// Starts `arbiter audit stress-writer`, SIGKILLs it mid-stream, and checks the file.
    @Test(arguments: [0, 7, 23]) func sigkillMidWriteLeavesAConsistentLog(_ extraDelayMillis: Int) async throws {
        let arbiter = try #require(TestFiles.arbiterBinary(), "the arbiter executable is not built next to the tests")
        let path = TestFiles.freshPath("crash.sqlite")
        let p = Process()
        p.executableURL = arbiter
        p.arguments = [
            "audit", "stress-writer", "--store", path, "--run", "crash", "--groups-per-step", "24", "--samples", "4",
            "--judge-calls", "3", "--flush-rows", "150",
        ]
        // Output goes to a file that is polled: blocking reads on a pipe would hold a cooperative
        // thread for the writer's lifetime and stall every other test of the run.
        let outPath = TestFiles.freshPath("writer-out.txt")
        FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? out.close() }
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        let (exited, done) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        p.terminationHandler = { _ in
            done.yield()
            done.finish()
        }
        try p.run()
        // Wait for the third commit, then kill at a point inside the next step's writes.
        var seen = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while !seen.contains("committed 2\n") && p.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
            seen = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self)
        }
        try await Task.sleep(for: .milliseconds(extraDelayMillis))
        kill(p.processIdentifier, SIGKILL)
        for await _ in exited {}
        #expect(p.terminationReason == .uncaughtSignal, "the writer exited by itself: \(seen)")
        #expect(seen.contains("committed 2"), "the writer never committed three steps: \(seen)")

        let store = try SQLiteRewardStore(path: path)
        let integrity = try await store.pool.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
        let report = try await store.verify(runID: "crash")
        #expect(report.ok, "\(String(describing: report.failure))")
        #expect(report.verifiedSteps >= 3)
        #expect(report.openSteps.count <= 1)
        // No partial group: every group has all its rollouts and every rollout all its rows.
        let partial = try await store.pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM groups g WHERE g.sample_count != (SELECT count(*) FROM rollouts r WHERE r.group_key = g.group_key)
                      OR g.sample_count != 4
                      OR 1 != (SELECT count(*) FROM consumed_prompts c WHERE c.group_key = g.group_key)
                    """) ?? -1
        }
        #expect(partial == 0)
        let incompleteRollouts = try await store.pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM rollouts r WHERE 3 != (SELECT count(*) FROM judge_calls j WHERE j.judge_call_key >= (r.rollout_key << 12) AND j.judge_call_key < ((r.rollout_key + 1) << 12))
                      OR r.components IS NULL OR r.reward_aggregates IS NULL OR r.advantage_config_key IS NULL
                    """) ?? -1
        }
        #expect(incompleteRollouts == 0)
        // Each rollout's components blob holds all three components.
        let componentCounts = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT components FROM rollouts").map { row -> Int in
                let blob: [UInt8] = (row[0] as Data?).map { [UInt8]($0) } ?? []
                return (try? BlobCoding.decodeComponents(blob).count) ?? -1
            }
        }
        #expect(!componentCounts.isEmpty && componentCounts.allSatisfy { $0 == 3 })
        // What survived is exactly what the generator produced, and resume data agrees with it.
        let log = SyntheticRewardLog(runID: "crash", shape: .init(samplesPerGroup: 4, judgeCallsPerSample: 3, completionTokens: 16, promptTokens: 8))
        let consumed = try await store.consumedPrompts(runID: "crash")
        let status = try await store.runStatus("crash")
        #expect(consumed.count == status.groups)
        for c in consumed.prefix(30) {
            let expected = (0..<24).map { log.group(step: c.step, index: $0) }.first { $0.groupID == c.groupID }
            #expect(c.promptID == expected?.promptID, "\(c.groupID)")
        }
        // A resumed writer continues the chain after the last committed step.
        try store.close()
        let resumed = try await TestFiles.run(
            arbiter,
            ["audit", "stress-writer", "--store", path, "--run", "crash", "--steps", "1", "--groups-per-step", "24", "--samples", "4", "--judge-calls", "3"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(resumed.out == "committed \((report.headStep ?? -1) + 1)\n")
        let after = try SQLiteRewardStore(path: path)
        let final = try await after.verify(runID: "crash")
        #expect(final.ok && final.openSteps.isEmpty && final.verifiedSteps == report.verifiedSteps + 1)
        #expect(try await after.runStatus("crash").groups == 24 * final.verifiedSteps)
    }
}
