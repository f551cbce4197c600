import ArbiterCore
import Foundation
import GRDB
import Testing

@testable import ArbiterStore

/// The background checkpointer keeps the write-ahead log bounded without the writer doing the
/// copying, and a reader that pins the log slows neither writes nor loses anything.
@Suite(.serialized) struct CheckpointTests {
    /// Small pages and limits, so a few hundred groups cross them many times.
    static let options = SQLiteRewardStore.Options(
        walAutocheckpointPages: 64, pageSize: 4_096, backgroundCheckpoints: true, walRestartPages: 256, walRestartWait: 0.02)

    static let log = SyntheticRewardLog(
        runID: "ckpt", shape: .init(samplesPerGroup: 4, judgeCallsPerSample: 4, completionTokens: 16, promptTokens: 8))

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Writes `steps` steps of `groups` groups, one transaction per 5 groups, committing each step.
    static func write(_ store: SQLiteRewardStore, steps: Range<Int>, groups: Int = 40) async throws {
        for step in steps {
            for first in stride(from: 0, to: groups, by: 5) {
                try await store.appendGroups((first..<min(groups, first + 5)).map { log.group(step: step, index: $0) })
            }
            _ = try await store.commitStep(runID: log.runID, step: step, policyVersion: PolicyVersion(step), committedAt: Double(step))
        }
    }

    @Test func theLogStaysBoundedAndItsPagesReachTheDatabaseFile() async throws {
        let path = TestFiles.freshPath("ckpt.sqlite")
        let store = try SQLiteRewardStore(path: path, options: Self.options)
        try await store.createRun(Self.log.run(startedAt: 0))
        try await Self.write(store, steps: 0..<12)
        // Let a queued passive checkpoint finish before reading the counters.
        try store.checkpointer?.close()
        let stats = try #require(store.checkpointStatistics)
        #expect(stats.passive > 0, "\(stats)")
        #expect(stats.lastError == nil, "\(stats)")
        // (The log rewinds by itself when a passive checkpoint has caught up before a write
        // begins; the writer's RESTART is only needed under sustained writing.)
        // Bounded: the rewind limit plus what one transaction adds (5 groups here, well under 256 pages).
        #expect(stats.peakFrames < Self.options.walRestartPages + 256, "\(stats)")
        // The pages reached the database file, not only the log.
        #expect(Self.fileSize(path) > 400 * 4_096)
        #expect(try await store.verify(runID: Self.log.runID).ok)
        try store.close()
        let reopened = try SQLiteRewardStore(path: path, options: Self.options)
        #expect(try await reopened.verify(runID: Self.log.runID).verifiedSteps == 12)
        try reopened.close()
    }

    @Test func aReaderPinningTheLogDelaysTheRewindButNotTheWrites() async throws {
        let path = TestFiles.freshPath("pinned.sqlite")
        let store = try SQLiteRewardStore(path: path, options: Self.options)
        try await store.createRun(Self.log.run(startedAt: 0))
        try await Self.write(store, steps: 0..<2)
        // Another connection holds a read snapshot open (as a long export would), on its own thread.
        let reader = try DatabaseQueue(path: path)
        let pin = PinnedReader(reader)
        let seen = pin.start()
        #expect(seen == 2 * 40 * 4)
        try await Self.write(store, steps: 2..<10)
        let pinned = try #require(store.checkpointStatistics)
        #expect(pinned.refusedRestarts > 0, "\(pinned)")
        // Refusals back off: one per `walAutocheckpointPages` of growth, not one per write (64 writes here).
        #expect(pinned.refusedRestarts < 40, "\(pinned)")
        // The snapshot is still the old one, and the writes all landed.
        #expect(pin.finish() == seen)
        try reader.close()
        #expect(pinned.frames > Self.options.walRestartPages, "\(pinned)")
        try await Self.write(store, steps: 10..<16)
        let after = try #require(store.checkpointStatistics)
        // Once the reader is gone the log is rewound again: by the writer or by SQLite itself.
        #expect(after.frames < Self.options.walRestartPages, "\(after)")
        let report = try await store.verify(runID: Self.log.runID)
        #expect(report.ok && report.verifiedSteps == 16, "\(report)")
        try store.close()
    }

    @Test func checkpointsOnTheWriterStillWork() async throws {
        var options = Self.options
        options.backgroundCheckpoints = false
        let path = TestFiles.freshPath("foreground.sqlite")
        let store = try SQLiteRewardStore(path: path, options: options)
        #expect(store.checkpointStatistics == nil)
        try await store.createRun(Self.log.run(startedAt: 0))
        try await Self.write(store, steps: 0..<4)
        let autocheckpoint = try await store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
        #expect(autocheckpoint == 64)
        #expect(Self.fileSize(path) > 100 * 4_096)
        #expect(try await store.verify(runID: Self.log.runID).verifiedSteps == 4)
        try store.close()
    }
}

/// A read transaction held open on a thread of its own until `finish`.
private final class PinnedReader: @unchecked Sendable {
    private let reader: DatabaseQueue
    private let started = DispatchSemaphore(value: 0)
    private let release = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var first = -1
    private var last = -1

    init(_ reader: DatabaseQueue) { self.reader = reader }

    /// Opens the snapshot; returns the rollouts it sees.
    func start() -> Int {
        Thread {
            try? self.reader.read { db in
                self.first = try Int.fetchOne(db, sql: "SELECT count(*) FROM rollouts") ?? -1
                self.started.signal()
                self.release.wait()
                self.last = try Int.fetchOne(db, sql: "SELECT count(*) FROM rollouts") ?? -1
            }
            self.done.signal()
        }.start()
        started.wait()
        return first
    }

    /// Counts again inside the same snapshot, then ends it.
    func finish() -> Int {
        release.signal()
        done.wait()
        return last
    }
}
