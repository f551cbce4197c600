import ArbiterCore
import ArbiterTrainer
import Foundation
import Testing

/// A transport that answers from a script, without sockets.
actor ScriptedTransport: TrainerTransport {
    private var script: [DeliveryOutcome]
    private let fallback: DeliveryOutcome
    private(set) var delivered: [String] = []

    init(_ script: [DeliveryOutcome], then fallback: DeliveryOutcome) {
        self.script = script
        self.fallback = fallback
    }

    func deliver(batchID: String, payload: Data) async -> DeliveryOutcome {
        delivered.append(batchID)
        return script.isEmpty ? fallback : script.removeFirst()
    }

    func status() async throws -> TrainerStatus { TrainerStatus(policyVersion: 0, ready: true, queueDepth: 0) }
}

@Suite("BatchOutbox without sockets")
struct BatchOutboxTests {
    func outbox(_ transport: ScriptedTransport, store: InMemoryOutboxStore = InMemoryOutboxStore(), maxPending: Int = 1)
        -> BatchOutbox
    {
        BatchOutbox(
            store: store, transport: transport, configuration: .init(maxPendingBatches: maxPending, retry: fastRetry),
            logger: testLogger("test.outbox"))
    }

    @Test func attemptsAreRecordedInTheStore() async throws {
        let store = InMemoryOutboxStore()
        let transport = ScriptedTransport(
            [.transportFailure(message: "refused"), .serverError(status: 500, retryAfter: nil, message: "boom")],
            then: .accepted(policyVersion: 1, status: 200))
        let box = outbox(transport, store: store)
        try await withTimeout {
            try await withServices([box]) {
                try await box.submit(TestBatches.batch(step: 1))
                await eventually { await box.snapshot.delivered == 1 }
            }
        }
        let record = try #require(await store.allRecords().first)
        #expect(record.state == .delivered)
        #expect(record.attempts == 2)
        #expect(record.lastError == "HTTP 500: boom")
        #expect(record.acknowledgedVersion == 1)
        #expect(await transport.delivered.count == 3)
    }

    @Test func waitingForCapacityIsCancellable() async throws {
        let transport = ScriptedTransport([], then: .backOff(status: 503, retryAfter: .seconds(30), message: "busy"))
        let box = outbox(transport)
        try await withTimeout {
            try await withServices([box]) {
                try await box.submit(TestBatches.batch(step: 1))
                await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await box.waitForCapacity() }
                    await eventually { await box.snapshot.waitingForCapacity == 1 }
                    group.cancelAll()
                    await #expect(throws: CancellationError.self) { try await group.next() }
                }
                #expect(await box.snapshot.waitingForCapacity == 0)
                #expect(await box.queueDepth == 1)
            }
        }
    }

    @Test func shutdownFailsWaitersAndKeepsPendingBatches() async throws {
        let store = InMemoryOutboxStore()
        let transport = ScriptedTransport([], then: .backOff(status: 429, retryAfter: .seconds(30), message: "later"))
        let box = outbox(transport, store: store)
        let batch = TestBatches.batch(step: 1)
        try await withTimeout {
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await withServices([box]) {
                    try await box.submit(batch)
                    group.addTask {
                        do {
                            try await box.waitForCapacity()
                            Issue.record("capacity must not be granted")
                        } catch let error as TrainerError {
                            #expect(error.code == .shutdown)
                        }
                    }
                    await eventually { await box.snapshot.waitingForCapacity == 1 }
                }
                try await group.waitForAll()
            }
        }
        #expect(await store.pending().map(\.batchID) == [batch.id])
    }

    @Test func duplicateSubmissionsAreIgnored() async throws {
        let transport = ScriptedTransport([], then: .accepted(policyVersion: 1, status: 200))
        let box = outbox(transport, maxPending: 4)
        let batch = TestBatches.batch(step: 1)
        try await withTimeout {
            try await withServices([box]) {
                let first = try await box.submit(batch)
                let second = try await box.submit(batch)
                await eventually { await box.snapshot.delivered == 1 }
                let third = try await box.submit(batch)
                #expect(first && !second && !third)
            }
        }
        #expect(await transport.delivered == [batch.id])
    }
    @Test func drainWaitsForEveryAcknowledgementAndTheTrackerHasTheVersion() async throws {
        // Two failures before the first acknowledgement: the drain must outlast the retries.
        let transport = ScriptedTransport(
            [.transportFailure(message: "refused"), .serverError(status: 500, retryAfter: nil, message: "boom")],
            then: .accepted(policyVersion: 7, status: 200))
        let tracker = PolicyVersionTracker(initial: 0)
        let box = BatchOutbox(
            store: InMemoryOutboxStore(), transport: transport, configuration: .init(maxPendingBatches: 4, retry: fastRetry),
            tracker: tracker, logger: testLogger("test.outbox"))
        try await withTimeout {
            try await withServices([box]) {
                try await box.submit(TestBatches.batch(step: 1))
                try await box.submit(TestBatches.batch(step: 2))
                try await box.waitUntilDrained()
                #expect(await box.queueDepth == 0)
                #expect(await box.snapshot.delivered == 2)
                #expect(await tracker.current == 7)
                // Nothing pending: returns at once.
                try await box.waitUntilDrained()
            }
        }
        #expect(await transport.delivered.count == 4)
    }

    @Test func drainFailsWithTheRejectionAndIsCancellable() async throws {
        let rejecting = ScriptedTransport([], then: .rejected(status: 422, message: "bad advantages"))
        let box = outbox(rejecting, maxPending: 4)
        try await withTimeout {
            try await withServices([box]) {
                try await box.submit(TestBatches.batch(step: 1))
                do {
                    try await box.waitUntilDrained()
                    Issue.record("a drain past a rejection succeeded")
                } catch let error as TrainerError {
                    #expect(error.code == .rejected && error.message.contains("bad advantages"), "\(error)")
                }
                // Paused: a later drain fails at once too.
                await #expect(throws: TrainerError.self) { try await box.waitUntilDrained() }
            }
        }
        let busy = ScriptedTransport([], then: .backOff(status: 503, retryAfter: .seconds(30), message: "busy"))
        let slow = outbox(busy, maxPending: 4)
        try await withTimeout {
            try await withServices([slow]) {
                try await slow.submit(TestBatches.batch(step: 1))
                await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await slow.waitUntilDrained() }
                    await eventually { await busy.delivered.count == 1 }
                    group.cancelAll()
                    await #expect(throws: CancellationError.self) { try await group.next() }
                }
                #expect(await slow.queueDepth == 1)
            }
        }
    }
}
