import ArbiterCore
import Foundation
import GRDB

// Reading stored rows back, shared by verify, drill-down and export.

extension SQLiteRewardStore {
    /// Rollout columns (alias `r`): 21 columns, offsets 0...20.
    static let rolloutColumns = """
        r.rollout_key, r.group_key, r.run_key, r.rollout_id, r.prompt_id, r.sample_index, r.endpoint, r.policy_version,
        r.requested_at, r.first_token_at, r.completed_at, r.prompt_text_hash, r.prompt_tokens_hash, r.completion_text,
        r.completion_token_ids, r.completion_logprobs, r.finish_reason, r.truncated, r.prompt_tokens, r.completion_tokens,
        r.parse_status
        """
    static let rolloutColumnCount = 21

    static func storedRollout(_ row: Row, from i: Int) -> StoredRollout {
        StoredRollout(
            rolloutID: SQLiteValues.text(row, i + 3) ?? "", promptID: SQLiteValues.text(row, i + 4) ?? "",
            sampleIndex: SQLiteValues.int(row, i + 5) ?? Int.min, endpoint: SQLiteValues.text(row, i + 6) ?? "",
            policyVersion: SQLiteValues.int(row, i + 7) ?? Int.min, requestedAt: SQLiteValues.real(row, i + 8),
            firstTokenAt: SQLiteValues.real(row, i + 9), completedAt: SQLiteValues.real(row, i + 10),
            promptTextHash: SQLiteValues.digest(row, i + 11) ?? Digest256(a: 0, b: 0, c: 0, d: 0),
            promptTokensHash: SQLiteValues.digest(row, i + 12), completionText: SQLiteValues.text(row, i + 13) ?? "",
            completionTokenIDs: SQLiteValues.blob(row, i + 14), completionLogprobs: SQLiteValues.blob(row, i + 15),
            finishReason: SQLiteValues.text(row, i + 16) ?? "", truncated: SQLiteValues.bool(row, i + 17) ?? false,
            promptTokens: SQLiteValues.int(row, i + 18), completionTokens: SQLiteValues.int(row, i + 19) ?? Int.min,
            parseStatus: SQLiteValues.text(row, i + 20))
    }

    /// A rollout's scores (aliases `r`, `ac`; needs `scoresJoin`): 7 columns, offsets 0...6.
    static let scoreColumns =
        "r.components, r.training_reward, r.reward_aggregates, ac.estimator, ac.params_hash, r.advantage, r.flow_target"

    /// The join `scoreColumns` reads the advantage configuration through.
    static let scoresJoin = "LEFT JOIN advantage_configs ac ON ac.advantage_config_key = r.advantage_config_key"

    /// A rollout's components, reward and advantage as stored in its row. A components blob that
    /// does not decode throws `.corrupt` when `strict`; otherwise it reads as one impossible
    /// component, so `verify` reports the group's digest mismatch instead of stopping.
    static func storedScores(_ row: Row, from i: Int, strict: Bool) throws(StoreError) -> (
        components: [StoredComponent], reward: StoredReward?, advantage: StoredAdvantage?
    ) {
        var components: [StoredComponent] = []
        if let blob = SQLiteValues.blob(row, i) {
            do {
                components = try BlobCoding.decodeComponents(blob)
            } catch {
                if strict { throw error }
                components = [StoredComponent(ordinal: Int.min, name: "\u{0}corrupt: \(error.message)", value: nil, weight: .nan)]
            }
        } else if !strict {
            components = [StoredComponent(ordinal: Int.min, name: "\u{0}missing components", value: nil, weight: .nan)]
        }
        let reward = SQLiteValues.text(row, i + 2).map {
            StoredReward(trainingReward: SQLiteValues.real(row, i + 1), aggregates: $0)
        }
        let advantage = SQLiteValues.text(row, i + 3).map {
            StoredAdvantage(
                estimator: $0, paramsHash: SQLiteValues.text(row, i + 4) ?? "", value: SQLiteValues.real(row, i + 5) ?? .nan,
                flowTarget: SQLiteValues.real(row, i + 6))
        }
        return (components, reward, advantage)
    }

    /// Judge-call columns (aliases `j`, `jcr`, `jc`; needs `judgeCriterionJoins`): 17 columns, offsets 0...16 (0 is the rollout key).
    static let judgeColumns = """
        j.rollout_key, j.call_index, jcr.criterion_id, jcr.dimension, jcr.criterion_weight, jc.template_hash, jc.judge_model,
        jc.judge_params, j.request_hash, j.raw_response, j.status, j.met, j.latency, j.prompt_tokens, j.completion_tokens,
        j.cache_hit, j.error
        """

    static func storedJudgeCall(_ row: Row, from i: Int) -> StoredJudgeCall {
        StoredJudgeCall(
            callIndex: SQLiteValues.int(row, i + 1) ?? Int.min, criterionID: SQLiteValues.text(row, i + 2),
            dimension: SQLiteValues.text(row, i + 3), criterionWeight: SQLiteValues.int(row, i + 4),
            templateHash: SQLiteValues.text(row, i + 5) ?? "", judgeModel: SQLiteValues.text(row, i + 6) ?? "",
            judgeParams: SQLiteValues.text(row, i + 7) ?? "",
            requestHash: SQLiteValues.digest(row, i + 8) ?? Digest256(a: 0, b: 0, c: 0, d: 0),
            rawResponse: SQLiteValues.text(row, i + 9), status: SQLiteValues.text(row, i + 10) ?? "",
            met: SQLiteValues.bool(row, i + 11), latency: SQLiteValues.real(row, i + 12),
            promptTokens: SQLiteValues.int(row, i + 13), completionTokens: SQLiteValues.int(row, i + 14),
            cacheHit: SQLiteValues.bool(row, i + 15) ?? false, error: SQLiteValues.text(row, i + 16))
    }

    /// Loads a step's groups exactly as stored, with the digests recorded when they were written.
    static func loadGroups(_ db: Database, runKey: Int64, runID: String, step: Int) throws -> [(stored: Digest256, group: StoredGroup)] {
        var groups: [(key: Int64, stored: Digest256, group: StoredGroup)] = []
        var groupIndex: [Int64: Int] = [:]
        let args: StatementArguments = [runKey, step]
        let where_ = "WHERE g.run_key = ? AND g.step = ?"
        var rows = try Row.fetchCursor(
            db,
            sql: "SELECT g.group_key, g.step, g.group_id, g.prompt_id, g.partial, g.sample_count, g.digest FROM groups g \(where_) ORDER BY g.group_key",
            arguments: args)
        while let row = try rows.next() {
            let key: Int64 = row[0]
            groupIndex[key] = groups.count
            groups.append(
                (
                    key, SQLiteValues.digest(row, 6) ?? Digest256(a: 0, b: 0, c: 0, d: 0),
                    StoredGroup(
                        runID: runID, step: SQLiteValues.int(row, 1) ?? Int.min, groupID: SQLiteValues.text(row, 2) ?? "",
                        promptID: SQLiteValues.text(row, 3) ?? "", partial: SQLiteValues.bool(row, 4) ?? false,
                        sampleCount: SQLiteValues.int(row, 5) ?? Int.min, consumed: nil, samples: [])
                ))
        }
        rows = try Row.fetchCursor(
            db,
            sql: "SELECT c.group_key, c.prompt_id, c.epoch, c.ordinal, c.run_key FROM consumed_prompts c JOIN groups g ON g.group_key = c.group_key \(where_)",
            arguments: args)
        while let row = try rows.next() {
            guard let gi = groupIndex[row[0]] else { continue }
            var c = StoredConsumed(
                promptID: SQLiteValues.text(row, 1) ?? "", epoch: SQLiteValues.int(row, 2) ?? Int.min,
                ordinal: SQLiteValues.int(row, 3))
            // A second consumed row for the group, or one filed under another run, can only be an edit.
            if groups[gi].group.consumed != nil || SQLiteValues.int(row, 4) != Int(runKey) { c.promptID = "\u{0}conflict" }
            groups[gi].group.consumed = c
        }
        var sampleIndex: [Int64: (group: Int, sample: Int)] = [:]
        rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(rolloutColumns), \(scoreColumns) FROM rollouts r JOIN groups g ON g.group_key = r.group_key \(scoresJoin)
                \(where_) ORDER BY r.rollout_key
                """,
            arguments: args)
        while let row = try rows.next() {
            guard let gi = groupIndex[row[1]] else { continue }
            var rollout = storedRollout(row, from: 0)
            if SQLiteValues.int(row, 2) != Int(runKey) { rollout.rolloutID = "\u{0}run mismatch" }
            sampleIndex[row[0]] = (gi, groups[gi].group.samples.count)
            let scores = try storedScores(row, from: rolloutColumnCount, strict: false)
            groups[gi].group.samples.append(
                StoredSample(
                    rollout: rollout, judgeCalls: [], components: scores.components, reward: scores.reward,
                    advantage: scores.advantage))
        }
        rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(judgeColumns), j.request_text FROM groups g JOIN rollouts r ON r.group_key = g.group_key \(judgeCallsOfRollout)
                \(judgeCriterionJoins) \(where_) ORDER BY j.judge_call_key
                """, arguments: args)
        while let row = try rows.next() {
            guard let (gi, si) = sampleIndex[row[0]] else { continue }
            var call = storedJudgeCall(row, from: 0)
            call.requestText = SQLiteValues.text(row, 17)
            groups[gi].group.samples[si].judgeCalls.append(call)
        }
        return groups.map { ($0.stored, $0.group) }
    }

    /// Committed step records in order.
    static func stepRecords(_ db: Database, runKey: Int64, runID: String) throws -> [StepRecord] {
        var out: [StepRecord] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT step, policy_version, committed_at, group_count, rollout_count, judge_call_count, batch_count,
                  content_hash, prev_hash, record_hash FROM steps WHERE run_key = ? ORDER BY step
                """, arguments: [runKey])
        while let row = try rows.next() {
            out.append(
                StepRecord(
                    runID: runID, step: SQLiteValues.int(row, 0) ?? Int.min,
                    policyVersion: SQLiteValues.int(row, 1).map { PolicyVersion($0) },
                    committedAt: SQLiteValues.real(row, 2) ?? .nan, groupCount: SQLiteValues.int(row, 3) ?? -1,
                    rolloutCount: SQLiteValues.int(row, 4) ?? -1, judgeCallCount: SQLiteValues.int(row, 5) ?? -1,
                    batchCount: SQLiteValues.int(row, 6) ?? -1, contentHash: SQLiteValues.text(row, 7) ?? "",
                    prevHash: SQLiteValues.text(row, 8) ?? "", recordHash: SQLiteValues.text(row, 9) ?? ""))
        }
        return out
    }

    /// Content of a text or token array by address, within its (run, step) scope.
    static func content(_ db: Database, runKey: Int64, step: Int, _ d: Digest256, _ kind: ContentKind) throws -> [UInt8]? {
        let table = kind == .text ? "texts" : "token_arrays"
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT content FROM \(table) WHERE run_key = ? AND step = ? AND hash = ?"),
                arguments: [runKey, step, d.bytes.databaseValueData])
        else { return nil }
        return SQLiteValues.blob(row, 0)
    }
}

extension [UInt8] {
    /// As a GRDB BLOB argument.
    var databaseValueData: Data { Data(self) }
}
