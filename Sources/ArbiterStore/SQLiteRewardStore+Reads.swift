import ArbiterCore
import GRDB

extension SQLiteRewardStore {
    public func run(_ runID: String) async throws -> RunRecord? {
        try await read("run \(runID)") { db in
            do { return try Self.runRow(db, runID).record } catch let e as StoreError where e.code == .notFound { return nil }
        }
    }

    public func listRuns(group: String?) async throws -> [RunSummary] {
        try await read("list runs") { db in
            let sql = """
                SELECT \(Self.runColumns),
                  (SELECT count(*) FROM steps s WHERE s.run_key = runs.run_key),
                  (SELECT max(step) FROM steps s WHERE s.run_key = runs.run_key),
                  (SELECT count(*) FROM rollouts r WHERE r.run_key = runs.run_key)
                FROM runs
                """ + (group == nil ? "" : " WHERE run_group = ?") + " ORDER BY started_at DESC, run_key DESC"
            let args: StatementArguments = group.map { [$0] } ?? []
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                RunSummary(
                    run: try Self.runRecord(row, from: 1), committedSteps: SQLiteValues.int(row, 13) ?? 0,
                    lastCommittedStep: SQLiteValues.int(row, 14), rollouts: SQLiteValues.int(row, 15) ?? 0)
            }
        }
    }

    public func runStatus(_ runID: String) async throws -> RunStatusReport {
        try await read("status of \(runID)") { db in
            let (key, run) = try Self.runRow(db, runID)
            let steps = try Self.stepRecords(db, runKey: key, runID: runID)
            let committed = Set(steps.map(\.step))
            let dataSteps = try Int.fetchAll(
                db, sql: "SELECT DISTINCT step FROM groups WHERE run_key = ? UNION SELECT DISTINCT step FROM batches WHERE run_key = ?",
                arguments: [key, key])
            let count = { (sql: String) throws -> Int in try Int.fetchOne(db, sql: sql, arguments: [key]) ?? 0 }
            var eventCounts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) FROM events WHERE run_key = ? GROUP BY kind", arguments: [key]) {
                eventCounts[SQLiteValues.text(row, 0) ?? "?"] = SQLiteValues.int(row, 1) ?? 0
            }
            return RunStatusReport(
                run: run, committedSteps: steps.count, lastStep: steps.last,
                openSteps: Set(dataSteps).subtracting(committed).sorted(),
                groups: try count("SELECT count(*) FROM groups WHERE run_key = ?"),
                rollouts: try count("SELECT count(*) FROM rollouts WHERE run_key = ?"),
                judgeCalls: try count(
                    "SELECT count(*) FROM rollouts r \(Self.judgeCallsOfRollout) WHERE r.run_key = ?"),
                batches: try count("SELECT count(*) FROM batches WHERE run_key = ?"),
                undeliveredBatches: try count(
                    "SELECT count(*) FROM batches WHERE run_key = ? AND delivery_outcome IN ('pending', 'failed')"),
                eventCounts: eventCounts)
        }
    }

    public func steps(runID: String) async throws -> [StepRecord] {
        try await read("steps of \(runID)") { db in
            try Self.stepRecords(db, runKey: try Self.runRow(db, runID).key, runID: runID)
        }
    }

    public func consumedPrompts(runID: String) async throws -> [ConsumedPrompt] {
        try await read("consumed prompts of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.prompt_id, c.epoch, c.ordinal, g.step, g.group_id FROM consumed_prompts c
                    JOIN groups g ON g.group_key = c.group_key AND g.run_key = c.run_key
                    WHERE c.run_key = ? ORDER BY c.group_key
                    """, arguments: [key]
            ).map { row in
                ConsumedPrompt(
                    promptID: PromptID(SQLiteValues.text(row, 0) ?? ""), epoch: SQLiteValues.int(row, 1) ?? 0,
                    ordinal: SQLiteValues.int(row, 2), step: SQLiteValues.int(row, 3) ?? 0,
                    groupID: SQLiteValues.text(row, 4) ?? "")
            }
        }
    }

    public func groups(runID: String, step: Int) async throws -> [GroupRecord] {
        try await read("groups of \(runID) step \(step)") { db in
            let key = try Self.runRow(db, runID).key
            // The samples of a group usually share their prompt: look each address up once.
            var texts: [Digest256: String?] = [:]
            var tokenArrays: [Digest256: [UInt8]?] = [:]
            let text = { (d: Digest256) throws -> String? in
                if let known = texts[d] { return known }
                let t = try Self.content(db, runKey: key, step: step, d, .text).map { String(decoding: $0, as: UTF8.self) }
                texts[d] = .some(t)
                return t
            }
            let tokens = { (d: Digest256) throws -> [UInt8]? in
                if let known = tokenArrays[d] { return known }
                let b = try Self.content(db, runKey: key, step: step, d, .tokens)
                tokenArrays[d] = .some(b)
                return b
            }
            return try Self.loadGroups(db, runKey: key, runID: runID, step: step).map { try $0.group.record(text: text, tokens: tokens) }
        }
    }

    public func batches(runID: String, step: Int?) async throws -> [BatchRecord] {
        try await read("batches of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            return try Self.storedBatches(db, runKey: key, step: step).map { b, d in
                BatchRecord(
                    runID: runID, id: b.batchID, step: b.step, samples: b.samples, payloadHash: b.payloadHash,
                    createdAt: b.createdAt, delivery: d)
            }
        }
    }

    public func events(runID: String, limit: Int?) async throws -> [EventRecord] {
        try await read("events of \(runID)") { db in
            let key = try Self.runRow(db, runID).key
            let sql =
                "SELECT step, at, kind, source, message, details FROM events WHERE run_key = ? ORDER BY event_key DESC"
                + (limit == nil ? "" : " LIMIT \(max(0, limit!))")
            return try Row.fetchAll(db, sql: sql, arguments: [key]).reversed().map { row in
                EventRecord(
                    runID: runID, step: SQLiteValues.int(row, 0), at: SQLiteValues.real(row, 1) ?? 0,
                    kind: EventKind(rawValue: SQLiteValues.text(row, 2) ?? "") ?? .info,
                    source: SQLiteValues.text(row, 3) ?? "", message: SQLiteValues.text(row, 4) ?? "",
                    details: SQLiteValues.text(row, 5))
            }
        }
    }

    public func verify(runID: String) async throws -> VerifyReport {
        try await read("verify \(runID)") { db in
            let (key, run) = try Self.runRow(db, runID)
            let records = try Self.stepRecords(db, runKey: key, runID: runID)
            let recordByStep = Dictionary(records.map { ($0.step, $0) }, uniquingKeysWith: { a, _ in a })
            let dataSteps = try Int.fetchAll(
                db, sql: "SELECT DISTINCT step FROM groups WHERE run_key = ? UNION SELECT DISTINCT step FROM batches WHERE run_key = ?",
                arguments: [key, key])
            var verifier = ChainVerifier(run: run, headStep: records.last?.step)
            for step in Set(dataSteps).union(recordByStep.keys).sorted() {
                var checked: [Digest256: ContentCheck] = [:]
                let groups = try Self.loadGroups(db, runKey: key, runID: runID, step: step)
                let batches = try Self.storedBatches(db, runKey: key, step: step).map(\.batch)
                let ok = verifier.check(step: step, record: recordByStep[step], groups: groups, batches: batches) { d, kind in
                    if let known = checked[d] { return known }
                    let result: ContentCheck
                    if let bytes = try? Self.content(db, runKey: key, step: step, d, kind) {
                        result = FastSHA256.digest(bytes) == d ? .ok : .mismatch
                    } else {
                        result = .missing
                    }
                    checked[d] = result
                    return result
                }
                if !ok { break }
            }
            verifier.finish()
            return verifier.report()
        }
    }
}
