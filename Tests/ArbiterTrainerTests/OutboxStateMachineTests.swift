import ArbiterCore
import Foundation
import Testing

@testable import ArbiterTrainer

@Suite("Outbox state machine (no sockets, no clocks)")
struct OutboxStateMachineTests {
    let policy = RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 2, jitter: 0)

    func running(_ ids: [String] = [], max: Int = 2) -> OutboxStateMachine {
        var m = OutboxStateMachine(maxPending: max, retryPolicy: policy)
        _ = m.loaded(batchIDs: ids, rejection: nil)
        return m
    }

    @Test func sendsInOrderOneAtATime() {
        var m = running(["a", "b"])
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "a", attempt: 1))
        }
        #expect(m.inFlight == "a")
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
            #expect(r == .delivered(1, resume: []))
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "b", attempt: 1))
        }
        do {
            let r = m.attemptFinished(batchID: "b", outcome: .accepted(policyVersion: 2, status: 202), jitterSample: 0)
            #expect(r == .delivered(2, resume: []))
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .waitForWork)
        }
        #expect(m.pending == 0)
    }

    @Test func retriesTransientFailuresWithExponentialBackoffThenResets() {
        var m = running(["a", "b"])
        _ = m.nextDelivery()
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .transportFailure(message: "refused"), jitterSample: 0)
            #expect(r == .retry(after: .milliseconds(100)))
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "a", attempt: 2))
        }
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .serverError(status: 500, retryAfter: nil, message: "x"), jitterSample: 0)
            #expect(r == .retry(after: .milliseconds(200)))
        }
        _ = m.nextDelivery()
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .backOff(status: 503, retryAfter: nil, message: ""), jitterSample: 0)
            #expect(r == .retry(after: .milliseconds(400)))
        }
        _ = m.nextDelivery()
        // Retry-After replaces the exponential delay.
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .backOff(status: 429, retryAfter: .seconds(3), message: ""), jitterSample: 0)
            #expect(r == .retry(after: .seconds(3)))
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "a", attempt: 5))
        }
        _ = m.attemptFinished(batchID: "a", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "b", attempt: 1))
        }
    }

    @Test func rejectionPausesFailsWaitersAndKeepsTheBatch() {
        var m = running(["a", "b"], max: 2)
        do {
            let r = m.requestCapacity(waiter: 7)
            #expect(r == .suspend)
        }
        _ = m.nextDelivery()
        let action = m.attemptFinished(batchID: "a", outcome: .rejected(status: 422, message: "bad advantage"), jitterSample: 0)
        guard case .pause(let error, let failed) = action else {
            Issue.record("expected pause, got \(action)")
            return
        }
        #expect(error.code == .rejected)
        #expect(error.message == "bad advantage")
        #expect(error.context?.contains("HTTP 422") == true)
        #expect(failed == [7])
        do {
            let r = m.nextDelivery()
            #expect(r == .paused(error))
        }
        do {
            let r = m.requestCapacity(waiter: 8)
            #expect(r == .fail(error))
        }
        #expect(m.pending == 2, "a rejected batch is never dropped")
        let (resumed, wake) = m.resume()
        #expect(wake)
        #expect(resumed == .none)
        do {
            let r = m.nextDelivery()
            #expect(r == .send(batchID: "a", attempt: 1))
        }
    }

    @Test func protocolViolationPausesToo() {
        var m = running(["a"])
        _ = m.nextDelivery()
        let action = m.attemptFinished(batchID: "a", outcome: .protocolViolation(status: 200, message: "garbage"), jitterSample: 0)
        guard case .pause(let error, _) = action else {
            Issue.record("expected pause")
            return
        }
        #expect(error.code == .invalidResponse)
    }

    @Test func capacityIsBoundedAndWaitersResumeInOrderAsSlotsFree() {
        var m = running([], max: 2)
        do {
            let r = m.requestCapacity(waiter: 1)
            #expect(r == .proceed)
        }
        do {
            let r = m.enqueued("a")
            #expect(r)
        }
        do {
            let r = m.requestCapacity(waiter: 2)
            #expect(r == .proceed)
        }
        _ = m.enqueued("b")
        do {
            let r = m.requestCapacity(waiter: 3)
            #expect(r == .suspend)
        }
        do {
            let r = m.requestCapacity(waiter: 4)
            #expect(r == .suspend)
        }
        _ = m.nextDelivery()
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
            #expect(r == .delivered(1, resume: [3]))
        }
        // 4 is still waiting: only one slot freed. A newcomer queues behind it.
        do {
            let r = m.requestCapacity(waiter: 5)
            #expect(r == .suspend)
        }
        m.cancelRequest(waiter: 4)
        _ = m.enqueued("c")
        _ = m.nextDelivery()
        do {
            let r = m.attemptFinished(batchID: "b", outcome: .accepted(policyVersion: 2, status: 200), jitterSample: 0)
            #expect(r == .delivered(2, resume: [5]))
        }
    }

    @Test func drainWaitersResumeTogetherWhenTheQueueEmptiesAndTakeNoSlot() {
        var m = running(["a", "b"], max: 3)
        #expect(m.requestDrain(waiter: 1) == .suspend)
        #expect(m.requestDrain(waiter: 2) == .suspend)
        // A drain waiter holds no slot: capacity is still granted (2 of 3 pending).
        #expect(m.requestCapacity(waiter: 3) == .proceed)
        _ = m.nextDelivery()
        let first = m.attemptFinished(batchID: "a", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
        #expect(first == .delivered(1, resume: []), "b is still pending")
        m.cancelRequest(waiter: 2)
        _ = m.nextDelivery()
        let second = m.attemptFinished(batchID: "b", outcome: .accepted(policyVersion: 2, status: 200), jitterSample: 0)
        #expect(second == .delivered(2, resume: [1]), "the cancelled drain waiter is not resumed")
        #expect(m.drainWaiters.isEmpty)
        #expect(m.requestDrain(waiter: 4) == .proceed, "nothing pending")
    }

    @Test func drainFailsOnRejectionAndShutdownAndWaitsForTheLoad() {
        var loading = OutboxStateMachine(maxPending: 2, retryPolicy: policy)
        #expect(loading.requestDrain(waiter: 1) == .suspend)
        #expect(loading.loaded(batchIDs: [], rejection: nil) == OutboxStateMachine.WaiterAction(resume: [1]))
        var m = running(["a"])
        #expect(m.requestDrain(waiter: 2) == .suspend)
        _ = m.nextDelivery()
        let rejected = m.attemptFinished(batchID: "a", outcome: .rejected(status: 422, message: "no"), jitterSample: 0)
        guard case .pause(let error, let failed) = rejected else {
            Issue.record("a rejection did not pause: \(rejected)")
            return
        }
        #expect(failed == [2])
        #expect(m.requestDrain(waiter: 3) == .fail(error))
        var other = running(["x"])
        #expect(other.requestDrain(waiter: 5) == .suspend)
        let finish = other.finish()
        #expect(finish.fail == [5] && finish.error?.code == .shutdown)
        #expect(other.requestDrain(waiter: 6) == .fail(TrainerError(.shutdown, "the outbox has shut down")))
    }

    @Test func waitersSuspendUntilTheStoreIsLoaded() {
        var m = OutboxStateMachine(maxPending: 2, retryPolicy: policy)
        do {
            let r = m.requestCapacity(waiter: 1)
            #expect(r == .suspend)
        }
        do {
            let r = m.requestCapacity(waiter: 2)
            #expect(r == .suspend)
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .waitForWork)
        }
        // One unacknowledged batch from before the restart: one slot left.
        do {
            let r = m.loaded(batchIDs: ["old"], rejection: nil)
            #expect(r == .init(resume: [1]))
        }
    }

    @Test func loadMergesSubmissionsMadeWhileLoading() {
        var m = OutboxStateMachine(maxPending: 4, retryPolicy: policy)
        do {
            let r = m.enqueued("new")
            #expect(!r)
        }
        _ = m.loaded(batchIDs: ["old", "new"], rejection: nil)
        #expect(m.queue == ["old", "new"])
        var n = OutboxStateMachine(maxPending: 4, retryPolicy: policy)
        _ = n.enqueued("new")
        _ = n.loaded(batchIDs: ["old"], rejection: nil)
        #expect(n.queue == ["old", "new"])
        do {
            let r = n.enqueued("old")
            #expect(!r, "duplicates are ignored")
        }
    }

    @Test func aRejectionFoundAtLoadStartsPaused() {
        var m = OutboxStateMachine(maxPending: 4, retryPolicy: policy)
        do {
            let r = m.requestCapacity(waiter: 1)
            #expect(r == .suspend)
        }
        let error = TrainerError(.rejected, "nope", context: "batch a")
        do {
            let r = m.loaded(batchIDs: ["a", "b"], rejection: error)
            #expect(r == .init(fail: [1], error: error))
        }
        do {
            let r = m.nextDelivery()
            #expect(r == .paused(error))
        }
    }

    @Test func finishFailsEveryWaiter() {
        var m = running(["a", "b"], max: 2)
        _ = m.requestCapacity(waiter: 1)
        let action = m.finish()
        #expect(action.fail == [1])
        #expect(action.error?.code == .shutdown)
        do {
            let r = m.nextDelivery()
            #expect(r == .finished)
        }
        do {
            let r = m.requestCapacity(waiter: 2)
            #expect(r == .fail(TrainerError(.shutdown, "the outbox has shut down")))
        }
    }

    @Test func outcomesForBatchesNotInFlightAreIgnored() {
        var m = running(["a"])
        do {
            let r = m.attemptFinished(batchID: "a", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
            #expect(r == .ignore)
        }
        _ = m.nextDelivery()
        do {
            let r = m.attemptFinished(batchID: "zzz", outcome: .accepted(policyVersion: 1, status: 200), jitterSample: 0)
            #expect(r == .ignore)
        }
        #expect(m.pending == 1)
    }
}

@Suite("Retry policy and answer classification")
struct DeliveryOutcomeTests {
    @Test func exponentialBackoffIsCappedAndJittered() {
        let p = RetryPolicy(initialBackoff: .milliseconds(500), maxBackoff: .seconds(4), multiplier: 2, jitter: 0.5)
        #expect(p.delay(afterFailures: 1, retryAfter: nil, jitterSample: 0) == .milliseconds(500))
        #expect(p.delay(afterFailures: 2, retryAfter: nil, jitterSample: 0) == .seconds(1))
        #expect(p.delay(afterFailures: 4, retryAfter: nil, jitterSample: 0) == .seconds(4))
        #expect(p.delay(afterFailures: 50, retryAfter: nil, jitterSample: 0) == .seconds(4))
        #expect(p.delay(afterFailures: 1000, retryAfter: nil, jitterSample: 0) == .seconds(4))
        #expect(p.delay(afterFailures: 2, retryAfter: nil, jitterSample: 1) == .milliseconds(500))
        #expect(p.delay(afterFailures: 2, retryAfter: .seconds(2), jitterSample: 0.9) == .seconds(2))
        #expect(p.delay(afterFailures: 1, retryAfter: .seconds(3600), jitterSample: 0) == .seconds(300))
    }

    @Test func retryAfterParsesSecondsAndDates() {
        #expect(RetryAfter.parse("3") == .seconds(3))
        #expect(RetryAfter.parse(" 0.25 ") == .milliseconds(250))
        #expect(RetryAfter.parse("-1") == nil)
        #expect(RetryAfter.parse("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // Wed, 21 Oct 2015 07:27:50 GMT
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
    }

    func body(_ s: String) -> Data { Data(s.utf8) }

    @Test func classifiesAnswers() {
        #expect(
            DeliveryOutcome.classify(status: 200, retryAfter: nil, body: body(#"{"accepted":true,"policy_version":7}"#))
                == .accepted(policyVersion: 7, status: 200))
        #expect(
            DeliveryOutcome.classify(status: 202, retryAfter: nil, body: body(#"{"policy_version":3,"accepted":true,"extra":1}"#))
                == .accepted(policyVersion: 3, status: 202))
        #expect(
            DeliveryOutcome.classify(status: 429, retryAfter: "2", body: body(#"{"error":"slow down"}"#))
                == .backOff(status: 429, retryAfter: .seconds(2), message: "slow down"))
        #expect(
            DeliveryOutcome.classify(status: 503, retryAfter: nil, body: body("busy"))
                == .backOff(status: 503, retryAfter: nil, message: "busy"))
        #expect(
            DeliveryOutcome.classify(
                status: 400, retryAfter: nil, body: body(#"{"accepted":false,"error":"samples[0].reward: expected number"}"#))
                == .rejected(status: 400, message: "samples[0].reward: expected number"))
        #expect(
            DeliveryOutcome.classify(status: 422, retryAfter: nil, body: body(#"{"detail":"bad"}"#))
                == .rejected(status: 422, message: "bad"))
        #expect(DeliveryOutcome.classify(status: 401, retryAfter: nil, body: Data()) == .rejected(status: 401, message: "(empty body)"))
        #expect(
            DeliveryOutcome.classify(status: 500, retryAfter: nil, body: body("boom"))
                == .serverError(status: 500, retryAfter: nil, message: "boom"))
        #expect(DeliveryOutcome.classify(status: 200, retryAfter: nil, body: body("ok")).isRetryable == false)
        if case .protocolViolation = DeliveryOutcome.classify(
            status: 200, retryAfter: nil, body: body(#"{"accepted":false,"policy_version":1}"#))
        {
        } else {
            Issue.record("accepted:false on 200 must be a protocol violation")
        }
        if case .protocolViolation = DeliveryOutcome.classify(status: 302, retryAfter: nil, body: Data()) {
        } else {
            Issue.record("3xx must be a protocol violation")
        }
    }
}
