import Foundation
import GRDB

extension SQLiteRewardStore {
    /// Tables of the current schema that only ever receive INSERTs (each has the two triggers
    /// of `appendOnlyTriggers`).
    static let appendOnlyTables = [
        "steps", "prompts", "texts", "token_arrays", "groups", "consumed_prompts", "rollouts", "advantage_configs",
        "judge_configs", "judge_criteria", "judge_calls", "batch_samples", "events",
    ]

    /// The triggers that make `table` append-only; `delete: false` gives only the UPDATE one (a
    /// migration that dropped it to move data recreates it; the DELETE one stayed).
    static func appendOnlyTriggers(_ table: String, delete: Bool = true) -> String {
        var sql = """
            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'arbiter: \(table) is append-only'); END;

            """
        if delete {
            sql += """
                CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
                BEGIN SELECT RAISE(ABORT, 'arbiter: \(table) is append-only'); END;

                """
        }
        return sql
    }

    /// The schema migrations. Each runs once per file (GRDB records applied ones), so opening is idempotent.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-reward-log") { db in
            try db.execute(sql: schemaV1)
            for t in [
                "steps", "prompts", "texts", "token_arrays", "groups", "consumed_prompts", "rollouts", "judge_configs",
                "judge_calls", "reward_components", "rewards", "advantages", "batch_samples", "events",
            ] {
                try db.execute(sql: appendOnlyTriggers(t))
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER batches_no_update BEFORE UPDATE OF batch_key, run_key, step, batch_id, payload_hash, created_at ON batches
                    BEGIN SELECT RAISE(ABORT, 'arbiter: batches are append-only except delivery state'); END;
                    CREATE TRIGGER batches_no_delete BEFORE DELETE ON batches
                    BEGIN SELECT RAISE(ABORT, 'arbiter: batches is append-only'); END;
                    CREATE TRIGGER runs_no_update BEFORE UPDATE OF run_key, run_id, name, mode, config_yaml, config_hash, code_version, run_group, started_at ON runs
                    BEGIN SELECT RAISE(ABORT, 'arbiter: runs are append-only except status, end time and final hash'); END;
                    CREATE TRIGGER runs_final_once BEFORE UPDATE OF final_step, final_hash ON runs WHEN OLD.final_hash IS NOT NULL
                    BEGIN SELECT RAISE(ABORT, 'arbiter: a run''s final hash is append-only'); END;
                    CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs
                    BEGIN SELECT RAISE(ABORT, 'arbiter: runs is append-only'); END;
                    """)
        }
        m.registerMigration("v2-inline-request-texts") { db in
            // A request text used once in its group is stored in its judge-call row
            // (docs/store.md); rows written before keep theirs in `texts` (NULL here).
            try db.execute(sql: "ALTER TABLE judge_calls ADD COLUMN request_text BLOB")
        }
        m.registerMigration("v3-compact-rows") { db in try migrateScoresIntoRolloutRows(db) }
        return m
    }

    /// Version 3 keeps a rollout's components, reward and advantage in its own row (one insert
    /// per rollout instead of six) and keys judge calls by one integer (docs/store.md). Rows
    /// written before move over here, once; the three old tables are dropped and judge_calls
    /// is rebuilt. Group digests hash the logical records, not the layout, so a moved log
    /// still verifies.
    static func migrateScoresIntoRolloutRows(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE rollouts ADD COLUMN components BLOB;
                ALTER TABLE rollouts ADD COLUMN training_reward REAL;
                ALTER TABLE rollouts ADD COLUMN reward_aggregates TEXT;
                ALTER TABLE rollouts ADD COLUMN advantage_config_key INTEGER;
                ALTER TABLE rollouts ADD COLUMN advantage REAL;
                ALTER TABLE rollouts ADD COLUMN flow_target REAL;
                CREATE TABLE advantage_configs (
                    advantage_config_key INTEGER PRIMARY KEY,
                    estimator TEXT NOT NULL,
                    params_hash TEXT NOT NULL,
                    UNIQUE (estimator, params_hash)
                );
                \(appendOnlyTriggers("advantage_configs"))
                DROP TRIGGER rollouts_no_update;
                INSERT OR IGNORE INTO advantage_configs (estimator, params_hash)
                  SELECT estimator, params_hash FROM advantages ORDER BY rollout_key;
                UPDATE rollouts SET training_reward = rw.training_reward, reward_aggregates = rw.aggregates
                  FROM rewards rw WHERE rw.rollout_key = rollouts.rollout_key;
                UPDATE rollouts SET advantage_config_key = ac.advantage_config_key, advantage = a.value, flow_target = a.flow_target
                  FROM advantages a JOIN advantage_configs ac ON ac.estimator = a.estimator AND ac.params_hash = a.params_hash
                  WHERE a.rollout_key = rollouts.rollout_key;
                """)
        // Components: one blob per rollout (an empty list where a rollout had no component rows).
        try db.execute(sql: "UPDATE rollouts SET components = ?", arguments: [Data(BlobCoding.components([]))])
        let update = try db.makeStatement(sql: "UPDATE rollouts SET components = ? WHERE rollout_key = ?")
        let rows = try Row.fetchCursor(
            db, sql: "SELECT rollout_key, name, value, weight, ordinal FROM reward_components ORDER BY rollout_key, ordinal")
        var current: Int64?
        var list: [StoredComponent] = []
        func flush() throws {
            guard let key = current else { return }
            try update.execute(arguments: [Data(BlobCoding.components(list)), key])
            list = []
        }
        while let row = try rows.next() {
            let key: Int64 = row[0]
            if key != current {
                try flush()
                current = key
            }
            list.append(
                StoredComponent(
                    ordinal: SQLiteValues.int(row, 4) ?? Int.min, name: SQLiteValues.text(row, 1) ?? "", value: SQLiteValues.real(row, 2),
                    weight: SQLiteValues.real(row, 3) ?? .nan))
        }
        try flush()
        try db.execute(
            sql: """
                DROP TABLE reward_components;
                DROP TABLE rewards;
                DROP TABLE advantages;
                \(appendOnlyTriggers("rollouts", delete: false))
                """)
        // Judge calls: keyed by one integer, (rollout key << 12) | call index, so an insert appends to
        // the table's own B-tree instead of maintaining a composite key (docs/store.md).
        if let bad = try Int.fetchOne(
            db, sql: "SELECT call_index FROM judge_calls WHERE call_index < 0 OR call_index >= \(judgeCallsPerRollout) LIMIT 1")
        {
            throw StoreError(.corrupt, "judge call index \(bad) is outside 0..<\(judgeCallsPerRollout); cannot move to layout v3")
        }
        // Criterion metadata (with its judge configuration) is stored once per distinct criterion
        // (`judge_criteria`); a judge call names it by key.
        try db.execute(
            sql: """
                CREATE TABLE judge_criteria (
                    judge_criterion_key INTEGER PRIMARY KEY,
                    judge_config_key INTEGER NOT NULL,
                    criterion_id TEXT,
                    dimension TEXT,
                    criterion_weight INTEGER
                );
                CREATE INDEX judge_criteria_by_content ON judge_criteria(judge_config_key, criterion_id, dimension, criterion_weight);
                \(appendOnlyTriggers("judge_criteria"))
                INSERT INTO judge_criteria (judge_config_key, criterion_id, dimension, criterion_weight)
                  SELECT judge_config_key, criterion_id, dimension, criterion_weight FROM judge_calls
                  GROUP BY judge_config_key, criterion_id, dimension, criterion_weight ORDER BY min(rollout_key * 4096 + call_index);
                CREATE TABLE judge_calls_v3 (
                    judge_call_key INTEGER PRIMARY KEY,
                    rollout_key INTEGER GENERATED ALWAYS AS (judge_call_key >> 12) VIRTUAL,
                    call_index INTEGER GENERATED ALWAYS AS (judge_call_key & 4095) VIRTUAL,
                    judge_criterion_key INTEGER NOT NULL,
                    request_hash BLOB NOT NULL,
                    raw_response BLOB,
                    status TEXT NOT NULL,
                    met INTEGER,
                    latency REAL,
                    prompt_tokens INTEGER,
                    completion_tokens INTEGER,
                    cache_hit INTEGER NOT NULL,
                    error BLOB,
                    request_text BLOB
                );
                INSERT INTO judge_calls_v3 (judge_call_key, judge_criterion_key,
                  request_hash, raw_response, status, met, latency, prompt_tokens, completion_tokens, cache_hit, error, request_text)
                SELECT (j.rollout_key << 12) | j.call_index, c.judge_criterion_key,
                  j.request_hash, j.raw_response, j.status, j.met, j.latency, j.prompt_tokens, j.completion_tokens, j.cache_hit,
                  j.error, j.request_text
                FROM judge_calls j JOIN judge_criteria c ON c.judge_config_key = j.judge_config_key
                  AND c.criterion_id IS j.criterion_id AND c.dimension IS j.dimension AND c.criterion_weight IS j.criterion_weight
                ORDER BY j.rollout_key, j.call_index;
                DROP TABLE judge_calls;
                ALTER TABLE judge_calls_v3 RENAME TO judge_calls;
                \(appendOnlyTriggers("judge_calls"))
                """)
        // Each group row counts its judge calls, so sealing a step sums a few hundred group rows
        // instead of joining every call of the step.
        try db.execute(
            sql: """
                ALTER TABLE groups ADD COLUMN judge_call_count INTEGER;
                DROP TRIGGER groups_no_update;
                UPDATE groups SET judge_call_count = (
                  SELECT count(*) FROM rollouts r \(judgeCallsOfRollout) WHERE r.group_key = groups.group_key);
                \(appendOnlyTriggers("groups", delete: false))
                """)
    }

    /// Judge calls one rollout may have (12 bits of the judge-call key).
    static let judgeCallsPerRollout = 4096

    /// The joins from judge calls (alias `j`) to their criterion (`jcr`) and judge configuration (`jc`).
    static let judgeCriterionJoins = """
        LEFT JOIN judge_criteria jcr ON jcr.judge_criterion_key = j.judge_criterion_key
        LEFT JOIN judge_configs jc ON jc.judge_config_key = jcr.judge_config_key
        """

    /// The join from rollouts (alias `r`) to their judge calls (alias `j`): a range of the judge-call key.
    static let judgeCallsOfRollout =
        "JOIN judge_calls j ON j.judge_call_key >= (r.rollout_key << 12) AND j.judge_call_key < ((r.rollout_key + 1) << 12)"

    static let schemaV1 = """
        CREATE TABLE runs (
            run_key INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            mode TEXT NOT NULL,
            config_yaml BLOB NOT NULL,
            config_hash TEXT NOT NULL,
            code_version TEXT NOT NULL,
            run_group TEXT,
            started_at REAL NOT NULL,
            ended_at REAL,
            status TEXT NOT NULL,
            final_step INTEGER,
            final_hash TEXT
        );
        CREATE INDEX runs_by_group ON runs(run_group);

        CREATE TABLE steps (
            run_key INTEGER NOT NULL,
            step INTEGER NOT NULL,
            policy_version INTEGER,
            committed_at REAL NOT NULL,
            group_count INTEGER NOT NULL,
            rollout_count INTEGER NOT NULL,
            judge_call_count INTEGER NOT NULL,
            batch_count INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            record_hash TEXT NOT NULL,
            PRIMARY KEY (run_key, step)
        ) WITHOUT ROWID;

        CREATE TABLE prompts (
            prompt_id TEXT PRIMARY KEY,
            dataset TEXT NOT NULL,
            text_hash TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE texts (
            text_key INTEGER PRIMARY KEY,
            run_key INTEGER NOT NULL,
            step INTEGER NOT NULL,
            hash BLOB NOT NULL,
            content BLOB NOT NULL,
            UNIQUE (run_key, step, hash)
        );

        CREATE TABLE token_arrays (
            array_key INTEGER PRIMARY KEY,
            run_key INTEGER NOT NULL,
            step INTEGER NOT NULL,
            hash BLOB NOT NULL,
            content BLOB NOT NULL,
            UNIQUE (run_key, step, hash)
        );

        CREATE TABLE groups (
            group_key INTEGER PRIMARY KEY,
            run_key INTEGER NOT NULL,
            step INTEGER NOT NULL,
            group_id TEXT NOT NULL,
            prompt_id TEXT NOT NULL,
            partial INTEGER NOT NULL,
            sample_count INTEGER NOT NULL,
            digest BLOB NOT NULL,
            UNIQUE (run_key, group_id)
        );
        CREATE INDEX groups_by_step ON groups(run_key, step);

        CREATE TABLE consumed_prompts (
            run_key INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            prompt_id TEXT NOT NULL,
            ordinal INTEGER,
            group_key INTEGER NOT NULL,
            PRIMARY KEY (run_key, epoch, prompt_id)
        ) WITHOUT ROWID;
        CREATE INDEX consumed_by_group ON consumed_prompts(group_key);

        CREATE TABLE rollouts (
            rollout_key INTEGER PRIMARY KEY,
            group_key INTEGER NOT NULL,
            run_key INTEGER NOT NULL,
            rollout_id TEXT NOT NULL,
            prompt_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            endpoint TEXT NOT NULL,
            policy_version INTEGER NOT NULL,
            requested_at REAL,
            first_token_at REAL,
            completed_at REAL,
            prompt_text_hash BLOB NOT NULL,
            prompt_tokens_hash BLOB,
            completion_text BLOB NOT NULL,
            completion_token_ids BLOB,
            completion_logprobs BLOB,
            finish_reason TEXT NOT NULL,
            truncated INTEGER NOT NULL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER NOT NULL,
            parse_status TEXT,
            UNIQUE (run_key, rollout_id)
        );
        CREATE INDEX rollouts_by_group ON rollouts(group_key);

        CREATE TABLE judge_configs (
            judge_config_key INTEGER PRIMARY KEY,
            template_hash TEXT NOT NULL,
            judge_model TEXT NOT NULL,
            judge_params TEXT NOT NULL,
            UNIQUE (template_hash, judge_model, judge_params)
        );

        CREATE TABLE judge_calls (
            rollout_key INTEGER NOT NULL,
            call_index INTEGER NOT NULL,
            judge_config_key INTEGER NOT NULL,
            criterion_id TEXT,
            dimension TEXT,
            criterion_weight INTEGER,
            request_hash BLOB NOT NULL,
            raw_response BLOB,
            status TEXT NOT NULL,
            met INTEGER,
            latency REAL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cache_hit INTEGER NOT NULL,
            error BLOB,
            PRIMARY KEY (rollout_key, call_index)
        ) WITHOUT ROWID;

        CREATE TABLE reward_components (
            rollout_key INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            name TEXT NOT NULL,
            value REAL,
            weight REAL NOT NULL,
            PRIMARY KEY (rollout_key, ordinal)
        ) WITHOUT ROWID;

        CREATE TABLE rewards (
            rollout_key INTEGER PRIMARY KEY,
            training_reward REAL,
            aggregates TEXT NOT NULL
        );

        CREATE TABLE advantages (
            rollout_key INTEGER PRIMARY KEY,
            estimator TEXT NOT NULL,
            params_hash TEXT NOT NULL,
            value REAL NOT NULL,
            flow_target REAL
        );

        CREATE TABLE batches (
            batch_key INTEGER PRIMARY KEY,
            run_key INTEGER NOT NULL,
            step INTEGER NOT NULL,
            batch_id TEXT NOT NULL,
            payload_hash TEXT NOT NULL,
            created_at REAL NOT NULL,
            delivery_attempts INTEGER NOT NULL DEFAULT 0,
            delivery_outcome TEXT NOT NULL DEFAULT 'pending',
            trainer_policy_version INTEGER,
            delivery_updated_at REAL,
            UNIQUE (run_key, batch_id)
        );
        CREATE INDEX batches_by_step ON batches(run_key, step);

        CREATE TABLE batch_samples (
            batch_key INTEGER NOT NULL,
            position INTEGER NOT NULL,
            rollout_id TEXT NOT NULL,
            loss_weight REAL NOT NULL,
            PRIMARY KEY (batch_key, position)
        ) WITHOUT ROWID;
        CREATE INDEX batch_samples_by_rollout ON batch_samples(rollout_id);

        CREATE TABLE events (
            event_key INTEGER PRIMARY KEY,
            run_key INTEGER NOT NULL,
            step INTEGER,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            message TEXT NOT NULL,
            details TEXT
        );
        CREATE INDEX events_by_run ON events(run_key, event_key);
        """
}
