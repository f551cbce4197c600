import ArbiterCore
import Foundation
import GRDB
import Testing

@testable import ArbiterStore

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test func migratesFromEmptyFileAndIsIdempotent() async throws {
        let path = TestFiles.freshPath("m.sqlite")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let first = try SQLiteRewardStore(path: path)
        _ = try await SampleLog.populate(first)
        try first.close()
        let second = try SQLiteRewardStore(path: path)
        let (migrations, tables, journal, pageSize) = try await second.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
                try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Int.fetchOne(db, sql: "PRAGMA page_size")
            )
        }
        #expect(migrations == ["v1-reward-log", "v2-inline-request-texts", "v3-compact-rows"])
        #expect(pageSize == 16_384)
        for t in ["runs", "steps", "prompts", "texts", "groups", "consumed_prompts", "rollouts", "judge_calls", "judge_configs", "judge_criteria", "advantage_configs", "batches", "batch_samples", "events"] {
            #expect(tables.contains(t), "missing table \(t)")
        }
        for t in ["reward_components", "rewards", "advantages"] {
            #expect(!tables.contains(t), "table \(t) should have moved into rollouts")
        }
        #expect(journal == "wal")
        #expect(try await second.steps(runID: SampleLog.runID).count == 2)
        #expect(try await second.verify(runID: SampleLog.runID).ok)
    }

    /// Values bound from the writer's arena: large ones (their own block), many small ones
    /// across 64 KiB chunks, empty ones, embedded NULs; each must read back exactly.
    @Test func largeSmallAndEmptyValuesReadBackExactly() async throws {
        let store = try SQLiteRewardStore(path: TestFiles.freshPath("arena.sqlite"))
        try await store.createRun(SampleLog.run())
        var group = SampleLog.group(step: 0, index: 0, rewards: [1, 0, 0.5])
        let big = String(repeating: "long completion \u{0} ✓ ", count: 12_000)
        group.samples[0].rollout.completionText = big
        group.samples[1].rollout.completionText = ""
        group.samples[2].rollout.completionText = "x"
        for s in group.samples.indices {
            group.samples[s].judgeCalls = (0..<200).map { c in
                var call = SampleLog.judge("c\(c)", met: c % 2 == 0)
                call.requestText = c == 7 ? String(repeating: "r", count: 40_000) : "request \(s).\(c) " + String(repeating: "·", count: c)
                call.rawResponse = c == 3 ? "" : "Yes \u{0} \(c)"
                return call
            }
        }
        try await store.appendGroups([group])
        for s in group.samples {
            let d = try #require(try await store.rolloutDetail(runID: SampleLog.runID, rolloutID: s.rollout.id))
            #expect(d.rollout.completionText == s.rollout.completionText)
            #expect(d.judgeCalls.map(\.requestText) == s.judgeCalls.map(\.requestText))
            #expect(d.judgeCalls.map(\.rawResponse) == s.judgeCalls.map(\.rawResponse))
            #expect(d.judgeCalls.map(\.criterionID) == s.judgeCalls.map(\.criterionID))
        }
        _ = try await store.commitStep(runID: SampleLog.runID, step: 0, policyVersion: nil, committedAt: 1)
        #expect(try await store.verify(runID: SampleLog.runID).ok)
        try store.close()
    }

    @Test func bindArenaKeepsEveryCopyUntilReset() {
        let arena = BindArena()
        var copies: [(UnsafeRawPointer, [UInt8])] = []
        for n in [1, 7, 8, 100, 16_000, 16_385, 70_000, 3, 65_536] + Array(repeating: 1_000, count: 200) {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
            let p = bytes.withUnsafeBytes { arena.copy($0.baseAddress!, count: n) }
            copies.append((p, bytes))
        }
        for (p, bytes) in copies {
            #expect(Array(UnsafeRawBufferPointer(start: p, count: bytes.count)) == bytes)
        }
        arena.reset()
        let again: [UInt8] = [9, 9, 9]
        let p = again.withUnsafeBytes { arena.copy($0.baseAddress!, count: 3) }
        #expect(Array(UnsafeRawBufferPointer(start: p, count: 3)) == again)
    }

    @Test func triggersForbidUpdatesAndDeletes() async throws {
        let store = try SQLiteRewardStore(path: TestFiles.freshPath("t.sqlite"))
        _ = try await SampleLog.populate(store)
        for sql in [
            "UPDATE rollouts SET completion_text = 'x'", "DELETE FROM judge_calls", "UPDATE steps SET content_hash = 'x'",
            "DELETE FROM texts", "UPDATE batches SET payload_hash = 'x'", "UPDATE runs SET config_hash = 'x'",
            "DELETE FROM runs", "UPDATE consumed_prompts SET epoch = 9", "UPDATE runs SET final_hash = 'x'",
        ] {
            // (runs.final_hash may be set once; the run is still running here, so that one succeeds below only before finishing)
            if sql.contains("final_hash") { continue }
            await #expect(throws: DatabaseError.self, "\(sql)") { try await store.pool.write { try $0.execute(sql: sql) } }
        }
        // Delivery state and run status may change.
        try await store.pool.write { try $0.execute(sql: "UPDATE batches SET delivery_attempts = 2, delivery_outcome = 'failed'") }
        try await store.updateRunStatus(runID: SampleLog.runID, status: .completed, endedAt: 1)
        await #expect(throws: DatabaseError.self) { try await store.pool.write { try $0.execute(sql: "UPDATE runs SET final_hash = 'x'") } }
        #expect(try await store.verify(runID: SampleLog.runID).ok)
    }

    /// Edits made after dropping the triggers (through GRDB here; through the sqlite3 shell below).
    @Test(arguments: TamperCase.allCases) func verifyNamesTheFirstBadStep(_ tamper: TamperCase) async throws {
        let store = try SQLiteRewardStore(path: TestFiles.freshPath("v.sqlite"))
        try await TamperCase.populateThreeSteps(store)
        #expect(try await store.verify(runID: SampleLog.runID).ok)
        try await store.pool.writeWithoutTransaction { db in
            for t in SQLiteRewardStore.appendOnlyTables + ["batches", "runs"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(t)_no_update; DROP TRIGGER IF EXISTS \(t)_no_delete")
            }
            try db.execute(sql: "DROP TRIGGER IF EXISTS runs_final_once")
            try db.execute(sql: tamper.sql)
        }
        let report = try await store.verify(runID: SampleLog.runID)
        let failure = try #require(report.failure, "\(tamper) went unnoticed")
        #expect(failure.step == tamper.expectedStep, "\(failure)")
        #expect(failure.kind == tamper.expectedKind, "\(failure)")
    }

    @Test func cliVerifyPassesThenFailsAfterSqlite3Edit() async throws {
        guard let sqlite3 = TestFiles.sqlite3() else {
            print("SKIP: the sqlite3 shell is not installed; the shell-edit test of arbiter audit verify is skipped")
            return
        }
        let arbiter = try #require(TestFiles.arbiterBinary(), "the arbiter executable is not built next to the tests")
        let path = TestFiles.freshPath("cli.sqlite")
        let store = try SQLiteRewardStore(path: path)
        try await TamperCase.populateThreeSteps(store)
        try store.close()

        let ok = try await TestFiles.run(arbiter, ["audit", "verify", SampleLog.runID, "--store", path])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.contains("OK, 3 committed step(s) verified"))

        // Change one judge verdict of step 1 with the shell (the trigger must go first).
        let edit = try await TestFiles.run(
            sqlite3,
            [
                path,
                """
                DROP TRIGGER judge_calls_no_update;
                UPDATE judge_calls SET met = 1 - met WHERE call_index = 0 AND rollout_key = (SELECT min(r.rollout_key) FROM rollouts r JOIN groups g ON g.group_key = r.group_key WHERE g.step = 1);
                """,
            ])
        #expect(edit.status == 0, "\(edit.err)")
        let bad = try await TestFiles.run(arbiter, ["audit", "verify", SampleLog.runID, "--store", path])
        #expect(bad.status == 1, "\(bad.out)\(bad.err)")
        #expect(bad.out.contains("FAILED at step 1"), "\(bad.out)")

        // A deletion in step 0 is reported first.
        let delete = try await TestFiles.run(
            sqlite3,
            [
                path,
                "DROP TRIGGER judge_calls_no_delete; DELETE FROM judge_calls WHERE call_index = 0 AND rollout_key = (SELECT min(rollout_key) FROM rollouts);",
            ])
        #expect(delete.status == 0, "\(delete.err)")
        let worse = try await TestFiles.run(arbiter, ["audit", "verify", SampleLog.runID, "--store", path, "--json"])
        #expect(worse.status == 1)
        #expect(worse.out.contains("\"step\" : 0"), "\(worse.out)")

        let missing = try await TestFiles.run(arbiter, ["audit", "verify", "no-such-run", "--store", path])
        #expect(missing.status == 2)
    }

    @Test func cliExportStreamsJSONLAndCSV() async throws {
        let arbiter = try #require(TestFiles.arbiterBinary(), "the arbiter executable is not built next to the tests")
        let path = TestFiles.freshPath("export.sqlite")
        let store = try SQLiteRewardStore(path: path)
        _ = try await SampleLog.populate(store)
        try store.close()
        let jsonl = try await TestFiles.run(arbiter, ["export", SampleLog.runID, "--store", path, "--format", "jsonl"])
        #expect(jsonl.status == 0, "\(jsonl.err)")
        let lines = jsonl.out.split(separator: "\n")
        #expect(lines.count == 24)
        for line in lines {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(obj["type"] as? String == "rollout" && obj["run_id"] as? String == SampleLog.runID)
        }
        let csv = try await TestFiles.run(arbiter, ["export", SampleLog.runID, "--store", path, "--format", "csv", "--what", "verdicts", "--steps", "0"])
        #expect(csv.status == 0, "\(csv.err)")
        let records = RewardStoreConformance.parseCSV(csv.out)
        #expect(records.count == 37)
        #expect(records.first == VerdictExportRow.csvHeader)
        let steps = try await TestFiles.run(arbiter, ["export", SampleLog.runID, "--store", path, "--what", "steps"])
        #expect(steps.out.split(separator: "\n").count == 2)
        #expect(steps.out.contains("\"type\":\"step\""))
        let none = try await TestFiles.run(arbiter, ["export", "nope", "--store", path])
        #expect(none.status == 2 && none.out.isEmpty)
    }
}

/// One way of editing a committed log behind the store's back, and what verify must say.
enum TamperCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case editCompletionText, deleteJudgeCall, insertJudgeCall, editReward, editGroupDigestAndContent, deleteStepRecord,
        deleteLastStepAfterFinish, editRunConfig, editBatchSample, editPromptText, moveGroupToOtherStep, editStepTime,
        editInlineRequestText, editSharedRequestText, editComponentWeight, truncateComponents, dropComponents, editAdvantage,
        dropAdvantage, editAdvantageConfig, dropReward, editCriterionWeight, pointCallAtOtherCriterion

    var testDescription: String { rawValue }

    static func populateThreeSteps(_ store: SQLiteRewardStore) async throws {
        try await store.createRun(SampleLog.run())
        for step in 0..<3 {
            let groups = (0..<2).map { SampleLog.group(step: step, index: $0, rewards: [1, 0, 0.5]) }
            try await store.appendGroups(groups)
            try await store.appendBatches([
                BatchRecord(
                    runID: SampleLog.runID, id: "b\(step)", step: step,
                    samples: groups.flatMap { $0.samples.map { BatchSampleRef(rolloutID: $0.rollout.id) } },
                    payloadHash: "p\(step)", createdAt: Double(step))
            ])
            _ = try await store.commitStep(runID: SampleLog.runID, step: step, policyVersion: PolicyVersion(step), committedAt: Double(step))
        }
    }

    private static let step1Rollout = "(SELECT min(r.rollout_key) FROM rollouts r JOIN groups g ON g.group_key = r.group_key WHERE g.step = 1)"

    var sql: String {
        switch self {
        case .editCompletionText: "UPDATE rollouts SET completion_text = 'tampered' WHERE rollout_key = \(Self.step1Rollout)"
        case .deleteJudgeCall: "DELETE FROM judge_calls WHERE rollout_key = \(Self.step1Rollout) AND call_index = 2"
        case .insertJudgeCall:
            "INSERT INTO judge_calls (judge_call_key, judge_criterion_key, request_hash, raw_response, status, met, latency, prompt_tokens, completion_tokens, cache_hit, error, request_text) SELECT judge_call_key + 9, judge_criterion_key, request_hash, raw_response, status, met, latency, prompt_tokens, completion_tokens, cache_hit, error, request_text FROM judge_calls WHERE rollout_key = \(Self.step1Rollout) AND call_index = 0"
        case .editReward: "UPDATE rollouts SET training_reward = 0.75 WHERE rollout_key = \(Self.step1Rollout)"
        case .editGroupDigestAndContent:
            "UPDATE groups SET digest = zeroblob(32) WHERE step = 1; UPDATE rollouts SET training_reward = 0.75 WHERE rollout_key = \(Self.step1Rollout)"
        case .editComponentWeight:
            // The last byte of the blob is the top byte of the last component's weight: still decodes, to another weight.
            "UPDATE rollouts SET components = substr(components, 1, length(components) - 1) || x'40' WHERE rollout_key = \(Self.step1Rollout)"
        case .truncateComponents: "UPDATE rollouts SET components = substr(components, 1, 5) WHERE rollout_key = \(Self.step1Rollout)"
        case .dropComponents: "UPDATE rollouts SET components = NULL WHERE rollout_key = \(Self.step1Rollout)"
        case .editAdvantage: "UPDATE rollouts SET advantage = advantage + 1 WHERE rollout_key = \(Self.step1Rollout)"
        case .dropAdvantage: "UPDATE rollouts SET advantage_config_key = NULL WHERE rollout_key = \(Self.step1Rollout)"
        case .editAdvantageConfig: "UPDATE advantage_configs SET params_hash = 'other' WHERE advantage_config_key = (SELECT advantage_config_key FROM rollouts WHERE rollout_key = \(Self.step1Rollout))"
        case .dropReward: "UPDATE rollouts SET reward_aggregates = NULL WHERE rollout_key = \(Self.step1Rollout)"
        case .editCriterionWeight:
            "UPDATE judge_criteria SET criterion_weight = 7 WHERE judge_criterion_key = (SELECT judge_criterion_key FROM judge_calls WHERE rollout_key = \(Self.step1Rollout) AND call_index = 0)"
        case .pointCallAtOtherCriterion:
            "UPDATE judge_calls SET judge_criterion_key = (SELECT judge_criterion_key FROM judge_calls WHERE rollout_key = \(Self.step1Rollout) AND call_index = 1) WHERE rollout_key = \(Self.step1Rollout) AND call_index = 0"
        case .deleteStepRecord: "DELETE FROM steps WHERE step = 1"
        case .deleteLastStepAfterFinish:
            "UPDATE runs SET status = 'completed', final_step = 2, final_hash = (SELECT record_hash FROM steps WHERE step = 2); DELETE FROM steps WHERE step = 2"
        case .editRunConfig: "UPDATE runs SET config_yaml = 'run: {name: other}'"
        case .editBatchSample: "UPDATE batch_samples SET loss_weight = 2 WHERE position = 0 AND batch_key = (SELECT batch_key FROM batches WHERE step = 1)"
        case .editPromptText:
            "UPDATE texts SET content = 'Story 0: where is the cat?' WHERE hash = (SELECT prompt_text_hash FROM rollouts WHERE rollout_key = \(Self.step1Rollout))"
        case .moveGroupToOtherStep: "UPDATE groups SET step = 2 WHERE group_key = (SELECT min(group_key) FROM groups WHERE step = 1)"
        case .editStepTime: "UPDATE steps SET committed_at = 99 WHERE step = 1"
        case .editInlineRequestText:
            "UPDATE judge_calls SET request_text = 'tampered' WHERE rollout_key = \(Self.step1Rollout) AND call_index = 2 AND request_text IS NOT NULL"
        case .editSharedRequestText:
            "UPDATE texts SET content = 'tampered' WHERE step = 1 AND hash = (SELECT request_hash FROM judge_calls WHERE rollout_key = \(Self.step1Rollout) AND call_index = 0 AND request_text IS NULL)"
        }
    }

    var expectedStep: Int {
        switch self {
        case .editRunConfig: 0
        case .deleteLastStepAfterFinish: 2
        case .editPromptText: 0  // every step shares the prompt text of group 0
        case .editAdvantageConfig, .editCriterionWeight: 0  // one interned row serves every step
        default: 1
        }
    }

    var expectedKind: VerifyFailure.Kind {
        switch self {
        case .editCompletionText, .deleteJudgeCall, .insertJudgeCall, .editReward: .groupMismatch
        case .editComponentWeight, .truncateComponents, .dropComponents, .editAdvantage, .dropAdvantage, .dropReward,
            .editAdvantageConfig, .editCriterionWeight, .pointCallAtOtherCriterion:
            .groupMismatch
        case .editGroupDigestAndContent: .groupMismatch
        case .deleteStepRecord: .uncommittedRows
        case .deleteLastStepAfterFinish: .finalHashMismatch
        case .editRunConfig: .brokenLink
        case .editBatchSample: .contentMismatch
        case .editPromptText, .editInlineRequestText, .editSharedRequestText: .textMismatch
        case .moveGroupToOtherStep: .contentMismatch
        case .editStepTime: .recordMismatch
        }
    }
}
