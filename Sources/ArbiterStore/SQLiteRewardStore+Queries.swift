import ArbiterCore
import GRDB

extension SQLiteRewardStore {
    public func stepAggregates(runID: String, steps: ClosedRange<Int>?) async throws -> [StepAggregate] {
        try await read("aggregates of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            let range = steps.map { " AND g.step BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
            var out: [Int: StepAggregate] = [:]
            func acc(_ row: Row, _ i: Int, missing: Int) -> StatsAccumulator {
                var a = StatsAccumulator()
                a.count = SQLiteValues.int(row, i) ?? 0
                a.missing = missing
                a.sum = SQLiteValues.real(row, i + 1) ?? 0
                a.sumSquares = SQLiteValues.real(row, i + 2) ?? 0
                a.min = SQLiteValues.real(row, i + 3)
                a.max = SQLiteValues.real(row, i + 4)
                return a
            }
            func rate(_ n: Int, _ d: Int) -> Double? { d == 0 ? nil : Double(n) / Double(d) }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT g.step, count(*), sum(g.partial), sum(CASE WHEN z.n < 2 OR z.mn = z.mx THEN 1 ELSE 0 END)
                    FROM groups g JOIN (
                      SELECT r.group_key AS gk, count(r.training_reward) AS n, min(r.training_reward) AS mn, max(r.training_reward) AS mx
                      FROM rollouts r WHERE r.run_key = ? GROUP BY r.group_key
                      UNION ALL
                      SELECT g2.group_key, 0, NULL, NULL FROM groups g2 WHERE g2.run_key = ? AND g2.sample_count = 0
                    ) z ON z.gk = g.group_key
                    WHERE g.run_key = ?\(range) GROUP BY g.step
                    """, arguments: [key, key, key])
            {
                let step = SQLiteValues.int(row, 0) ?? 0
                var a = StepAggregate(step: step)
                a.groups = SQLiteValues.int(row, 1) ?? 0
                a.partialGroups = SQLiteValues.int(row, 2) ?? 0
                a.zeroVarianceGroupFraction = rate(SQLiteValues.int(row, 3) ?? 0, a.groups)
                out[step] = a
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT g.step, count(*),
                      count(r.training_reward), sum(r.training_reward), sum(r.training_reward * r.training_reward), min(r.training_reward), max(r.training_reward),
                      count(r.completion_tokens), sum(r.completion_tokens), sum(r.completion_tokens * r.completion_tokens), min(r.completion_tokens), max(r.completion_tokens),
                      count(r.prompt_tokens), sum(r.prompt_tokens), sum(r.prompt_tokens * r.prompt_tokens), min(r.prompt_tokens), max(r.prompt_tokens),
                      count(r.advantage), sum(r.advantage), sum(r.advantage * r.advantage), min(r.advantage), max(r.advantage),
                      sum(r.truncated), count(r.parse_status), sum(r.parse_status IS NOT NULL AND r.parse_status != 'ok')
                    FROM rollouts r JOIN groups g ON g.group_key = r.group_key
                    WHERE g.run_key = ?\(range) GROUP BY g.step
                    """, arguments: [key])
            {
                let step = SQLiteValues.int(row, 0) ?? 0
                var a = out[step] ?? StepAggregate(step: step)
                let n = SQLiteValues.int(row, 1) ?? 0
                a.rollouts = n
                a.trainingReward = acc(row, 2, missing: n - (SQLiteValues.int(row, 2) ?? 0)).stats
                a.completionTokens = acc(row, 7, missing: 0).stats
                a.promptTokens = acc(row, 12, missing: n - (SQLiteValues.int(row, 12) ?? 0)).stats
                a.advantage = acc(row, 17, missing: 0).stats
                a.truncationRate = rate(SQLiteValues.int(row, 22) ?? 0, n)
                a.parseFailureRate = rate(SQLiteValues.int(row, 24) ?? 0, SQLiteValues.int(row, 23) ?? 0)
                out[step] = a
            }
            // Components live in a blob per rollout row: decoded and accumulated here, per step and name.
            var perStep: [Int: [String: (value: StatsAccumulator, total: Int, weightSum: Double)]] = [:]
            let componentRows = try Row.fetchCursor(
                db,
                sql: "SELECT g.step, r.components FROM rollouts r JOIN groups g ON g.group_key = r.group_key WHERE g.run_key = ?\(range) ORDER BY r.rollout_key",
                arguments: [key])
            while let row = try componentRows.next() {
                let step = SQLiteValues.int(row, 0) ?? 0
                guard let blob = SQLiteValues.blob(row, 1) else { continue }
                for c in try BlobCoding.decodeComponents(blob) {
                    var e = perStep[step, default: [:]][c.name] ?? (StatsAccumulator(), 0, 0)
                    e.value.add(c.value)
                    e.total += 1
                    e.weightSum += c.weight
                    perStep[step, default: [:]][c.name] = e
                }
            }
            var components: [Int: [ComponentStats]] = [:]
            for (step, byName) in perStep {
                components[step] = byName.map { name, e in
                    ComponentStats(name: name, value: e.value.stats, weight: e.total == 0 ? 0 : e.weightSum / Double(e.total))
                }
            }
            for (step, list) in components {
                out[step, default: StepAggregate(step: step)].components = list.sorted { $0.name < $1.name }
            }
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT g.step, count(*), sum(j.status = 'failed'), sum(j.status IN ('non_binary', 'refusal', 'empty')),
                      sum(j.cache_hit), count(j.latency), sum(j.latency), sum(j.latency * j.latency), min(j.latency), max(j.latency)
                    FROM groups g JOIN rollouts r ON r.group_key = g.group_key \(Self.judgeCallsOfRollout)
                    WHERE g.run_key = ?\(range) GROUP BY g.step
                    """, arguments: [key])
            {
                let step = SQLiteValues.int(row, 0) ?? 0
                var a = out[step] ?? StepAggregate(step: step)
                let n = SQLiteValues.int(row, 1) ?? 0
                a.judgeCalls = n
                a.judgeFailureRate = rate(SQLiteValues.int(row, 2) ?? 0, n)
                a.verdictUnparsedRate = rate(SQLiteValues.int(row, 3) ?? 0, n)
                a.judgeCacheHitRate = rate(SQLiteValues.int(row, 4) ?? 0, n)
                a.judgeLatency = acc(row, 5, missing: n - (SQLiteValues.int(row, 5) ?? 0)).stats
                out[step] = a
            }
            let stepRange = steps.map { " AND step BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
            for row in try Row.fetchAll(
                db, sql: "SELECT step, committed_at, policy_version FROM steps WHERE run_key = ?\(stepRange)", arguments: [key])
            {
                let step = SQLiteValues.int(row, 0) ?? 0
                var a = out[step] ?? StepAggregate(step: step)
                a.committed = true
                a.committedAt = SQLiteValues.real(row, 1)
                a.policyVersion = SQLiteValues.int(row, 2).map { PolicyVersion($0) }
                out[step] = a
            }
            return out.keys.sorted().map { out[$0]! }
        }
    }

    public func rolloutDetail(runID: String, rolloutID: String) async throws -> RolloutDetail? {
        try await read("rollout \(rolloutID)") { db in
            let key = try Self.runRow(db, runID).key
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT \(Self.rolloutColumns), g.step, g.group_id, g.partial,
                          EXISTS (SELECT 1 FROM steps s WHERE s.run_key = g.run_key AND s.step = g.step), \(Self.scoreColumns)
                        FROM rollouts r JOIN groups g ON g.group_key = r.group_key \(Self.scoresJoin)
                        WHERE r.run_key = ? AND r.rollout_id = ?
                        """, arguments: [key, rolloutID])
            else { return nil }
            let n = Self.rolloutColumnCount
            let rolloutKey: Int64 = row[0]
            let stored = Self.storedRollout(row, from: 0)
            let step = SQLiteValues.int(row, n) ?? 0
            let promptText = try Self.content(db, runKey: key, step: step, stored.promptTextHash, .text).map {
                String(decoding: $0, as: UTF8.self)
            } ?? ""
            let promptIDs = try stored.promptTokensHash.flatMap { try Self.content(db, runKey: key, step: step, $0, .tokens) }.map {
                b throws(StoreError) in try BlobCoding.decodeInt32LE(b)
            }
            let rollout = try stored.rollout(promptText: promptText, promptTokenIDs: promptIDs)
            let calls = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.judgeColumns), COALESCE(j.request_text, t.content) FROM judge_calls j
                    \(Self.judgeCriterionJoins)
                    LEFT JOIN texts t ON t.run_key = ?1 AND t.step = ?2 AND t.hash = j.request_hash
                    WHERE j.judge_call_key >= (?3 << 12) AND j.judge_call_key < ((?3 + 1) << 12) ORDER BY j.judge_call_key
                    """, arguments: [key, step, rolloutKey]
            ).map { Self.storedJudgeCall($0, from: 0).record(requestText: SQLiteValues.text($0, 17) ?? "") }
            let scores = try Self.storedScores(row, from: n + 4, strict: true)
            let components = scores.components.map { RewardComponent(name: $0.name, value: $0.value, weight: $0.weight) }
            let advantage = scores.advantage.map {
                AdvantageRecord(estimator: $0.estimator, paramsHash: $0.paramsHash, value: $0.value, flowTarget: $0.flowTarget)
            }
            let batches = try Row.fetchAll(
                db,
                sql: """
                    SELECT b.batch_id, b.step, bs.position, bs.loss_weight, b.delivery_attempts, b.delivery_outcome,
                      b.trainer_policy_version, b.delivery_updated_at
                    FROM batch_samples bs JOIN batches b ON b.batch_key = bs.batch_key
                    WHERE bs.rollout_id = ? AND b.run_key = ? ORDER BY b.batch_key, bs.position
                    """, arguments: [rolloutID, key]
            ).map {
                BatchMembership(
                    batchID: SQLiteValues.text($0, 0) ?? "", step: SQLiteValues.int($0, 1) ?? 0,
                    position: SQLiteValues.int($0, 2) ?? 0, lossWeight: SQLiteValues.real($0, 3) ?? 0,
                    delivery: DeliveryState(
                        attempts: SQLiteValues.int($0, 4) ?? 0,
                        outcome: DeliveryOutcome(rawValue: SQLiteValues.text($0, 5) ?? "") ?? .pending,
                        trainerPolicyVersion: SQLiteValues.int($0, 6).map { PolicyVersion($0) },
                        updatedAt: SQLiteValues.real($0, 7)))
            }
            return RolloutDetail(
                runID: runID, step: step, stepCommitted: SQLiteValues.bool(row, n + 3) ?? false,
                groupID: SQLiteValues.text(row, n + 1) ?? "", partialGroup: SQLiteValues.bool(row, n + 2) ?? false,
                rollout: rollout, promptTokens: stored.promptTokens, parseStatus: stored.parseStatus, judgeCalls: calls,
                reward: RewardVector(components: components, total: scores.reward?.trainingReward),
                aggregates: JSONText.parseFlatObject(scores.reward?.aggregates ?? "{}"),
                advantage: advantage, batches: batches)
        }
    }

    public func criterionRates(runID: String, steps: ClosedRange<Int>?, grouping: CriterionGrouping) async throws -> [CriterionRate] {
        try await read("criterion rates of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            let range = steps.map { " AND g.step BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
            var builder = CriterionRateBuilder(grouping: grouping)
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT jcr.criterion_id, jcr.dimension, jcr.criterion_weight, j.status, j.met, count(*)
                    FROM groups g JOIN rollouts r ON r.group_key = g.group_key \(Self.judgeCallsOfRollout)
                    LEFT JOIN judge_criteria jcr ON jcr.judge_criterion_key = j.judge_criterion_key WHERE g.run_key = ?\(range)
                    GROUP BY jcr.criterion_id, jcr.dimension, jcr.criterion_weight, j.status, j.met
                    """, arguments: [key])
            while let row = try rows.next() {
                builder.add(
                    criterionID: SQLiteValues.text(row, 0), dimension: SQLiteValues.text(row, 1),
                    weight: SQLiteValues.int(row, 2), status: VerdictStatus(rawValue: SQLiteValues.text(row, 3) ?? "") ?? .failed,
                    met: SQLiteValues.bool(row, 4), count: SQLiteValues.int(row, 5) ?? 0)
            }
            return builder.rates
        }
    }

    public func exportRollouts(
        runID: String, steps: ClosedRange<Int>?, includeTokens: Bool, _ body: @Sendable (RolloutExportRow) throws -> Void
    ) async throws {
        try await read("export rollouts of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            let range = steps.map { " AND g.step BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
            let n = Self.rolloutColumnCount
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.rolloutColumns), g.step, g.group_id, t.content, \(Self.scoreColumns)
                    FROM groups g JOIN rollouts r ON r.group_key = g.group_key
                    LEFT JOIN texts t ON t.run_key = g.run_key AND t.step = g.step AND t.hash = r.prompt_text_hash
                    \(Self.scoresJoin)
                    WHERE g.run_key = ?\(range) ORDER BY g.step, g.group_key, r.rollout_key
                    """, arguments: [key])
            while let row = try rows.next() {
                let scores = try Self.storedScores(row, from: n + 3, strict: true)
                let sample = StoredSample(
                    rollout: Self.storedRollout(row, from: 0), judgeCalls: [], components: scores.components,
                    reward: scores.reward ?? StoredReward(trainingReward: nil, aggregates: ""), advantage: scores.advantage)
                try body(
                    try sample.exportRow(
                        runID: runID, step: SQLiteValues.int(row, n) ?? 0, groupID: SQLiteValues.text(row, n + 1) ?? "",
                        promptText: SQLiteValues.text(row, n + 2) ?? "", includeTokens: includeTokens))
            }
        }
    }

    public func exportVerdicts(
        runID: String, steps: ClosedRange<Int>?, includeRequests: Bool, _ body: @Sendable (VerdictExportRow) throws -> Void
    ) async throws {
        try await read("export verdicts of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            let range = steps.map { " AND g.step BETWEEN \($0.lowerBound) AND \($0.upperBound)" } ?? ""
            let text = includeRequests ? "COALESCE(j.request_text, t.content)" : "NULL"
            let join =
                includeRequests ? "LEFT JOIN texts t ON t.run_key = g.run_key AND t.step = g.step AND t.hash = j.request_hash" : ""
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.judgeColumns), g.step, g.group_id, r.rollout_id, \(text)
                    FROM groups g JOIN rollouts r ON r.group_key = g.group_key \(Self.judgeCallsOfRollout)
                    \(Self.judgeCriterionJoins) \(join)
                    WHERE g.run_key = ?\(range) ORDER BY g.step, g.group_key, r.rollout_key, j.judge_call_key
                    """, arguments: [key])
            while let row = try rows.next() {
                try body(
                    Self.storedJudgeCall(row, from: 0).exportRow(
                        runID: runID, step: SQLiteValues.int(row, 17) ?? 0, groupID: SQLiteValues.text(row, 18) ?? "",
                        rolloutID: SQLiteValues.text(row, 19) ?? "",
                        requestText: includeRequests ? SQLiteValues.text(row, 20) ?? "" : nil))
            }
        }
    }
}
