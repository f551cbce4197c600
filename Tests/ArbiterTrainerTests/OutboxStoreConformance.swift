import ArbiterCore
import ArbiterTrainer
import Foundation
import Testing

/// The store implementations under test. A new conformance (the SQLite store) adds a case here and
/// gets the whole suite; `reopen` simulates a process restart over the same storage.
enum OutboxStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case file

    var testDescription: String { rawValue }

    /// A fresh store plus a function that "restarts" it (same storage, new instance).
    func make() throws -> (store: any OutboxStore, reopen: () throws -> any OutboxStore) {
        switch self {
        case .inMemory:
            let store = InMemoryOutboxStore()
            return (store, { store })  // memory survives only as long as the instance: reuse it
        case .file:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-outbox-\(UUID().uuidString)")
            return (try FileOutboxStore(directory: folder), { try FileOutboxStore(directory: folder) })
        }
    }
}

@Suite("OutboxStore conformance")
struct OutboxStoreConformanceTests {
    func payload(_ s: String) -> Data { Data(s.utf8) }

    @Test(arguments: OutboxStoreKind.allCases)
    func enqueueIsDurableOrderedAndIdempotent(kind: OutboxStoreKind) async throws {
        let (store, reopen) = try kind.make()
        #expect(try await store.enqueue(batchID: "b1", step: 1, payload: payload("one")))
        #expect(try await store.enqueue(batchID: "b2", step: 2, payload: payload("two")))
        #expect(try await store.enqueue(batchID: "b0", step: 0, payload: payload("zero")))
        #expect(try await !store.enqueue(batchID: "b1", step: 1, payload: payload("different")))
        let reopened = try reopen()
        let pending = try await reopened.pending()
        #expect(pending.map(\.batchID) == ["b1", "b2", "b0"], "enqueue order, not id or step order")
        #expect(pending.map(\.payload) == [payload("one"), payload("two"), payload("zero")])
        #expect(pending.map(\.step) == [1, 2, 0])
        #expect(pending.allSatisfy { $0.state == .pending && $0.attempts == 0 })
        #expect(zip(pending, pending.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(try await reopened.rejected().isEmpty)
    }

    @Test(arguments: OutboxStoreKind.allCases)
    func attemptsDeliveryAndRejectionSurviveReopen(kind: OutboxStoreKind) async throws {
        let (store, reopen) = try kind.make()
        for i in 1...4 { _ = try await store.enqueue(batchID: "b\(i)", step: i, payload: payload("p\(i)")) }
        try await store.recordAttempt(batchID: "b1", error: "no answer: refused")
        try await store.recordAttempt(batchID: "b1", error: "HTTP 503: busy")
        try await store.markDelivered(batchID: "b1", policyVersion: 5)
        try await store.recordAttempt(batchID: "b2", error: "HTTP 500: boom")
        try await store.markRejected(batchID: "b3", status: 400, message: "samples[0].reward: expected number")
        var current = try reopen()
        var pending = try await current.pending()
        #expect(pending.map(\.batchID) == ["b2", "b4"])
        #expect(pending.first?.attempts == 1)
        #expect(pending.first?.lastError == "HTTP 500: boom")
        let rejected = try await current.rejected()
        #expect(rejected.map(\.batchID) == ["b3"])
        #expect(rejected.first?.payload == payload("p3"), "a rejected batch keeps its payload")
        #expect(rejected.first?.rejectionStatus == 400)
        #expect(rejected.first?.rejectionMessage == "samples[0].reward: expected number")
        #expect(rejected.first?.rejectionError?.code == .rejected)
        // A delivered id stays known: re-enqueueing it is a no-op.
        #expect(try await !current.enqueue(batchID: "b1", step: 1, payload: payload("p1")))
        try await current.requeue(batchID: "b3")
        current = try reopen()
        pending = try await current.pending()
        #expect(pending.map(\.batchID) == ["b2", "b3", "b4"], "a requeued batch keeps its place")
        #expect(try await current.rejected().isEmpty)
        // New batches go after everything enqueued before the restart.
        _ = try await current.enqueue(batchID: "b5", step: 5, payload: payload("p5"))
        #expect(try await current.pending().map(\.batchID) == ["b2", "b3", "b4", "b5"])
    }

    @Test(arguments: OutboxStoreKind.allCases)
    func unknownIDsThrow(kind: OutboxStoreKind) async throws {
        let (store, _) = try kind.make()
        await #expect(throws: TrainerError.self) { try await store.markDelivered(batchID: "nope", policyVersion: 1) }
        await #expect(throws: TrainerError.self) { try await store.recordAttempt(batchID: "nope", error: "x") }
        await #expect(throws: TrainerError.self) { try await store.markRejected(batchID: "nope", status: 400, message: "x") }
    }

    @Test(arguments: OutboxStoreKind.allCases)
    func emptyAndLargePayloadsRoundTrip(kind: OutboxStoreKind) async throws {
        let (store, reopen) = try kind.make()
        let large = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        _ = try await store.enqueue(batchID: "empty", step: 0, payload: Data())
        _ = try await store.enqueue(batchID: "large", step: 1, payload: large)
        let pending = try await reopen().pending()
        #expect(pending.map(\.payload.count) == [0, large.count])
        #expect(pending.last?.payload == large)
    }
}

@Suite("FileOutboxStore crash recovery")
struct FileOutboxStoreRecoveryTests {
    func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-outbox-crash-\(UUID().uuidString)")
    }

    @Test func interruptedWritesAreDiscardedOnOpen() async throws {
        let dir = folder()
        let store = try FileOutboxStore(directory: dir)
        _ = try await store.enqueue(batchID: "b1", step: 1, payload: Data("one".utf8))
        _ = try await store.enqueue(batchID: "b2", step: 2, payload: Data("two".utf8))
        try await store.markDelivered(batchID: "b1", policyVersion: 1)
        // Crash debris: a half-written temp file, a payload whose meta line never landed, and the
        // payload of a delivered batch whose removal was lost.
        try Data("{\"sequ".utf8).write(to: dir.appendingPathComponent(".00000000000000000002.meta.json.tmp"))
        try Data("orphan".utf8).write(to: dir.appendingPathComponent("00000000000000000009.payload"))
        try Data("one".utf8).write(to: dir.appendingPathComponent("00000000000000000001.payload"))
        let reopened = try FileOutboxStore(directory: dir)
        #expect(try await reopened.pending().map(\.batchID) == ["b2"])
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["00000000000000000001.meta.json", "00000000000000000002.meta.json", "00000000000000000002.payload"])
        // The orphan's sequence is not reused in a way that collides.
        _ = try await reopened.enqueue(batchID: "b3", step: 3, payload: Data("three".utf8))
        #expect(try await FileOutboxStore(directory: dir).pending().map(\.batchID) == ["b2", "b3"])
    }

    @Test func aPendingBatchWithoutItsPayloadIsReportedNotDropped() async throws {
        let dir = folder()
        let store = try FileOutboxStore(directory: dir)
        _ = try await store.enqueue(batchID: "b1", step: 1, payload: Data("one".utf8))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("00000000000000000001.payload"))
        #expect(throws: TrainerError.self) { try FileOutboxStore(directory: dir) }
    }

    @Test func metaFilesAreSingleJSONLines() async throws {
        let dir = folder()
        let store = try FileOutboxStore(directory: dir)
        _ = try await store.enqueue(batchID: "b1", step: 1, payload: Data("one".utf8))
        try await store.recordAttempt(batchID: "b1", error: "line\nbreak")
        let text = try String(contentsOf: dir.appendingPathComponent("00000000000000000001.meta.json"), encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        #expect(text.dropLast().contains("\n") == false)
        #expect(text.contains(#""batch_id":"b1""#))
    }
}
