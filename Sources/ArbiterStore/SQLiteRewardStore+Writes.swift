import ArbiterCore
import GRDB

extension SQLiteRewardStore {
    public func createRun(_ run: RunRecord) async throws {
        try Validate.id(run.id, "run id")
        try await write("create run \(run.id)") { db in
            var ins = SQLiteRowInserter(
                try db.cachedStatement(
                    sql: """
                        INSERT INTO runs (run_id, name, mode, config_yaml, config_hash, code_version, run_group, started_at, status)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')
                        """))
            ins.text(run.id)
            ins.text(run.name)
            ins.text(run.mode.rawValue)
            ins.utf8Blob(run.configYAML)
            ins.text(run.configHash)
            ins.text(run.codeVersion)
            ins.text(run.runGroup)
            ins.real(run.startedAt)
            try ins.execute()
        }
    }

    public func updateRunStatus(runID: String, status: RunStatus, endedAt: Double?) async throws {
        try await write("update run \(runID)") { db in
            let (key, record) = try Self.runRow(db, runID)
            try db.execute(sql: "UPDATE runs SET status = ? WHERE run_key = ?", arguments: [status.rawValue, key])
            guard status.isTerminal else { return }
            if let endedAt {
                try db.execute(sql: "UPDATE runs SET ended_at = ? WHERE run_key = ?", arguments: [endedAt, key])
            }
            if record.finalHash == nil,
                let head = try Row.fetchOne(
                    db, sql: "SELECT step, record_hash FROM steps WHERE run_key = ? ORDER BY step DESC LIMIT 1",
                    arguments: [key])
            {
                try db.execute(
                    sql: "UPDATE runs SET final_step = ?, final_hash = ? WHERE run_key = ?",
                    arguments: [SQLiteValues.int(head, 0), SQLiteValues.text(head, 1), key])
            }
        }
    }

    public func registerPrompts(_ prompts: [PromptRecord]) async throws {
        for p in prompts { try Validate.id(p.id.rawValue, "prompt id") }
        try await write("register prompts") { db in
            let st = try db.cachedStatement(sql: "INSERT OR IGNORE INTO prompts (prompt_id, dataset, text_hash) VALUES (?, ?, ?)")
            for p in prompts {
                var ins = SQLiteRowInserter(st)
                ins.text(p.id.rawValue)
                ins.text(p.dataset)
                ins.text(p.textHash)
                try ins.execute()
            }
        }
    }

    public func appendGroups(_ groups: [GroupRecord]) async throws {
        guard !groups.isEmpty else { return }
        // Encoding and hashing happen here, on the caller's task, not on the writer connection.
        let prepared = try groups.map { g throws(StoreError) in try PreparedGroup(record: g) }
        try await appendPrepared(prepared)
    }

    /// Writes prepared groups in one transaction.
    func appendPrepared(_ prepared: [PreparedGroup]) async throws {
        try await write("append groups") { db in try Self.insert(prepared, db) }
    }

    /// Texts and token arrays are content-addressed per (run, step): see docs/store.md.
    private struct ContentScope: Hashable {
        var run: Int64
        var step: Int
        var digest: Digest256
    }

    struct AdvantageConfigKey: Hashable {
        var estimator: String
        var paramsHash: String
    }

    /// The key of the row of an interning table (`judge_configs`, `judge_criteria`,
    /// `advantage_configs`) holding exactly `values` in `columns` (NULLs compared with IS),
    /// inserting it when new. The writer is the only one inserting, so looking first is enough.
    static func intern(
        _ table: String, key: String, _ columns: [String], _ values: [(any DatabaseValueConvertible)?], _ db: Database
    ) throws -> Int64 {
        let args = StatementArguments(values)
        let match = columns.map { "\($0) IS ?" }.joined(separator: " AND ")
        if let k = try Int64.fetchOne(db, sql: "SELECT \(key) FROM \(table) WHERE \(match)", arguments: args) {
            return k
        }
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.execute(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders))", arguments: args)
        return db.lastInsertedRowID
    }

    static func insert(_ prepared: [PreparedGroup], _ db: Database) throws {
        var runs: [String: (key: Int64, lastStep: Int?)] = [:]
        var judgeCriteria: [JudgeCriterion: Int64] = [:]
        // An arena serves one statement at a time (`execute` rewinds it): one for the rows
        // executed as soon as they are bound, one for the multi-row judge-call statements.
        let rowArena = BindArena()
        let judgeArena = BindArena()
        var contentSeen: Set<ContentScope> = []
        let insText = try db.cachedStatement(sql: "INSERT OR IGNORE INTO texts (run_key, step, hash, content) VALUES (?, ?, ?, ?)")
        let insTokens = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO token_arrays (run_key, step, hash, content) VALUES (?, ?, ?, ?)")
        let insGroup = try db.cachedStatement(
            sql: """
                INSERT INTO groups (run_key, step, group_id, prompt_id, partial, sample_count, digest, judge_call_count)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let insConsumed = try db.cachedStatement(
            sql: "INSERT INTO consumed_prompts (run_key, epoch, prompt_id, ordinal, group_key) VALUES (?, ?, ?, ?, ?)")
        let insRollout = try db.cachedStatement(
            sql: """
                INSERT INTO rollouts (group_key, run_key, rollout_id, prompt_id, sample_index, endpoint, policy_version,
                  requested_at, first_token_at, completed_at, prompt_text_hash, prompt_tokens_hash, completion_text,
                  completion_token_ids, completion_logprobs, finish_reason, truncated, prompt_tokens, completion_tokens, parse_status,
                  components, training_reward, reward_aggregates, advantage_config_key, advantage, flow_target)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var advantageConfigs: [AdvantageConfigKey: Int64] = [:]

        for p in prepared {
            let g = p.group
            let run: (key: Int64, lastStep: Int?)
            if let known = runs[g.runID] {
                run = known
            } else {
                guard let key = try Int64.fetchOne(db, sql: "SELECT run_key FROM runs WHERE run_id = ?", arguments: [g.runID])
                else { throw StoreError(.notFound, "no run '\(g.runID)'", context: g.groupID) }
                let last = try Int.fetchOne(db, sql: "SELECT max(step) FROM steps WHERE run_key = ?", arguments: [key])
                run = (key, last)
                runs[g.runID] = run
            }
            if let last = run.lastStep, g.step <= last {
                throw StoreError(.stepSealed, "step \(g.step) is sealed (step \(last) is committed)", context: g.groupID)
            }
            for (d, text) in p.texts where contentSeen.insert(ContentScope(run: run.key, step: g.step, digest: d)).inserted {
                var ins = SQLiteRowInserter(insText, arena: rowArena)
                ins.int64(run.key)
                ins.int(g.step)
                ins.digest(d)
                ins.utf8Blob(text)
                try ins.execute()
            }
            for (d, blob) in p.tokenArrays where contentSeen.insert(ContentScope(run: run.key, step: g.step, digest: d)).inserted {
                var ins = SQLiteRowInserter(insTokens, arena: rowArena)
                ins.int64(run.key)
                ins.int(g.step)
                ins.digest(d)
                ins.blob(blob)
                try ins.execute()
            }
            var ins = SQLiteRowInserter(insGroup, arena: rowArena)
            ins.int64(run.key)
            ins.int(g.step)
            ins.text(g.groupID)
            ins.text(g.promptID)
            ins.bool(g.partial)
            ins.int(g.sampleCount)
            ins.digest(p.digest)
            ins.int(p.judgeCallCount)
            try ins.execute()
            let groupKey = db.lastInsertedRowID
            if let c = g.consumed {
                var ins = SQLiteRowInserter(insConsumed, arena: rowArena)
                ins.int64(run.key)
                ins.int(c.epoch)
                ins.text(c.promptID)
                ins.int(c.ordinal)
                ins.int64(groupKey)
                try ins.execute()
            }
            var rolloutKeys: [Int64] = []
            rolloutKeys.reserveCapacity(g.samples.count)
            for (sampleIndex, s) in g.samples.enumerated() {
                let r = s.rollout
                var ins = SQLiteRowInserter(insRollout, arena: rowArena)
                ins.int64(groupKey)
                ins.int64(run.key)
                ins.text(r.rolloutID)
                ins.text(r.promptID)
                ins.int(r.sampleIndex)
                ins.text(r.endpoint)
                ins.int(r.policyVersion)
                ins.real(r.requestedAt)
                ins.real(r.firstTokenAt)
                ins.real(r.completedAt)
                ins.digest(r.promptTextHash)
                ins.digest(r.promptTokensHash)
                ins.utf8Blob(r.completionText)
                ins.blob(r.completionTokenIDs)
                ins.blob(r.completionLogprobs)
                ins.text(r.finishReason)
                ins.bool(r.truncated)
                ins.int(r.promptTokens)
                ins.int(r.completionTokens)
                ins.text(r.parseStatus)
                ins.blob(p.componentBlobs[sampleIndex])
                ins.real(s.reward?.trainingReward)
                ins.text(s.reward?.aggregates)
                if let a = s.advantage {
                    let key = AdvantageConfigKey(estimator: a.estimator, paramsHash: a.paramsHash)
                    if let k = advantageConfigs[key] {
                        ins.int64(k)
                    } else {
                        let k = try Self.intern(
                            "advantage_configs", key: "advantage_config_key", ["estimator", "params_hash"],
                            [a.estimator, a.paramsHash], db)
                        advantageConfigs[key] = k
                        ins.int64(k)
                    }
                    ins.real(a.value)
                    ins.real(a.flowTarget)
                } else {
                    ins.null()
                    ins.null()
                    ins.null()
                }
                try ins.execute()
                rolloutKeys.append(db.lastInsertedRowID)
            }
            // The group's judge calls, many rows per INSERT statement.
            var criterionKeys: [Int64] = []
            criterionKeys.reserveCapacity(p.criteria.count)
            for c in p.criteria {
                if let k = judgeCriteria[c] {
                    criterionKeys.append(k)
                } else {
                    // Once per distinct criterion and transaction.
                    let configKey = try Self.intern(
                        "judge_configs", key: "judge_config_key", ["template_hash", "judge_model", "judge_params"],
                        [c.templateHash, c.judgeModel, c.judgeParams], db)
                    let k = try Self.intern(
                        "judge_criteria", key: "judge_criterion_key",
                        ["judge_config_key", "criterion_id", "dimension", "criterion_weight"],
                        [configKey, c.criterionID, c.dimension, c.criterionWeight], db)
                    judgeCriteria[c] = k
                    criterionKeys.append(k)
                }
            }
            var pending = 0
            var judgeIns: SQLiteRowInserter?
            var call = 0
            for (sampleIndex, s) in g.samples.enumerated() {
                let callKeyBase = rolloutKeys[sampleIndex] << 12
                for j in s.judgeCalls {
                    if pending == 0 {
                        let n = min(p.judgeCallCount - call, Self.judgeRowsPerStatement)
                        judgeIns = SQLiteRowInserter(try db.cachedStatement(sql: Self.judgeInsertSQL[n]), arena: judgeArena)
                        pending = n
                    }
                    judgeIns!.int64(callKeyBase | Int64(j.callIndex))
                    judgeIns!.int64(criterionKeys[Int(p.callCriteria[call])])
                    judgeIns!.digest(j.requestHash)
                    judgeIns!.utf8Blob(j.rawResponse)
                    judgeIns!.text(j.status)
                    judgeIns!.bool(j.met)
                    judgeIns!.real(j.latency)
                    judgeIns!.int(j.promptTokens)
                    judgeIns!.int(j.completionTokens)
                    judgeIns!.bool(j.cacheHit)
                    judgeIns!.utf8Blob(j.error)
                    judgeIns!.utf8Blob(j.requestText)
                    call += 1
                    pending -= 1
                    if pending == 0 { try judgeIns!.execute() }
                }
            }
        }
    }

    /// Judge-call rows one INSERT statement carries (12 parameters each).
    static let judgeRowsPerStatement = 64

    /// `judgeInsertSQL[n]` inserts n judge-call rows.
    static let judgeInsertSQL: [String] = (0...judgeRowsPerStatement).map { n in
        let row = "(" + Array(repeating: "?", count: 12).joined(separator: ", ") + ")"
        return """
            INSERT INTO judge_calls (judge_call_key, judge_criterion_key, request_hash, raw_response, status, met, latency,
              prompt_tokens, completion_tokens, cache_hit, error, request_text) VALUES
            """ + Array(repeating: row, count: n).joined(separator: ", ")
    }

    public func appendBatches(_ batches: [BatchRecord]) async throws {
        guard !batches.isEmpty else { return }
        let stored = try batches.map { b throws(StoreError) in (b.runID, try StoredBatch(record: b), b.delivery) }
        try await write("append batches") { db in
            let insBatch = try db.cachedStatement(
                sql: """
                    INSERT INTO batches (run_key, step, batch_id, payload_hash, created_at, delivery_attempts, delivery_outcome,
                      trainer_policy_version, delivery_updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let insSample = try db.cachedStatement(
                sql: "INSERT INTO batch_samples (batch_key, position, rollout_id, loss_weight) VALUES (?, ?, ?, ?)")
            for (runID, b, delivery) in stored {
                let (key, _) = try Self.runRow(db, runID)
                if let last = try Int.fetchOne(db, sql: "SELECT max(step) FROM steps WHERE run_key = ?", arguments: [key]),
                    b.step <= last
                {
                    throw StoreError(.stepSealed, "step \(b.step) is sealed (step \(last) is committed)", context: b.batchID)
                }
                var ins = SQLiteRowInserter(insBatch)
                ins.int64(key)
                ins.int(b.step)
                ins.text(b.batchID)
                ins.text(b.payloadHash)
                ins.real(b.createdAt)
                ins.int(delivery.attempts)
                ins.text(delivery.outcome.rawValue)
                ins.int(delivery.trainerPolicyVersion?.rawValue)
                ins.real(delivery.updatedAt)
                try ins.execute()
                let batchKey = db.lastInsertedRowID
                for (i, s) in b.samples.enumerated() {
                    var ins = SQLiteRowInserter(insSample)
                    ins.int64(batchKey)
                    ins.int(i)
                    ins.text(s.rolloutID)
                    ins.real(s.lossWeight)
                    try ins.execute()
                }
            }
        }
    }

    public func appendEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await write("append events") { db in
            let st = try db.cachedStatement(
                sql: "INSERT INTO events (run_key, step, at, kind, source, message, details) VALUES (?, ?, ?, ?, ?, ?, ?)")
            var keys: [String: Int64] = [:]
            for e in events {
                let key: Int64
                if let k = keys[e.runID] { key = k } else { key = try Self.runRow(db, e.runID).key }
                keys[e.runID] = key
                var ins = SQLiteRowInserter(st)
                ins.int64(key)
                ins.int(e.step)
                ins.real(e.at)
                ins.text(e.kind.rawValue)
                ins.text(e.source)
                ins.text(e.message)
                ins.text(e.details)
                try ins.execute()
            }
        }
    }

    public func commitStep(runID: String, step: Int, policyVersion: PolicyVersion?, committedAt: Double) async throws -> StepRecord {
        guard step >= 0 else { throw StoreError(.invalidInput, "step \(step) is negative", context: runID) }
        return try await write("commit step \(step) of \(runID)") { db in
            let (key, run) = try Self.runRow(db, runID)
            let head = try Row.fetchOne(
                db, sql: "SELECT step, record_hash FROM steps WHERE run_key = ? ORDER BY step DESC LIMIT 1", arguments: [key])
            if let head, let last = SQLiteValues.int(head, 0), step <= last {
                throw StoreError(.stepSealed, "step \(step) is not after the last committed step \(last)", context: runID)
            }
            let last = head.flatMap { SQLiteValues.int($0, 0) } ?? -1
            if let skipped = try Int.fetchOne(
                db,
                sql: """
                    SELECT min(step) FROM (SELECT step FROM groups WHERE run_key = ?1 AND step > ?2 AND step < ?3
                      UNION ALL SELECT step FROM batches WHERE run_key = ?1 AND step > ?2 AND step < ?3)
                    """, arguments: [key, last, step])
            {
                throw StoreError(.invalidInput, "step \(skipped) has rows but is not committed; commit it before step \(step)", context: runID)
            }
            let prev = head.flatMap { SQLiteValues.text($0, 1).flatMap(Digest256.init(hex:)) } ?? HashChain.genesis(run)
            var groups: [(groupID: String, digest: Digest256)] = []
            var rollouts = 0
            var calls = 0
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT group_id, digest, sample_count, judge_call_count FROM groups WHERE run_key = ? AND step = ? ORDER BY group_key"),
                arguments: [key, step])
            while let row = try rows.next() {
                groups.append((SQLiteValues.text(row, 0) ?? "", SQLiteValues.digest(row, 1) ?? Digest256(a: 0, b: 0, c: 0, d: 0)))
                rollouts += SQLiteValues.int(row, 2) ?? 0
                calls += SQLiteValues.int(row, 3) ?? 0
            }
            let batches = try Self.storedBatches(db, runKey: key, step: step).map(\.batch)
            let content = HashChain.contentHash(runID: runID, step: step, groups: groups, batches: batches)
            let record = HashChain.recordHash(
                runID: runID, step: step, policyVersion: policyVersion?.rawValue, committedAt: committedAt,
                groupCount: groups.count, rolloutCount: rollouts, judgeCallCount: calls, batchCount: batches.count,
                contentHash: content, prevHash: prev)
            let r = StepRecord(
                runID: runID, step: step, policyVersion: policyVersion, committedAt: committedAt,
                groupCount: groups.count, rolloutCount: rollouts, judgeCallCount: calls, batchCount: batches.count,
                contentHash: content.hex, prevHash: prev.hex, recordHash: record.hex)
            try db.execute(
                sql: """
                    INSERT INTO steps (run_key, step, policy_version, committed_at, group_count, rollout_count, judge_call_count,
                      batch_count, content_hash, prev_hash, record_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key, step, policyVersion?.rawValue, committedAt, r.groupCount, r.rolloutCount, r.judgeCallCount,
                    r.batchCount, r.contentHash, r.prevHash, r.recordHash,
                ])
            return r
        }
    }

    public func updateDelivery(runID: String, batchID: String, delivery: DeliveryState) async throws {
        try await write("update delivery of \(batchID)") { db in
            let (key, _) = try Self.runRow(db, runID)
            try db.execute(
                sql: """
                    UPDATE batches SET delivery_attempts = ?, delivery_outcome = ?, trainer_policy_version = ?, delivery_updated_at = ?
                    WHERE run_key = ? AND batch_id = ?
                    """,
                arguments: [
                    delivery.attempts, delivery.outcome.rawValue, delivery.trainerPolicyVersion?.rawValue, delivery.updatedAt,
                    key, batchID,
                ])
            if db.changesCount == 0 { throw StoreError(.notFound, "no batch '\(batchID)'", context: runID) }
        }
    }

    /// A step's batches (or all when `step` is nil) with delivery state, in write order.
    static func storedBatches(_ db: Database, runKey: Int64, step: Int?) throws -> [(batch: StoredBatch, delivery: DeliveryState)] {
        var out: [(batch: StoredBatch, delivery: DeliveryState, key: Int64)] = []
        let sql = """
            SELECT batch_key, batch_id, step, payload_hash, created_at, delivery_attempts, delivery_outcome,
              trainer_policy_version, delivery_updated_at FROM batches WHERE run_key = ?
            """ + (step == nil ? "" : " AND step = ?") + " ORDER BY batch_key"
        let args: StatementArguments = step.map { [runKey, $0] } ?? [runKey]
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: args)
        while let row = try rows.next() {
            out.append(
                (
                    StoredBatch(
                        batchID: SQLiteValues.text(row, 1) ?? "", step: SQLiteValues.int(row, 2) ?? -1,
                        payloadHash: SQLiteValues.text(row, 3) ?? "", createdAt: SQLiteValues.real(row, 4) ?? 0, samples: []),
                    DeliveryState(
                        attempts: SQLiteValues.int(row, 5) ?? 0,
                        outcome: DeliveryOutcome(rawValue: SQLiteValues.text(row, 6) ?? "") ?? .pending,
                        trainerPolicyVersion: SQLiteValues.int(row, 7).map { PolicyVersion($0) },
                        updatedAt: SQLiteValues.real(row, 8)),
                    row[0]
                ))
        }
        let samples = try db.cachedStatement(
            sql: "SELECT rollout_id, loss_weight FROM batch_samples WHERE batch_key = ? ORDER BY position")
        for i in out.indices {
            let rows = try Row.fetchCursor(samples, arguments: [out[i].key])
            while let row = try rows.next() {
                out[i].batch.samples.append(
                    BatchSampleRef(rolloutID: SQLiteValues.text(row, 0) ?? "", lossWeight: SQLiteValues.real(row, 1) ?? .nan))
            }
        }
        return out.map { ($0.batch, $0.delivery) }
    }
}
