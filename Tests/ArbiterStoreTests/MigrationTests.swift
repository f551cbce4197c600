import ArbiterCore
import Foundation
import GRDB
import Testing

@testable import ArbiterStore

/// A log written by the version-2 layout (components, rewards and advantages in their own
/// tables) opens, moves into the version-3 layout, still verifies, and reads back exactly as
/// the old code exported it.
///
/// The fixture (`Fixtures/v2-log/`) was written by the commit before `v3-compact-rows`:
/// `arbiter audit stress-writer --store v2-log.sqlite --run v2run --steps 2 --groups-per-step 3
/// --samples 4 --judge-calls 2`, shrunk to 4 KiB pages with the sqlite3 shell (`PRAGMA
/// journal_mode=DELETE; PRAGMA page_size=4096; VACUUM; PRAGMA journal_mode=WAL;`), then
/// `arbiter export v2run --what rollouts --tokens`,
/// `--what verdicts --requests`, `--what steps` and `arbiter audit rollout v2run
/// 00000000000000000000000000000000/0`, each saved beside it.
@Suite struct MigrationTests {
    static let runID = "v2run"

    static func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/v2-log/\(name)", withExtension: nil), "missing fixture \(name)")
    }

    /// A writable copy of the version-2 file.
    static func copyOfV2Log() throws -> String {
        let path = TestFiles.freshPath("v2-log.sqlite")
        try FileManager.default.copyItem(at: try fixture("v2-log.sqlite"), to: URL(fileURLWithPath: path))
        return path
    }

    static func lines(_ store: SQLiteRewardStore) async throws -> (rollouts: String, verdicts: String, steps: String) {
        let collected = LinesBox()
        try await store.exportRollouts(runID: runID, steps: nil, includeTokens: true) { collected.append(0, $0.line(.jsonl)) }
        try await store.exportVerdicts(runID: runID, steps: nil, includeRequests: true) { collected.append(1, $0.line(.jsonl)) }
        for a in try await store.stepAggregates(runID: runID, steps: nil) { collected.append(2, a.exportRow(runID: runID).line(.jsonl)) }
        return (collected.text(0), collected.text(1), collected.text(2))
    }

    @Test func aVersion2LogMigratesVerifiesAndReadsBackUnchanged() async throws {
        let path = try Self.copyOfV2Log()
        let before = try DatabaseQueue(path: path)
        let oldTables = try await before.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('rewards', 'advantages', 'reward_components')")
        }
        #expect(oldTables.count == 3, "the fixture is not a version-2 log")
        try before.close()

        let store = try SQLiteRewardStore(path: path)
        let (migrations, tables) = try await store.pool.read { db in
            (
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid"),
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            )
        }
        #expect(migrations.last == "v3-compact-rows")
        #expect(!tables.contains("rewards") && !tables.contains("advantages") && !tables.contains("reward_components"))

        let report = try await store.verify(runID: Self.runID)
        #expect(report.ok, "\(String(describing: report.failure))")
        #expect(report.verifiedSteps == 2)

        let exported = try await Self.lines(store)
        #expect(exported.rollouts == String(decoding: try Data(contentsOf: try Self.fixture("rollouts.jsonl")), as: UTF8.self))
        #expect(exported.verdicts == String(decoding: try Data(contentsOf: try Self.fixture("verdicts.jsonl")), as: UTF8.self))
        #expect(exported.steps == String(decoding: try Data(contentsOf: try Self.fixture("steps.jsonl")), as: UTF8.self))

        let detail = try #require(try await store.rolloutDetail(runID: Self.runID, rolloutID: "00000000000000000000000000000000/0"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        #expect(
            String(decoding: try encoder.encode(detail), as: UTF8.self) + "\n"
                == String(decoding: try Data(contentsOf: try Self.fixture("rollout.txt")), as: UTF8.self))
        #expect(detail.aggregates["weighted_mean"] == 0)
        #expect(detail.reward.components.map(\.name) == ["c0", "c1", "c2"])
        #expect(detail.reward.components[0].value == nil)
        try store.close()

        // Opening again runs nothing and changes nothing.
        let again = try SQLiteRewardStore(path: path)
        #expect(try await again.verify(runID: Self.runID).ok)
        #expect(try await Self.lines(again) == exported)
        try again.close()
    }

    @Test func anEditMadeBeforeTheMigrationIsStillCaught() async throws {
        let path = try Self.copyOfV2Log()
        let before = try DatabaseQueue(path: path)
        try await before.writeWithoutTransaction { db in
            try db.execute(
                sql: """
                    DROP TRIGGER reward_components_no_update;
                    UPDATE reward_components SET value = 0.5 WHERE value = 0 AND rollout_key = (
                      SELECT min(r.rollout_key) FROM rollouts r JOIN groups g ON g.group_key = r.group_key WHERE g.step = 1);
                    """)
        }
        try before.close()
        let store = try SQLiteRewardStore(path: path)
        let report = try await store.verify(runID: Self.runID)
        let failure = try #require(report.failure, "an edited component went unnoticed after the migration")
        #expect(failure.step == 1 && failure.kind == .groupMismatch, "\(failure)")
        try store.close()
    }

    @Test func componentBlobsRoundTripBitForBit() throws {
        let list = [
            StoredComponent(ordinal: 0, name: "format", value: 1, weight: 0.2),
            StoredComponent(ordinal: 1, name: "outcome", value: nil, weight: 0.8),
            StoredComponent(ordinal: 2, name: "ünïcode ✓", value: -0.0, weight: .leastNonzeroMagnitude),
            StoredComponent(ordinal: 300, name: "", value: .greatestFiniteMagnitude, weight: -1e-300),
        ]
        let blob = BlobCoding.components(list)
        let back = try BlobCoding.decodeComponents(blob)
        #expect(back == list)
        #expect(back[2].value?.sign == .minus)
        #expect(try BlobCoding.decodeComponents(BlobCoding.components([])).isEmpty)
        // Every strict prefix fails to decode, and so do a trailing byte and an unknown format.
        for n in 0..<blob.count {
            #expect(throws: StoreError.self, "prefix \(n)") { try BlobCoding.decodeComponents(Array(blob.prefix(n))) }
        }
        #expect(throws: StoreError.self) { try BlobCoding.decodeComponents(blob + [0]) }
        #expect(throws: StoreError.self) { try BlobCoding.decodeComponents([2] + blob.dropFirst()) }
    }
}

/// Lines collected from the export callbacks (which are `@Sendable`).
private final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [Int: [String]] = [:]

    func append(_ kind: Int, _ line: String) {
        lock.lock()
        defer { lock.unlock() }
        lines[kind, default: []].append(line)
    }

    func text(_ kind: Int) -> String {
        lock.lock()
        defer { lock.unlock() }
        return (lines[kind] ?? []).map { $0 + "\n" }.joined()
    }
}
