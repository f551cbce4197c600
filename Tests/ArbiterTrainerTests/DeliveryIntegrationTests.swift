import ArbiterCore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

@Suite("Batch delivery over loopback sockets", .serialized)
struct DeliveryIntegrationTests {
    func batches(_ steps: ClosedRange<Int>, runID: String = "run-it") -> [Batch] {
        steps.map { TestBatches.batch(step: $0, runID: runID) }
    }

    @Test func trainerDownAtStartDeliveryWaitsAndSucceedsOnceItIsUp() async throws {
        try await withTimeout {
            let port = try await freePort()
            let url = "http://127.0.0.1:\(port)"
            let sent = batches(1...3)
            let client = try makeClient(url)
            let tracker = PolicyVersionTracker()
            let outbox = BatchOutbox.make(url: url, client: client, tracker: tracker)
            try await withServices([outbox]) {
                for batch in sent { try await outbox.submit(batch) }
                await eventually { await outbox.snapshot.headFailures >= 3 }
                let waiting = await outbox.snapshot
                #expect(waiting.delivered == 0)
                #expect(waiting.pending == 3)
                #expect(waiting.lastError?.contains("no answer") == true, "\(waiting.lastError ?? "")")
                try await withReferenceTrainer(.init(port: port)) { trainer in
                    let version = try await tracker.waitUntil(atLeast: 3)
                    #expect(version == 3)
                    #expect(await trainer.appliedBatchIDs() == sent.map(\.id), "in order, each once")
                }
            }
            #expect(await outbox.snapshot.pending == 0)
            try await client.shutdown()
        }
    }

    @Test func trainerRestartBetweenApplyingAndAcknowledgingLosesNothingAndAppliesNothingTwice() async throws {
        try await withTimeout {
            try await withReferenceTrainer(.init(keepsStateAcrossRestarts: true)) { trainer in
                let url = try await trainer.baseURL()
                await trainer.inject(.crashAfterApply(downtime: .milliseconds(300)))
                let sent = batches(1...3)
                let client = try makeClient(url)
                let outbox = BatchOutbox.make(url: url, client: client)
                try await withServices([outbox]) {
                    for batch in sent { try await outbox.submit(batch) }
                    await eventually { await outbox.snapshot.delivered == 3 }
                }
                try await client.shutdown()
                #expect(await trainer.appliedBatchIDs() == sent.map(\.id))
                #expect(await trainer.policyVersion() == 3)
                #expect(await trainer.starts == 2)
                let firstBatch = await trainer.requests().filter { $0.idempotencyKey == sent[0].id }
                #expect(firstBatch.first?.status == 0, "the first attempt got no answer")
                #expect(firstBatch.last?.replayed == true, "the resend got the original answer")
                #expect(firstBatch.last?.status == 200)
            }
        }
    }

    /// Why trainers must keep idempotency keys as durably as their weights: Arbiter cannot tell.
    @Test func aTrainerThatForgetsItsIdempotencyKeysSeesTheResendAsNew() async throws {
        try await withTimeout {
            try await withReferenceTrainer(.init(keepsStateAcrossRestarts: false)) { trainer in
                let url = try await trainer.baseURL()
                await trainer.inject(.crashAfterApply(downtime: .milliseconds(100)))
                let sent = batches(1...2)
                let client = try makeClient(url)
                let outbox = BatchOutbox.make(url: url, client: client)
                try await withServices([outbox]) {
                    for batch in sent { try await outbox.submit(batch) }
                    await eventually { await outbox.snapshot.delivered == 2 }
                }
                try await client.shutdown()
                // Both batches may be in flight when the trainer crashes (the outbox keeps up to
                // four pending): the crash follows whichever it handles first, and the other may
                // have been applied too. Either way what was applied before the crash is applied
                // again after it, because the trainer forgot the keys.
                let applied = await trainer.appliedBatchIDs()
                #expect(applied.count > sent.count, "no resend was applied as new: \(applied)")
                for batch in sent {
                    #expect((1...2).contains(applied.filter { $0 == batch.id }.count), "\(applied)")
                }
                #expect(Set(applied) == Set(sent.map(\.id)), "\(applied)")
            }
        }
    }

    @Test func arbiterRestartResendsWhatWasNotAcknowledged() async throws {
        try await withTimeout {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-outbox-it-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            try await withReferenceTrainer { trainer in
                let url = try await trainer.baseURL()
                let client = try makeClient(url)
                let sent = batches(0...3)
                // Batch 0: sent and applied, but Arbiter crashed before recording the acknowledgement.
                let store = try FileOutboxStore(directory: folder)
                let p0 = try BatchPayload(batch: sent[0])
                _ = try await store.enqueue(batchID: p0.batchID, step: 0, payload: try p0.encoded())
                _ = await client.deliver(batchID: p0.batchID, payload: try p0.encoded())

                let first = BatchOutbox.make(url: url, store: store, client: client)
                try await withServices([first]) {
                    try await first.submit(sent[1])
                    await eventually { await first.snapshot.delivered == 2 }
                    await trainer.inject(.status(503, retryAfter: "0", message: "reloading"), times: 10_000)
                    try await first.submit(sent[2])
                    try await first.submit(sent[3])
                    await eventually { await first.snapshot.headFailures >= 2 }
                }
                // "Restart": a new outbox over the same folder.
                await trainer.clearFaults()
                let reopened = try FileOutboxStore(directory: folder)
                #expect(try await reopened.pending().map(\.batchID) == [sent[2].id, sent[3].id])
                let second = BatchOutbox.make(url: url, store: reopened, client: client)
                try await withServices([second]) {
                    let resubmitted = try await second.submit(sent[1])
                    #expect(resubmitted == false, "a delivered batch is not sent again")
                    await eventually { await second.snapshot.delivered == 2 }
                }
                try await client.shutdown()
                #expect(await trainer.appliedBatchIDs() == sent.map(\.id), "each batch applied exactly once, in order")
                let replays = await trainer.requests().filter(\.replayed).compactMap(\.idempotencyKey)
                // Batch 0 must come back as a replay. A request of the first outbox that was already
                // on the wire when it shut down can also be applied and then replayed by the second
                // (at-least-once, exactly-once effect): allowed, as long as nothing was applied twice.
                #expect(replays.first == sent[0].id)
                #expect(Set(replays).isSubset(of: Set(sent.map(\.id))))
                #expect(replays.count == Set(replays).count)
                #expect(try await FileOutboxStore(directory: folder).pending().isEmpty)
            }
        }
    }

    @Test func retryAfterOn429And503IsHonoured() async throws {
        try await withTimeout {
            try await withReferenceTrainer { trainer in
                let url = try await trainer.baseURL()
                await trainer.inject(.status(429, retryAfter: "1", message: "slow down"))
                await trainer.inject(.status(503, retryAfter: "0.3", message: "reloading weights"))
                await trainer.inject(.status(500, message: "transient"))
                let client = try makeClient(url)
                let outbox = BatchOutbox.make(url: url, client: client)
                let batch = TestBatches.batch(step: 1)
                try await withServices([outbox]) {
                    try await outbox.submit(batch)
                    await eventually { await outbox.snapshot.delivered == 1 }
                }
                try await client.shutdown()
                let requests = await trainer.requests()
                #expect(requests.map(\.status) == [429, 503, 500, 200])
                guard requests.count == 4 else { return }
                let gaps = zip(requests, requests.dropFirst()).map { $1.receivedAt - $0.receivedAt }
                #expect(gaps[0] >= .milliseconds(950), "Retry-After: 1 was honoured (\(gaps[0]))")
                #expect(gaps[1] >= .milliseconds(280), "Retry-After: 0.3 was honoured (\(gaps[1]))")
                // The backoff without Retry-After is checked in the state-machine tests, not as
                // a wall-clock upper bound here (that would flake on a loaded machine).
                #expect(await trainer.appliedBatchIDs() == [batch.id])
            }
        }
    }

    @Test func aRejectedBatchPausesTheRunWithTheTrainersMessage() async throws {
        try await withTimeout {
            try await withReferenceTrainer { trainer in
                let url = try await trainer.baseURL()
                let client = try makeClient(url)
                let store = InMemoryOutboxStore()
                let outbox = BatchOutbox.make(url: url, store: store, client: client)
                let good1 = try TestBatches.payload(step: 1)
                var bad = try TestBatches.payload(step: 2)
                bad.samples[0].truncated = true  // contradicts finish_reason "stop"
                let good3 = try TestBatches.payload(step: 3)
                try await withServices([outbox]) {
                    try await outbox.submit(good1)
                    try await outbox.submit(bad)
                    try await outbox.submit(good3)
                    await eventually { await outbox.snapshot.paused != nil }
                    do {
                        try await outbox.waitForCapacity()
                        Issue.record("waitForCapacity must fail while paused")
                    } catch let error as TrainerError {
                        #expect(error.code == .rejected)
                        #expect(error.message.contains("samples[0].truncated"), "\(error)")
                        #expect(error.context?.contains(bad.batchID) == true)
                        #expect(error.context?.contains("HTTP 400") == true)
                    }
                }
                #expect(await trainer.appliedBatchIDs() == [good1.batchID])
                #expect(
                    await trainer.requests().contains { $0.idempotencyKey == good3.batchID } == false,
                    "nothing after the rejected batch is sent")
                let rejected = await store.rejected()
                #expect(rejected.map(\.batchID) == [bad.batchID])
                #expect(rejected.first?.rejectionStatus == 400)
                #expect(rejected.first?.rejectionMessage?.contains("samples[0].truncated") == true)
                #expect(await store.pending().map(\.batchID) == [good3.batchID], "nothing is dropped")

                // After an Arbiter restart the run is still paused with the same message.
                let restarted = BatchOutbox.make(url: url, store: store, client: client)
                try await withServices([restarted]) {
                    await #expect(throws: TrainerError.self) { try await restarted.waitForCapacity() }
                    #expect(await restarted.snapshot.paused?.message.contains("samples[0].truncated") == true)
                }
                try await client.shutdown()
            }
        }
    }

    @Test func anOperatorCanResumeAfterARejection() async throws {
        try await withTimeout {
            try await withReferenceTrainer { trainer in
                let url = try await trainer.baseURL()
                await trainer.inject(.status(409, message: "trainer is not configured for this run"))
                let client = try makeClient(url)
                let outbox = BatchOutbox.make(url: url, client: client)
                let sent = batches(1...2)
                try await withServices([outbox]) {
                    for batch in sent { try await outbox.submit(batch) }
                    await eventually { await outbox.snapshot.paused != nil }
                    #expect(await outbox.snapshot.paused?.message == "trainer is not configured for this run")
                    try await outbox.retryRejected()
                    await eventually { await outbox.snapshot.delivered == 2 }
                    try await outbox.waitForCapacity()
                }
                try await client.shutdown()
                #expect(await trainer.appliedBatchIDs() == sent.map(\.id))
            }
        }
    }

    @Test func aSlowTrainerCausesBackpressureWithBoundedMemory() async throws {
        try await withTimeout {
            try await withReferenceTrainer { trainer in
                let url = try await trainer.baseURL()
                let delay = Duration.milliseconds(60)
                await trainer.setResponseDelay(delay)
                let client = try makeClient(url)
                let maxPending = 2
                let outbox = BatchOutbox.make(url: url, client: client, maxPending: maxPending)
                let sent = batches(1...10)
                let largestPayload = try sent.map { try BatchPayload(batch: $0).encoded().count }.max() ?? 0
                var deepest = 0
                var mostBytes = 0
                let clock = ContinuousClock()
                let elapsed = try await withServices([outbox]) {
                    try await clock.measure {
                        for batch in sent {
                            try await outbox.waitForCapacity()
                            try await outbox.submit(batch)
                            let snapshot = await outbox.snapshot
                            deepest = max(deepest, snapshot.pending)
                            mostBytes = max(mostBytes, snapshot.bufferedBytes)
                        }
                        await eventually { await outbox.snapshot.delivered == sent.count }
                    }
                }
                try await client.shutdown()
                #expect(deepest <= maxPending, "the queue never exceeds max_pending_batches")
                #expect(mostBytes <= maxPending * largestPayload, "memory is bounded by the pending batches")
                #expect(elapsed >= delay * (sent.count - 1), "the producer was held back by the trainer (\(elapsed))")
                #expect(await trainer.maxConcurrentRequests() == 1, "one batch in flight at a time")
                #expect(await trainer.appliedBatchIDs() == sent.map(\.id))
                #expect(await outbox.snapshot.bufferedBytes == 0)
            }
        }
    }

    @Test func statusPollerFeedsTheTrackerAfterQueuedAcknowledgements() async throws {
        try await withTimeout {
            try await withReferenceTrainer(.init(acceptedStatus: 202, initialPolicyVersion: 5)) { trainer in
                let url = try await trainer.baseURL()
                let client = try makeClient(url)
                let tracker = PolicyVersionTracker()
                let poller = TrainerStatusPoller(
                    transport: client, tracker: tracker, interval: .milliseconds(20), logger: testLogger("test.poller"))
                try await withServices([poller]) {
                    #expect(try await tracker.waitUntil(atLeast: 5) == 5)
                    #expect(await tracker.lastStatus?.ready == true)
                    await trainer.setReady(false)
                    await eventually { await tracker.lastStatus?.ready == false }
                    // A version bump the outbox never saw in an acknowledgement.
                    let p = try TestBatches.payload(step: 1)
                    _ = await client.deliver(batchID: p.batchID, payload: try p.encoded())
                    #expect(try await tracker.waitUntil(atLeast: 6) == 6)
                }
                try await client.shutdown()
            }
        }
    }
}
