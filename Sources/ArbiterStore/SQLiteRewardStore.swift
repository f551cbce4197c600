import ArbiterCore
import Foundation
import GRDB

/// The SQLite reward log: WAL mode (`DatabasePool`), one writer, concurrent readers.
///
/// Opening runs the schema migrations (idempotent). Appends go through prepared statements
/// inside one transaction per call; `StoreWriter` batches groups into such calls off the
/// scheduling path. Append-only tables carry triggers that abort UPDATE and DELETE; `verify`
/// still recomputes every hash, so dropping the triggers with the sqlite3 shell does not hide an edit.
public final class SQLiteRewardStore: RewardStore {
    /// How durable a commit is.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// Commits survive a process crash; the last ones may be lost on power failure (WAL + NORMAL).
        case normal = "NORMAL"
        /// Commits survive power failure (fsync per commit).
        case full = "FULL"
        /// No syncing at all (benchmarks of the CPU path only).
        case off = "OFF"
    }

    /// Open options.
    public struct Options: Sendable {
        /// Durability of commits.
        public var synchronous: Synchronous
        /// Page cache per connection, MiB.
        public var cacheSizeMiB: Int
        /// WAL pages from which the log is checkpointed (in the background, or by SQLite's
        /// automatic checkpoint on the writer when `backgroundCheckpoints` is off).
        public var walAutocheckpointPages: Int
        /// Checkpoint from a second connection on its own queue instead of on the writer
        /// (`WALCheckpointer`); the writer only rewinds the log once it reaches `walRestartPages`.
        public var backgroundCheckpoints: Bool
        /// WAL pages from which the writer rewinds the log before its next transaction
        /// (background checkpoints only; at least `walAutocheckpointPages`).
        public var walRestartPages: Int
        /// Longest the writer waits for readers still on the log when rewinding it, seconds;
        /// after a refusal it tries again only once the log has grown by `walAutocheckpointPages`.
        public var walRestartWait: Double
        /// How long a connection waits for a lock held by another process, seconds.
        public var busyTimeout: Double
        /// Concurrent readers.
        public var maximumReaderCount: Int
        /// Page size of a new file, bytes (a power of two, 512…65536; an existing file keeps
        /// its own). 16 KiB pages write the log's wide rows about 1.2–1.5× faster than SQLite's
        /// 4 KiB default (docs/performance-store.md).
        public var pageSize: Int

        /// Creates options.
        public init(
            synchronous: Synchronous = .normal, cacheSizeMiB: Int = 64, walAutocheckpointPages: Int = 4_096,
            busyTimeout: Double = 10, maximumReaderCount: Int = 4, pageSize: Int = 16_384, backgroundCheckpoints: Bool = true,
            walRestartPages: Int = 8_192, walRestartWait: Double = 0.2
        ) {
            self.walRestartWait = walRestartWait
            self.pageSize = pageSize
            self.backgroundCheckpoints = backgroundCheckpoints
            self.walRestartPages = walRestartPages
            self.synchronous = synchronous
            self.cacheSizeMiB = cacheSizeMiB
            self.walAutocheckpointPages = walAutocheckpointPages
            self.busyTimeout = busyTimeout
            self.maximumReaderCount = maximumReaderCount
        }
    }

    /// The file.
    public let path: String
    let pool: DatabasePool
    /// Present when checkpoints run in the background.
    let checkpointer: WALCheckpointer?

    /// Opens (creating when absent) and migrates the store at `path`.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(options.busyTimeout)
        config.maximumReaderCount = max(1, options.maximumReaderCount)
        config.foreignKeysEnabled = false
        config.label = "arbiter.store"
        let opts = options
        let pageSize = options.pageSize
        guard pageSize >= 512, pageSize <= 65_536, pageSize & (pageSize - 1) == 0 else {
            throw StoreError(.invalidInput, "page size \(pageSize) is not a power of two in 512...65536", context: path)
        }
        let checkpointer =
            options.backgroundCheckpoints
            ? WALCheckpointer(
                softFrames: max(1, options.walAutocheckpointPages), hardFrames: options.walRestartPages,
                restartWait: max(0, options.walRestartWait), writerBusyTimeout: options.busyTimeout)
            : nil
        config.prepareDatabase { db in
            // Takes effect only while the file is still empty (before the first table).
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA page_size = \(pageSize)") }
            try db.execute(sql: "PRAGMA synchronous = \(opts.synchronous.rawValue)")
            try db.execute(sql: "PRAGMA cache_size = -\(max(1, opts.cacheSizeMiB) * 1024)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA journal_size_limit = \(max(0, opts.walAutocheckpointPages) * pageSize)")
                // Turning automatic checkpoints off removes SQLite's own WAL hook; the
                // checkpointer's goes in after it.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                if checkpointer?.install(on: db) != true {
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(0, opts.walAutocheckpointPages))")
                }
            }
        }
        self.checkpointer = checkpointer
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
            try checkpointer?.open(path: path, busyTimeout: options.busyTimeout)
        } catch let e as DatabaseError {
            throw StoreError(.database, "cannot open the reward log: \(e.message ?? e.description)", context: path)
        }
    }

    /// What the background checkpointer has done so far (nil when checkpoints run on the writer).
    public var checkpointStatistics: WALCheckpointStatistics? { checkpointer?.stats }

    /// Closes the connections (further calls fail).
    public func close() throws {
        try checkpointer?.close()
        try pool.close()
    }

    /// Runs `body` in a write transaction, mapping database errors to `StoreError`.
    func write<T: Sendable>(_ what: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            if let c = checkpointer, c.needsRestart {
                try await pool.writeWithoutTransaction { db in c.restart(db) }
            }
            return try await pool.write(body)
        } catch let e as DatabaseError {
            throw Self.map(e, what)
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot), mapping database errors.
    func read<T: Sendable>(_ what: String, _ body: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let e as DatabaseError {
            throw Self.map(e, what)
        }
    }

    static func map(_ e: DatabaseError, _ what: String) -> StoreError {
        let message = e.message ?? e.description
        switch e.resultCode {
        case .SQLITE_CONSTRAINT:
            if message.contains("append-only") { return StoreError(.appendOnly, message, context: what) }
            return StoreError(.duplicate, message, context: what)
        default:
            return StoreError(.database, message, context: what)
        }
    }

    /// The run's key and record, or `.notFound`.
    static func runRow(_ db: Database, _ runID: String) throws -> (key: Int64, record: RunRecord) {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(runColumns) FROM runs WHERE run_id = ?"), arguments: [runID])
        else { throw StoreError(.notFound, "no run '\(runID)'") }
        return (row[0], try runRecord(row, from: 1))
    }

    static let runColumns =
        "run_key, run_id, name, mode, config_yaml, config_hash, code_version, run_group, started_at, ended_at, status, final_step, final_hash"

    static func runRecord(_ row: Row, from i: Int) throws -> RunRecord {
        RunRecord(
            id: SQLiteValues.text(row, i) ?? "", name: SQLiteValues.text(row, i + 1) ?? "",
            mode: RunMode(rawValue: SQLiteValues.text(row, i + 2) ?? "") ?? .train,
            configYAML: SQLiteValues.text(row, i + 3) ?? "", configHash: SQLiteValues.text(row, i + 4) ?? "",
            codeVersion: SQLiteValues.text(row, i + 5) ?? "", runGroup: SQLiteValues.text(row, i + 6),
            startedAt: SQLiteValues.real(row, i + 7) ?? 0, endedAt: SQLiteValues.real(row, i + 8),
            status: RunStatus(rawValue: SQLiteValues.text(row, i + 9) ?? "") ?? .running,
            finalStep: SQLiteValues.int(row, i + 10), finalHash: SQLiteValues.text(row, i + 11))
    }
}
