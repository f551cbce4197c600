import Foundation
import GRDB

#if canImport(GRDBSQLite)
    import GRDBSQLite
#endif

/// Copies the write-ahead log into the database file from a second connection on its own
/// queue, so the writer connection never spends its time on checkpoints.
///
/// SQLite's automatic checkpoint runs on the writer, inside the commit that crosses the
/// threshold: the writer stops appending while it copies tens of megabytes of pages. Here the
/// writer's automatic checkpoint is off and its WAL hook reports the log's length after each
/// commit:
///
/// - from `softFrames` on, a PASSIVE checkpoint is queued on the checkpoint connection (at
///   most one queued or running); it copies what is committed, never waits for anyone and
///   never blocks the writer or readers;
/// - a passive checkpoint cannot rewind the log while the writer keeps appending (SQLite
///   restarts the log only when a write begins with every frame copied), so from
///   `hardFrames` on the writer itself runs a RESTART checkpoint before its next transaction.
///   It first lets a running passive checkpoint finish (and starts no new one), so little is
///   left to copy; it waits at most `restartWait` for readers still on the old log, and after a
///   refusal it is not tried again until another `softFrames` frames have been appended (a long
///   export does not stall writes).
///
/// The log is bounded by about `hardFrames` plus one transaction, plus what readers pin.
final class WALCheckpointer: @unchecked Sendable {
    let softFrames: Int
    let hardFrames: Int
    let restartWait: Double
    private let writerBusyTimeout: Double
    private let queue = DispatchQueue(label: "arbiter.store.checkpoint")
    private let lock = NSLock()
    private var frames = 0
    private var restartFloor = 0
    private var queued = false
    private var restartPending = false
    private var closed = false
    private var connection: DatabaseQueue?
    private var statistics = WALCheckpointStatistics()

    /// - Parameters:
    ///   - softFrames: log length (pages) from which passive checkpoints run in the background.
    ///   - hardFrames: log length from which the writer rewinds the log before its next write.
    ///   - restartWait: longest the writer waits for readers when rewinding, seconds.
    ///   - writerBusyTimeout: the writer's normal busy timeout, restored after a rewind.
    init(softFrames: Int, hardFrames: Int, restartWait: Double = 0.2, writerBusyTimeout: Double) {
        self.softFrames = max(1, softFrames)
        self.hardFrames = max(self.softFrames, hardFrames)
        self.restartWait = restartWait
        self.writerBusyTimeout = writerBusyTimeout
    }

    var stats: WALCheckpointStatistics {
        lock.lock()
        defer { lock.unlock() }
        var s = statistics
        s.frames = frames
        return s
    }

    /// Installs the WAL hook on the writer connection (which must have automatic checkpoints off).
    /// Returns false where SQLite's C API is not importable (the caller keeps automatic checkpoints).
    func install(on db: Database) -> Bool {
        #if canImport(GRDBSQLite)
            // The hook's context is unretained: the pool's configuration closure that calls this
            // holds the checkpointer for as long as the pool has connections.
            sqlite3_wal_hook(
                db.sqliteConnection,
                { context, _, _, frames in
                    if let context {
                        Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(frames: Int(frames))
                    }
                    return SQLITE_OK
                }, Unmanaged.passUnretained(self).toOpaque())
            return true
        #else
            return false
        #endif
    }

    /// Opens the checkpoint connection (after the file exists and is in WAL mode).
    func open(path: String, busyTimeout: Double) throws {
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "arbiter.store.checkpoint"
        let c = try DatabaseQueue(path: path, configuration: config)
        lock.lock()
        connection = c
        lock.unlock()
    }

    /// Called by the WAL hook on the writer's thread after every commit.
    private func committed(frames n: Int) {
        lock.lock()
        if n < frames { restartFloor = 0 }  // the log was rewound
        frames = n
        statistics.peakFrames = max(statistics.peakFrames, n)
        let start = n >= softFrames && !queued && !closed && !restartPending && connection != nil
        if start { queued = true }
        lock.unlock()
        if start { queue.async { self.passive() } }
    }

    private func passive() {
        lock.lock()
        let c = closed ? nil : connection
        lock.unlock()
        var failure: String?
        if let c {
            do {
                try c.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch {
                failure = "\(error)"
            }
        }
        lock.lock()
        queued = false
        if c != nil { statistics.passive += 1 }
        if let failure { statistics.lastError = failure }
        lock.unlock()
    }

    /// Whether the writer should rewind the log before its next transaction.
    var needsRestart: Bool {
        lock.lock()
        defer { lock.unlock() }
        return !closed && frames >= hardFrames && frames >= restartFloor
    }

    /// Rewinds the log on the writer connection (outside any transaction).
    func restart(_ db: Database) {
        #if canImport(GRDBSQLite)
            // No new passive checkpoint starts meanwhile; the running one (which holds SQLite's
            // checkpoint lock) finishes first, so what is left to copy here is small.
            lock.lock()
            restartPending = true
            lock.unlock()
            queue.sync {}
            defer {
                lock.lock()
                restartPending = false
                lock.unlock()
            }
            sqlite3_busy_timeout(db.sqliteConnection, Int32(restartWait * 1000))
            defer { sqlite3_busy_timeout(db.sqliteConnection, Int32(writerBusyTimeout * 1000)) }
            var log: Int32 = -1
            var copied: Int32 = -1
            let rc = sqlite3_wal_checkpoint_v2(db.sqliteConnection, nil, SQLITE_CHECKPOINT_RESTART, &log, &copied)
            lock.lock()
            defer { lock.unlock() }
            if rc == SQLITE_OK {
                // The next write starts the log from its beginning.
                statistics.restarts += 1
                frames = 0
                restartFloor = 0
            } else {
                statistics.refusedRestarts += 1
                if rc != SQLITE_BUSY { statistics.lastError = String(cString: sqlite3_errstr(rc)) }
                restartFloor = frames + softFrames
            }
        #endif
    }

    /// Waits for a queued checkpoint and closes the checkpoint connection. Idempotent.
    func close() throws {
        lock.lock()
        closed = true
        lock.unlock()
        queue.sync {}
        lock.lock()
        let c = connection
        connection = nil
        lock.unlock()
        try c?.close()
    }
}

/// What the background checkpointer did (`SQLiteRewardStore.checkpointStatistics`).
public struct WALCheckpointStatistics: Sendable, Hashable, Codable {
    /// Passive checkpoints run on the checkpoint connection.
    public var passive = 0
    /// Restarts run by the writer that rewound the log.
    public var restarts = 0
    /// Restarts refused because readers or a running checkpoint held the log.
    public var refusedRestarts = 0
    /// Most frames (pages) the log held after a commit.
    public var peakFrames = 0
    /// Frames the log held after the latest commit.
    public var frames = 0
    /// The last checkpoint error, if any.
    public var lastError: String?
}
