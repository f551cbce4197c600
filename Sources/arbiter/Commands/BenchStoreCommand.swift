import ArbiterCore
import ArbiterStore
import ArgumentParser
import Foundation

/// `arbiter bench store`: write throughput of the SQLite reward log (see docs/performance-store.md).
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Measure reward-log write throughput (rollout and verdict rows per second).",
        discussion: """
            Generates synthetic groups in memory first (not timed), then times writing them through \
            StoreWriter into a fresh SQLite file: encoding, hashing, batched transactions, WAL \
            checkpoints and one step commit every --groups/--steps groups. Scenarios: rollouts \
            (no judge calls), verdicts (small rollouts, many judge calls with distinct request texts), \
            verdicts-shared (one request text per sample), mixed. Build with -c release: \
            swift build -c release --product arbiter.
            """
    )

    enum Scenario: String, ExpressibleByArgument, CaseIterable {
        case rollouts, verdicts
        case verdictsShared = "verdicts-shared"
        case mixed, all
    }

    @Option(help: "Scenario: rollouts, verdicts, verdicts-shared, mixed or all.")
    var scenario: Scenario = .all

    @Option(help: "Rollout rows to write in the rollouts and mixed scenarios.")
    var rollouts = 200_000

    @Option(help: "Verdict rows to write in the verdict scenarios.")
    var verdicts = 1_000_000

    @Option(help: "Step commits per scenario.")
    var steps = 10

    @Option(help: "Folder for the benchmark files (default: a temporary folder, removed afterwards).")
    var dir: String?

    @Option(help: "PRAGMA synchronous: NORMAL, FULL or OFF.")
    var synchronous: String = "NORMAL"

    @Option(name: .customLong("page-size"), help: "SQLite page size of the new files, bytes (the store's default: 16384).")
    var pageSize = 16_384

    @Option(name: .customLong("flush-rows"), help: "Rows per transaction.")
    var flushRows = 20_000

    @Option(name: .customLong("concurrent-flushes"), help: "Flushes in flight at once.")
    var concurrentFlushes = 2

    @Option(name: .customLong("request-bytes"), help: "Judge request text bytes.")
    var requestBytes = 200

    @Flag(
        name: .customLong("writer-checkpoints"),
        help: "Checkpoint the WAL on the writer connection (SQLite's automatic checkpoint) instead of in the background.")
    var writerCheckpoints = false

    @Flag(help: "Print one JSON object per scenario.")
    var json = false

    @Flag(name: .customLong("no-verify"), help: "Skip timing `verify` after the writes.")
    var noVerify = false

    struct Result: Encodable {
        var scenario: String
        var groups: Int
        var rolloutRows: Int
        var verdictRows: Int
        var totalRows: Int
        var seconds: Double
        var rolloutsPerSecond: Double
        var verdictsPerSecond: Double
        var rowsPerSecond: Double
        var megabytes: Double
        var megabytesPerSecond: Double
        var verifySeconds: Double
        /// Largest write-ahead log after a commit, MB (background checkpoints only).
        var walPeakMegabytes: Double?
        /// Background checkpoint counters (nil with --writer-checkpoints).
        var checkpoints: WALCheckpointStatistics?
    }

    func run() async throws {
        guard let sync = SQLiteRewardStore.Synchronous(rawValue: synchronous.uppercased()) else {
            throw ValidationError("--synchronous must be NORMAL, FULL or OFF")
        }
        let base: URL
        let temporary = dir == nil
        if let dir {
            base = URL(fileURLWithPath: dir)
        } else {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-bench-store-\(UUID().uuidString)")
        }
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { if temporary { try? FileManager.default.removeItem(at: base) } }

        let scenarios: [Scenario] = scenario == .all ? [.rollouts, .verdicts, .verdictsShared, .mixed] : [scenario]
        if !json {
            print("store bench: synchronous=\(sync.rawValue) flush-rows=\(flushRows) steps=\(steps) dir=\(base.path)")
            print("scenario          groups   rollouts   verdicts  rows total   seconds  rollouts/s  verdicts/s      rows/s      MB   MB/s  verify s  WAL peak MB")
        }
        for s in scenarios {
            let r = try await measure(s, base: base, sync: sync)
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(r), as: UTF8.self))
            } else {
                print(
                    [
                        pad(r.scenario, 15), lpad(r.groups, 8), lpad(r.rolloutRows, 10), lpad(r.verdictRows, 10),
                        lpad(r.totalRows, 11), lpad(String(format: "%.2f", r.seconds), 9),
                        lpad(String(format: "%.0f", r.rolloutsPerSecond), 11), lpad(String(format: "%.0f", r.verdictsPerSecond), 11),
                        lpad(String(format: "%.0f", r.rowsPerSecond), 11), lpad(String(format: "%.0f", r.megabytes), 7),
                        lpad(String(format: "%.0f", r.megabytesPerSecond), 6), lpad(String(format: "%.2f", r.verifySeconds), 9),
                        lpad(r.walPeakMegabytes.map { String(format: "%.0f", $0) } ?? "-", 12),
                    ].joined(separator: " "))
            }
        }
    }

    private func shape(_ s: Scenario) -> SyntheticRewardLog.Shape {
        switch s {
        case .rollouts: .init(samplesPerGroup: 8, judgeCallsPerSample: 0, components: 3)
        case .verdicts: .init(samplesPerGroup: 8, judgeCallsPerSample: 32, components: 1, completionTokens: 16, promptTokens: 16, completionTextBytes: 64, promptTextBytes: 128, requestTextBytes: requestBytes)
        case .verdictsShared:
            .init(samplesPerGroup: 8, judgeCallsPerSample: 32, components: 1, completionTokens: 16, promptTokens: 16, completionTextBytes: 64, promptTextBytes: 128, requestTextBytes: requestBytes, distinctRequests: false)
        case .mixed, .all: .init(samplesPerGroup: 8, judgeCallsPerSample: 8, components: 3, requestTextBytes: requestBytes)
        }
    }

    private func measure(_ s: Scenario, base: URL, sync: SQLiteRewardStore.Synchronous) async throws -> Result {
        let shape = shape(s)
        let perGroupRollouts = shape.samplesPerGroup
        let perGroupVerdicts = shape.samplesPerGroup * shape.judgeCallsPerSample
        let groups: Int =
            switch s {
            case .rollouts, .mixed, .all: max(1, rollouts / perGroupRollouts)
            case .verdicts, .verdictsShared: max(1, verdicts / max(1, perGroupVerdicts))
            }
        let path = base.appendingPathComponent("\(s.rawValue).sqlite").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try SQLiteRewardStore(
            path: path, options: .init(synchronous: sync, pageSize: pageSize, backgroundCheckpoints: !writerCheckpoints))
        let log = SyntheticRewardLog(runID: "bench-\(s.rawValue)", shape: shape)
        try await store.createRun(log.run(startedAt: Date().timeIntervalSince1970))
        let stepCount = max(1, min(steps, groups))
        let perStep = (groups + stepCount - 1) / stepCount
        // Generate first: the benchmark times the store, not the generator.
        var all: [[GroupRecord]] = []
        var made = 0
        for step in 0..<stepCount {
            let n = min(perStep, groups - made)
            all.append((0..<max(0, n)).map { log.group(step: step, index: $0) })
            made += max(0, n)
        }
        let rows = all.reduce(0) { $0 + $1.reduce(0) { $0 + $1.rowCount } }
        let writer = StoreWriter(
            store: store,
            options: .init(maxBufferedRows: flushRows * 8, flushRows: flushRows, maxConcurrentFlushes: concurrentFlushes))
        let clock = ContinuousClock()
        let start = clock.now
        for (step, groups) in all.enumerated() {
            for g in groups { try await writer.append(g) }
            _ = try await writer.commitStep(runID: log.runID, step: step, policyVersion: PolicyVersion(step), committedAt: Double(step))
        }
        try await writer.close()
        let elapsed = (clock.now - start).inSeconds
        all = []
        let verifyStart = clock.now
        if !noVerify {
            let report = try await store.verify(runID: log.runID)
            guard report.ok else { throw StoreError(.corrupt, "benchmark log does not verify: \(report.failure!)") }
        }
        let verifySeconds = noVerify ? 0 : (clock.now - verifyStart).inSeconds
        let checkpoints = store.checkpointStatistics
        try store.close()
        var bytes = 0.0
        for suffix in ["", "-wal"] {
            if let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix))?[.size] as? NSNumber {
                bytes += size.doubleValue
            }
        }
        let rolloutRows = made * perGroupRollouts
        let verdictRows = made * perGroupVerdicts
        return Result(
            scenario: s.rawValue, groups: made, rolloutRows: rolloutRows, verdictRows: verdictRows, totalRows: rows,
            seconds: elapsed, rolloutsPerSecond: Double(rolloutRows) / elapsed, verdictsPerSecond: Double(verdictRows) / elapsed,
            rowsPerSecond: Double(rows) / elapsed, megabytes: bytes / 1e6, megabytesPerSecond: bytes / 1e6 / elapsed,
            verifySeconds: verifySeconds, walPeakMegabytes: checkpoints.map { Double($0.peakFrames * pageSize) / 1e6 },
            checkpoints: checkpoints)
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
    private func lpad(_ i: Int, _ n: Int) -> String { lpad(String(i), n) }
}

