import ArbiterCore
import Testing

@testable import ArbiterInference

/// Unit tests of the scheduler's decisions: no sockets, no clocks (time is a number we pass).
@Suite("Scheduler state machine")
struct SchedulerStateMachineTests {
    typealias Action = SchedulerStateMachine.Action

    static func configuration(
        endpoints: Int = 2, perEndpoint: Int = 4, global: Int = 64, maxRetries: Int = 2, hedging: HedgingPolicy? = nil,
        breaker: CircuitBreakerPolicy = .init(failureThreshold: 3, openDuration: 1, maxOpenDuration: 8, probeTimeout: 1),
        admission: AdmissionPolicy? = nil, requestDeadline: Double? = nil, rps: Double? = nil
    ) -> SchedulerConfiguration {
        SchedulerConfiguration(
            endpoints: (0..<endpoints).map {
                EndpointConfig(url: "http://e\($0)", maxConcurrency: perEndpoint, requestsPerSecond: rps)
            },
            generation: GenerationSettings(model: "m"), maxInFlight: global, attemptTimeout: 5,
            maxRetriesPerEndpoint: maxRetries, requestDeadline: requestDeadline,
            backoff: BackoffPolicy(base: 0.1, maximum: 1), circuitBreaker: breaker, hedging: hedging,
            admission: admission, seed: 7)
    }

    static func dispatches(_ out: SchedulerStateMachine.Output) -> [(attempt: AttemptID, call: CallID, endpoint: Int, hedge: Bool)] {
        out.actions.compactMap {
            if case .dispatch(let a, let c, let e, let h) = $0 { return (a, c, e, h) }
            return nil
        }
    }

    static let serverError = InferenceError(.serverError, "HTTP 500")
    static let refused = InferenceError(.connectionFailed, "refused")

    // MARK: Routing and caps

    @Test func routesToTheLeastLoadedEndpointAndSpreadsEvenly() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 3, perEndpoint: 10))
        var perEndpoint = [0, 0, 0]
        for _ in 0..<9 {
            let (_, _, out) = m.submitGroup(costs: [10], needsAdmission: false, stepDeadline: nil, now: 0)
            for d in Self.dispatches(out) { perEndpoint[d.endpoint] += 1 }
        }
        #expect(perEndpoint == [3, 3, 3])
    }

    @Test func respectsPerEndpointAndGlobalCaps() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 2, perEndpoint: 3, global: 5))
        let (_, calls, out) = m.submitGroup(costs: Array(repeating: 1, count: 8), needsAdmission: false, stepDeadline: nil, now: 0)
        let d = Self.dispatches(out)
        #expect(d.count == 5)
        #expect(d.filter { $0.endpoint == 0 }.count <= 3)
        #expect(d.filter { $0.endpoint == 1 }.count <= 3)
        #expect(calls.count == 8)
        // One success frees one slot: exactly one more dispatch, in submission order.
        let next = m.attemptSucceeded(d[0].attempt, completionTokens: 3, now: 0.1)
        let d2 = Self.dispatches(next)
        #expect(d2.count == 1)
        #expect(d2[0].call == calls[5])
        #expect(next.actions.contains(.callSucceeded(d[0].call, attempt: d[0].attempt)))
    }

    @Test func samplesOfAGroupStickToTheirEndpoint() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 4, perEndpoint: 16))
        for _ in 0..<6 {
            let (_, _, out) = m.submitGroup(costs: [1, 1, 1, 1], needsAdmission: false, stepDeadline: nil, now: 0)
            let endpoints = Set(Self.dispatches(out).map(\.endpoint))
            #expect(endpoints.count == 1, "a group's samples share the prefix cache of one endpoint")
        }
    }

    @Test func fewestTokensRoutingWeighsCost() {
        var config = Self.configuration(endpoints: 2, perEndpoint: 10)
        config.routing = .fewestTokens
        var m = SchedulerStateMachine(configuration: config)
        let (_, _, a) = m.submitGroup(costs: [1000], needsAdmission: false, stepDeadline: nil, now: 0)
        let (_, _, b) = m.submitGroup(costs: [10], needsAdmission: false, stepDeadline: nil, now: 0)
        let (_, _, c) = m.submitGroup(costs: [10], needsAdmission: false, stepDeadline: nil, now: 0)
        let big = Self.dispatches(a)[0].endpoint
        #expect(Self.dispatches(b)[0].endpoint != big)
        #expect(Self.dispatches(c)[0].endpoint != big)
    }

    // MARK: Retries

    @Test func retriesWithJitteredExponentialBackoffThenReroutes() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 2, maxRetries: 2))
        let (_, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        var attempt = Self.dispatches(out)[0]
        let first = attempt.endpoint
        var now = 0.0
        var delays: [Double] = []
        var endpoints: [Int] = []
        for _ in 0..<3 {
            let failed = m.attemptFailed(attempt.attempt, error: Self.serverError, now: now)
            #expect(Self.dispatches(failed).isEmpty, "nothing is re-sent before the backoff ends")
            let wake = try! #require(failed.wakeUpAt)
            delays.append(wake - now)
            now = wake
            let retried = m.tick(now: now)
            attempt = Self.dispatches(retried)[0]
            #expect(attempt.call == calls[0])
            endpoints.append(attempt.endpoint)
        }
        // Equal jitter: retry k waits within [ceiling/2, ceiling], ceilings 0.1, 0.2, 0.4.
        for (k, d) in delays.enumerated() {
            let ceiling = 0.1 * Double(1 << k)
            #expect(d >= ceiling / 2 && d <= ceiling)
        }
        // Two retries on the same endpoint, then the request moves.
        #expect(endpoints[0] == first && endpoints[1] == first)
        #expect(endpoints[2] != first)
        let done = m.attemptSucceeded(attempt.attempt, completionTokens: 1, now: now + 0.1)
        #expect(done.actions.contains(.callSucceeded(calls[0], attempt: attempt.attempt)))
        let metrics = m.metrics(now: now)
        #expect(metrics.errors[.serverError] == 3)
        #expect(metrics.retries == 3)
    }

    @Test func jitterIsReproducibleFromTheSeed() {
        func delays(seed: UInt64) -> [Double] {
            var rng = SplitMix64(seed: seed)
            return (0..<5).map { BackoffPolicy().delay(retry: $0, using: &rng) }
        }
        #expect(delays(seed: 1) == delays(seed: 1))
        #expect(delays(seed: 1) != delays(seed: 2))
    }

    @Test func connectionFailuresRerouteAtOnce() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 2, maxRetries: 5))
        let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let a = Self.dispatches(out)[0]
        let failed = m.attemptFailed(a.attempt, error: Self.refused, now: 0)
        let retried = m.tick(now: failed.wakeUpAt!)
        #expect(Self.dispatches(retried)[0].endpoint != a.endpoint)
    }

    @Test func rateLimitHonoursRetryAfterAndPausesTheEndpoint() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 1))
        let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let a = Self.dispatches(out)[0]
        let failed = m.attemptFailed(a.attempt, error: InferenceError(.rateLimited, "429", retryAfter: 2), now: 1)
        #expect(failed.wakeUpAt! >= 3)
        #expect(Self.dispatches(m.tick(now: 2.5)).isEmpty)
        // Another request submitted meanwhile also waits for the pause.
        let (_, _, other) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 2.6)
        #expect(Self.dispatches(other).isEmpty)
        let resumed = m.tick(now: 3.0)
        #expect(Self.dispatches(resumed).count == 2)
        #expect(m.metrics(now: 3).endpoints[0].rateLimitPauses == 1)
    }

    @Test func nonRetryableErrorsFailAtOnce() {
        var m = SchedulerStateMachine(configuration: Self.configuration())
        let (group, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let a = Self.dispatches(out)[0]
        let e = InferenceError(.clientError, "HTTP 400")
        let failed = m.attemptFailed(a.attempt, error: e, now: 0.1)
        #expect(failed.actions == [.callFailed(calls[0], e), .groupFinished(group, partial: true)])
    }

    @Test func attemptsAreBoundedAndTheLastErrorIsReported() {
        var config = Self.configuration(endpoints: 1, maxRetries: 100)
        config.maxAttempts = 3
        config.circuitBreaker = CircuitBreakerPolicy(failureThreshold: 100)
        var m = SchedulerStateMachine(configuration: config)
        let (_, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        var a = Self.dispatches(out)[0]
        var now = 0.0
        for k in 0..<3 {
            let failed = m.attemptFailed(a.attempt, error: Self.serverError, now: now)
            if k == 2 {
                let failure = failed.actions.first {
                    if case .callFailed(let c, let e) = $0 { return c == calls[0] && e.code == .serverError }
                    return false
                }
                #expect(failure != nil)
                return
            }
            now = failed.wakeUpAt!
            a = Self.dispatches(m.tick(now: now))[0]
        }
    }

    @Test func requestDeadlineFailsARequestThatKeepsFailing() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 1, maxRetries: 50, requestDeadline: 1))
        let (_, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let a = Self.dispatches(out)[0]
        _ = m.attemptFailed(a.attempt, error: Self.serverError, now: 0.5)
        let expired = m.tick(now: 1.0)
        #expect(
            expired.actions.contains {
                if case .callFailed(let c, let e) = $0 { return c == calls[0] && e.code == .deadlineExceeded }
                return false
            })
    }

    // MARK: Circuit breaker

    @Test func ejectsAfterConsecutiveFailuresProbesAndComesBack() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 2, perEndpoint: 8))
        // Load endpoint 0 with three requests, fail them all.
        var onZero: [AttemptID] = []
        while onZero.count < 3 {
            let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
            onZero += Self.dispatches(out).filter { $0.endpoint == 0 }.map(\.attempt)
        }
        var now = 0.0
        for a in onZero {
            now += 0.01
            _ = m.attemptFailed(a, error: Self.serverError, now: now)
        }
        #expect(m.metrics(now: now).endpoints[0].ejected)
        #expect(m.metrics(now: now).endpoints[0].ejections == 1)
        // Retries all go to endpoint 1 while 0 is ejected.
        let retried = m.tick(now: now + 0.5)
        #expect(!Self.dispatches(retried).isEmpty)
        #expect(Self.dispatches(retried).allSatisfy { $0.endpoint == 1 })
        // After the open period a probe goes out; a failed probe doubles the ejection.
        let probeTime = now + 1.0
        let probe = m.tick(now: probeTime)
        #expect(probe.actions.contains(.probe(endpoint: 0)))
        let failedProbe = m.probeFinished(endpoint: 0, healthy: false, now: probeTime + 0.01)
        #expect(abs(failedProbe.wakeUpAt! - (probeTime + 0.01 + 2)) < 1e-9 || failedProbe.wakeUpAt! < probeTime + 2.01)
        let probe2 = m.tick(now: probeTime + 2.02)
        #expect(probe2.actions.contains(.probe(endpoint: 0)))
        _ = m.probeFinished(endpoint: 0, healthy: true, now: probeTime + 2.03)
        #expect(!m.metrics(now: probeTime + 2.03).endpoints[0].ejected)
        // Traffic returns to endpoint 0.
        var seen = Set<Int>()
        for _ in 0..<4 {
            let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: probeTime + 2.1)
            seen.formUnion(Self.dispatches(out).map(\.endpoint))
        }
        #expect(seen.contains(0))
        #expect(m.metrics(now: 10).endpoints[0].probeFailures == 1)
    }

    @Test func requestsWaitWhileEveryEndpointIsEjectedAndAreNeverDropped() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(
                endpoints: 1, maxRetries: 100, breaker: CircuitBreakerPolicy(failureThreshold: 1, openDuration: 1)))
        let (_, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let a = Self.dispatches(out)[0]
        _ = m.attemptFailed(a.attempt, error: Self.refused, now: 0)
        // The retry is due but the only endpoint is ejected: nothing is sent, nothing fails.
        let t = m.tick(now: 0.5)
        #expect(Self.dispatches(t).isEmpty)
        #expect(!t.actions.contains { if case .callFailed = $0 { true } else { false } })
        let p = m.tick(now: 1.0)
        #expect(p.actions.contains(.probe(endpoint: 0)))
        let back = m.probeFinished(endpoint: 0, healthy: true, now: 1.1)
        let d = Self.dispatches(back)
        #expect(d.count == 1 && d[0].call == calls[0])
    }

    static func failures(_ out: SchedulerStateMachine.Output) -> [(CallID, InferenceError)] {
        out.actions.compactMap {
            if case .callFailed(let c, let e) = $0 { return (c, e) }
            return nil
        }
    }

    static func reportsEjection(_ out: SchedulerStateMachine.Output) -> Bool {
        out.actions.contains { if case .endpointEjected = $0 { true } else { false } }
    }

    @Test func ejectionAndRecoveryAreReportedOnce() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(
                endpoints: 2, maxRetries: 100, breaker: CircuitBreakerPolicy(failureThreshold: 2, openDuration: 1)))
        let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let onFirst = Self.dispatches(out)
        #expect(onFirst.map(\.endpoint) == [0])
        // A server error keeps the retry on the same endpoint; one failure is below the threshold.
        #expect(!Self.reportsEjection(m.attemptFailed(onFirst[0].attempt, error: Self.serverError, now: 0.1)))
        let retry = Self.dispatches(m.tick(now: 2))
        #expect(retry.map(\.endpoint) == [0])
        let second = m.attemptFailed(retry[0].attempt, error: Self.serverError, now: 2.1)
        #expect(second.actions.contains(.endpointEjected(endpoint: 0, error: Self.serverError)))
        // The other endpoint is up: no give-up clock.
        #expect(m.unavailableSince == nil)
        // A failed probe ejects again without a second report; a passed one reports the recovery.
        #expect(m.tick(now: 3.1).actions.contains(.probe(endpoint: 0)))
        #expect(!Self.reportsEjection(m.probeFinished(endpoint: 0, healthy: false, now: 3.1)))
        #expect(m.tick(now: 5.1).actions.contains(.probe(endpoint: 0)))
        #expect(m.probeFinished(endpoint: 0, healthy: true, now: 5.1).actions.contains(.endpointRestored(endpoint: 0)))
    }

    @Test func givesUpOnceEveryEndpointStaysEjectedThenFailsNewWorkAtOnceUntilOneReturns() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(
                endpoints: 1, maxRetries: 100,
                breaker: CircuitBreakerPolicy(failureThreshold: 1, openDuration: 1, maxOpenDuration: 4, giveUpAfter: 10)))
        let (_, calls, out) = m.submitGroup(costs: [1, 1], needsAdmission: false, stepDeadline: nil, now: 0)
        let d = Self.dispatches(out)
        #expect(d.count == 2)
        #expect(m.attemptFailed(d[0].attempt, error: Self.refused, now: 0.2).actions.contains(.endpointEjected(endpoint: 0, error: Self.refused)))
        #expect(m.unavailableSince == 0.2)
        // The second attempt fails too; the endpoint is already ejected: no second report.
        #expect(!Self.reportsEjection(m.attemptFailed(d[1].attempt, error: Self.refused, now: 0.3)))
        // Probes keep failing; until the give-up time (10.2) nothing is sent and nothing fails.
        var probes = 0
        for k in 1...20 {
            let t = Double(k) * 0.5
            let out = m.tick(now: t)
            if out.actions.contains(.probe(endpoint: 0)) {
                probes += 1
                _ = m.probeFinished(endpoint: 0, healthy: false, now: t)
            }
            #expect(Self.dispatches(out).isEmpty && Self.failures(out).isEmpty, "at \(t)")
        }
        #expect(probes >= 3)
        let gaveUp = m.tick(now: 10.25)
        #expect(gaveUp.actions.contains(.gaveUp(since: 0.2)))
        let failed = Self.failures(gaveUp)
        #expect(failed.map(\.0).sorted() == calls.sorted())
        #expect(failed.allSatisfy { $0.1.code == .unavailable && $0.1.context?.contains("refused") == true })
        // Work submitted while given up fails at once, with the reason.
        let (lateGroup, late, lateOut) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 11)
        let lateFailures = Self.failures(lateOut)
        #expect(lateFailures.map(\.0) == late)
        #expect(lateFailures.first?.1.code == .unavailable)
        #expect(lateFailures.first?.1.message.contains("every endpoint has been ejected for 11 s") == true)
        #expect(lateOut.actions.contains(.groupFinished(lateGroup, partial: true)))
        // The endpoint passes a probe: reported, the clock stops, new work is sent again.
        var probeAt = 11.0
        var probed = false
        for _ in 0..<40 where !probed {
            probeAt += 0.25
            probed = m.tick(now: probeAt).actions.contains(.probe(endpoint: 0))
        }
        #expect(probed)
        #expect(m.probeFinished(endpoint: 0, healthy: true, now: probeAt).actions.contains(.endpointRestored(endpoint: 0)))
        #expect(!m.gaveUp && m.unavailableSince == nil)
        let (_, _, backOut) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: probeAt + 0.1)
        #expect(Self.dispatches(backOut).count == 1)
        #expect(Self.failures(backOut).isEmpty)
    }

    // MARK: Hedging

    @Test func hedgesASlowRequestAndCancelsTheLoser() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(
                endpoints: 2, perEndpoint: 50, hedging: HedgingPolicy(quantile: 0.95, minSamples: 20, minDelay: 0.01)))
        // Build latency history: 20 requests of 0.1 s.
        for _ in 0..<20 {
            let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
            let a = Self.dispatches(out)[0]
            _ = m.attemptSucceeded(a.attempt, completionTokens: 1, now: 0.1)
        }
        let (_, calls, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 1)
        let original = Self.dispatches(out)[0]
        #expect(abs(out.wakeUpAt! - 1.1) < 1e-9, "hedge timer at the p95 latency")
        let hedged = m.tick(now: 1.1)
        let hedge = try! #require(Self.dispatches(hedged).first)
        #expect(hedge.hedge && hedge.call == calls[0] && hedge.endpoint != original.endpoint)
        let won = m.attemptSucceeded(hedge.attempt, completionTokens: 1, now: 1.15)
        #expect(won.actions.contains(.cancelAttempt(original.attempt)))
        #expect(won.actions.contains(.callSucceeded(calls[0], attempt: hedge.attempt)))
        // The loser's late answer changes nothing.
        let late = m.attemptSucceeded(original.attempt, completionTokens: 1, now: 1.2)
        #expect(late.actions.isEmpty)
        let metrics = m.metrics(now: 2)
        #expect(metrics.hedges == 1)
        #expect(metrics.endpoints[hedge.endpoint].hedgesWon == 1)
        #expect(metrics.inFlight == 0)
    }

    @Test func noHedgingBeforeEnoughSamples() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(endpoints: 2, hedging: HedgingPolicy(minSamples: 20)))
        let (_, _, out) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        #expect(out.wakeUpAt == nil)
    }

    // MARK: Staleness admission

    @Test func admissionFollowsTheStalenessCapacity() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(
                endpoints: 1, perEndpoint: 100, admission: AdmissionPolicy(maxStaleness: 1, batchSize: 2)))
        // capacity = (1 + 0 + 1) · 2 = 4 groups.
        var groups: [(GroupID, [CallID], SchedulerStateMachine.Output)] = []
        for _ in 0..<6 {
            groups.append(m.submitGroup(costs: [1], needsAdmission: true, stepDeadline: nil, now: 0))
        }
        let admitted = groups.filter { !Self.dispatches($0.2).isEmpty }.count
        #expect(admitted == 4)
        #expect(m.metrics(now: 0).admissionCapacity == 0)
        #expect(m.metrics(now: 0).groupsWaitingForAdmission == 2)
        // Finishing groups does not free capacity (they become accepted)...
        for g in groups.prefix(4) {
            let d = Self.dispatches(g.2)[0]
            _ = m.attemptSucceeded(d.attempt, completionTokens: 1, now: 1)
        }
        #expect(m.metrics(now: 1).acceptedGroups == 4)
        #expect(Self.dispatches(m.tick(now: 2)).isEmpty)
        // ...a new policy version does: (1 + 1 + 1) · 2 − 4 = 2.
        let bumped = m.updatePolicyVersion(1, now: 3)
        #expect(Self.dispatches(bumped).count == 2)
        #expect(bumped.actions.contains(.groupAdmitted(groups[4].0)))
        #expect(m.metrics(now: 3).admissionCapacity == 0)
    }

    @Test func rejectedGroupsFreeCapacity() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(endpoints: 1, admission: AdmissionPolicy(maxStaleness: 0, batchSize: 1)))
        let (_, _, a) = m.submitGroup(costs: [1], needsAdmission: true, stepDeadline: nil, now: 0)
        let (_, _, b) = m.submitGroup(costs: [1], needsAdmission: true, stepDeadline: nil, now: 0)
        #expect(Self.dispatches(b).isEmpty)
        _ = m.attemptSucceeded(Self.dispatches(a)[0].attempt, completionTokens: 1, now: 1)
        let freed = m.recordRejected(1, now: 1)
        #expect(Self.dispatches(freed).count == 1)
    }

    @Test func judgeCallsBypassAdmission() {
        var m = SchedulerStateMachine(
            configuration: Self.configuration(endpoints: 1, admission: AdmissionPolicy(maxStaleness: 0, batchSize: 1)))
        _ = m.submitGroup(costs: [1], needsAdmission: true, stepDeadline: nil, now: 0)
        _ = m.submitGroup(costs: [1], needsAdmission: true, stepDeadline: nil, now: 0)
        let (_, _, judge) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        #expect(Self.dispatches(judge).count == 1)
    }

    // MARK: Step deadline

    @Test func stepDeadlineClosesGroupsPartially() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 1, perEndpoint: 10))
        let (group, calls, out) = m.submitGroup(costs: [1, 1, 1], needsAdmission: false, stepDeadline: 5, now: 0)
        let d = Self.dispatches(out)
        _ = m.attemptSucceeded(d[0].attempt, completionTokens: 1, now: 1)
        let closed = m.tick(now: 5)
        #expect(closed.actions.contains(.cancelAttempt(d[1].attempt)))
        #expect(closed.actions.contains(.cancelAttempt(d[2].attempt)))
        #expect(closed.actions.last == .groupFinished(group, partial: true))
        let failedCalls = closed.actions.compactMap { a -> CallID? in
            if case .callFailed(let c, let e) = a, e.code == .deadlineExceeded { return c }
            return nil
        }
        #expect(Set(failedCalls) == [calls[1], calls[2]])
        #expect(m.metrics(now: 5).inFlight == 0)
        #expect(m.isIdle)
    }

    // MARK: Rate limits

    @Test func requestRateLimitSpacesDispatches() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 1, perEndpoint: 100, rps: 2))
        let (_, _, out) = m.submitGroup(costs: Array(repeating: 1, count: 6), needsAdmission: false, stepDeadline: nil, now: 0)
        #expect(Self.dispatches(out).count == 2, "burst of one second's worth")
        let wake = try! #require(out.wakeUpAt)
        #expect(abs(wake - 0.5) < 1e-9)
        #expect(Self.dispatches(m.tick(now: 0.5)).count == 1)
        #expect(Self.dispatches(m.tick(now: 1.0)).count == 1)
    }

    @Test func tokensPerMinuteAreCorrectedByReportedUsage() {
        // 600 tokens/min = 10 tokens/s; each call is estimated at 500 tokens.
        let config = SchedulerConfiguration(
            endpoints: [EndpointConfig(url: "http://e0", maxConcurrency: 10, tokensPerMinute: 600)], generation: GenerationSettings(model: "m"),
            seed: 7)
        var corrected = SchedulerStateMachine(configuration: config)
        var estimated = SchedulerStateMachine(configuration: config)
        let first = Self.dispatches(corrected.submitGroup(costs: [500, 500], needsAdmission: false, stepDeadline: nil, now: 0).2)
        let firstEstimated = Self.dispatches(estimated.submitGroup(costs: [500, 500], needsAdmission: false, stepDeadline: nil, now: 0).2)
        #expect(first.count == 1, "the second call waits for tokens")
        #expect(firstEstimated.count == 1)
        // The server reports 20 prompt + 30 completion tokens: 450 come back, the second call starts now.
        let next = corrected.attemptSucceeded(first[0].attempt, completionTokens: 30, promptTokens: 20, now: 0.1)
        #expect(Self.dispatches(next).count == 1)
        // Without usage the estimate stands and the second call waits about 40 s for 400 more tokens.
        let waiting = estimated.attemptSucceeded(firstEstimated[0].attempt, completionTokens: 30, now: 0.1)
        #expect(Self.dispatches(waiting).isEmpty)
        #expect((waiting.wakeUpAt ?? 0) > 30)
    }

    @Test func tokenBucketRefillsAndCaps() {
        var b = TokenBucket.tokensPerMinute(600, now: 0)  // 10 tokens/s
        let took = b.take(600, now: 0)
        #expect(took)
        let early = b.canTake(5, now: 0.1)
        #expect(!early)
        let at = b.availableAt(5, now: 0.1)
        #expect(abs(at - 0.5) < 1e-9)
        let later = b.take(5, now: 0.5)
        #expect(later)
        let huge = b.take(10_000, now: 1000)
        #expect(huge, "a cost above capacity is charged the capacity")
    }

    // MARK: Shutdown

    @Test func shutdownFailsEverythingPending() {
        var m = SchedulerStateMachine(configuration: Self.configuration(endpoints: 1, perEndpoint: 1))
        let (g1, _, _) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let (g2, _, _) = m.submitGroup(costs: [1], needsAdmission: false, stepDeadline: nil, now: 0)
        let out = m.shutdown(now: 1)
        #expect(out.actions.contains(.groupFinished(g1, partial: true)))
        #expect(out.actions.contains(.groupFinished(g2, partial: true)))
        #expect(m.isIdle)
        #expect(m.metrics(now: 1).inFlight == 0)
    }
}
