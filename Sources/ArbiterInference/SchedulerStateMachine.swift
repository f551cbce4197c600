import ArbiterCore
import NIOCore

/// Identifies a request (one HTTP call's worth of work, retried until it succeeds or fails).
public struct CallID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int
    public static func < (a: CallID, b: CallID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "call#\(rawValue)" }
}

/// Identifies one HTTP attempt of a request.
public struct AttemptID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int
    public static func < (a: AttemptID, b: AttemptID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "attempt#\(rawValue)" }
}

/// Identifies a group of requests submitted together (the n samples of a prompt, or one judge call).
public struct GroupID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: Int
    public static func < (a: GroupID, b: GroupID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "group#\(rawValue)" }
}

/// The scheduler's decisions as a value type: events in, actions out, time passed in as values.
///
/// It knows nothing about HTTP, clocks or tasks. ``RolloutScheduler`` feeds it events
/// (submissions, attempt results, probe results, timer ticks, policy versions) with the current
/// time and executes the actions it returns (start an attempt, cancel one, resume a waiter,
/// probe an endpoint) and arms one timer for ``Output/wakeUpAt``.
///
/// Responsibilities: the global and per-endpoint in-flight caps; routing to the endpoint with
/// the fewest outstanding requests (or tokens) with affinity for a group's samples; retries with
/// jittered exponential backoff for retryable failures (honouring `Retry-After`); per-request
/// deadlines; the circuit breaker (eject after consecutive failures, probe back with `/health`,
/// give up once every endpoint has been ejected for `giveUpAfter`); optional hedging past the
/// latency quantile; step deadlines that close groups partially; token-bucket rate limits;
/// staleness admission; and the counters of ``SchedulerMetrics``. Requests are never dropped: a
/// request fails only when its error is not retryable, its attempts are exhausted, its deadline
/// passes, or no endpoint has been usable for longer than `giveUpAfter`.
struct SchedulerStateMachine {
    /// What the executor must do.
    enum Action: Equatable, Sendable {
        /// Start HTTP attempt `attempt` of `call` on endpoint `endpoint`.
        case dispatch(attempt: AttemptID, call: CallID, endpoint: Int, isHedge: Bool)
        /// Cancel a running attempt (a losing hedge, an abandoned request); its result is ignored.
        case cancelAttempt(AttemptID)
        /// The call succeeded with `attempt`'s response.
        case callSucceeded(CallID, attempt: AttemptID)
        /// The call failed for good.
        case callFailed(CallID, InferenceError)
        /// The group passed admission control.
        case groupAdmitted(GroupID)
        /// Every call of the group ended (or the step deadline closed it: `partial`).
        case groupFinished(GroupID, partial: Bool)
        /// Send a `/health` probe to an ejected endpoint.
        case probe(endpoint: Int)
        /// The endpoint was ejected after consecutive failures (the last one is `error`); it is
        /// probed again later. Repeated ejections after failed probes are not reported again.
        case endpointEjected(endpoint: Int, error: InferenceError)
        /// An ejected endpoint passed its probe and takes requests again.
        case endpointRestored(endpoint: Int)
        /// Every endpoint has been ejected since `since` for longer than the breaker's
        /// `giveUpAfter`: waiting requests failed with ``InferenceError/Code/unavailable``.
        case gaveUp(since: Double)
    }

    /// Actions of one event, in order, and when the machine next needs a ``tick(now:)``.
    struct Output: Sendable {
        var actions: [Action] = []
        var wakeUpAt: Double?
    }

    enum Breaker: Hashable, Sendable {
        case closed(failures: Int)
        case open(until: Double, ejections: Int)
        case probing(ejections: Int)
    }

    struct Endpoint: Sendable {
        let maxConcurrency: Int
        var inFlight = 0
        var outstandingTokens = 0
        var breaker = Breaker.closed(failures: 0)
        var pausedUntil = 0.0
        var requestBucket: TokenBucket?
        var tokenBucket: TokenBucket?
        var metrics: EndpointMetrics

        var isClosed: Bool { if case .closed = breaker { true } else { false } }
    }

    enum CallState: Hashable, Sendable {
        case pendingAdmission
        case queued
        case backingOff(until: Double)
        case running
        case done
    }

    struct Call: Sendable {
        let group: GroupID
        let estimatedTokens: Int
        let deadline: Double?
        var state = CallState.pendingAdmission
        var attempts = 0
        var retries = 0
        var failuresByEndpoint: [Int: Int] = [:]
        var excluded: Set<Int> = []
        var preferred: Int?
        var running: [AttemptID] = []
        var hedged = false
        var lastError: InferenceError?
    }

    struct Attempt: Sendable {
        let call: CallID
        let endpoint: Int
        let startedAt: Double
        let isHedge: Bool
        let cost: Int
    }

    struct Group: Sendable {
        var calls: [CallID]
        var remaining: Int
        var succeeded = 0
        let needsAdmission: Bool
        var admitted = false
        var affinity: Int?
        let stepDeadline: Double?
    }

    enum Timer: Hashable, Sendable {
        case retry(CallID)
        case hedge(AttemptID)
        case callDeadline(CallID)
        case groupDeadline(GroupID)
        case probe(endpoint: Int)
        case resume
        case giveUp
    }

    struct Admission: Sendable {
        let policy: AdmissionPolicy
        var version: PolicyVersion
        var accepted = 0
        var running = 0

        var capacity: Int {
            (policy.maxStaleness + (version.rawValue - policy.initialVersion.rawValue) + 1) * policy.batchSize - accepted
                - running
        }
    }

    let configuration: SchedulerConfiguration
    var endpoints: [Endpoint]
    var calls: [CallID: Call] = [:]
    var attempts: [AttemptID: Attempt] = [:]
    var groups: [GroupID: Group] = [:]
    var queue = CircularBuffer<CallID>()
    var admissionQueue = CircularBuffer<GroupID>()
    var timers = TimerHeap<Timer>()
    var admission: Admission?
    var rng: SplitMix64
    var latencies: LatencyWindow
    var inFlight = 0
    var nextID = 0
    var roundRobin = 0
    var resumeTimerAt: Double?
    var shuttingDown = false
    /// Since when no endpoint has been closed (all ejected or probing); nil while one is.
    var unavailableSince: Double?
    /// Whether the scheduler gave up waiting for an endpoint (until one passes a probe).
    var gaveUp = false
    var startedAt: Double
    var counters = SchedulerMetrics(endpoints: [])

    init(configuration: SchedulerConfiguration, now: Double = 0) {
        self.configuration = configuration
        self.endpoints = configuration.endpoints.map { e in
            Endpoint(
                maxConcurrency: max(1, e.maxConcurrency),
                requestBucket: e.requestsPerSecond.map { TokenBucket.requestsPerSecond($0, now: now) },
                tokenBucket: e.tokensPerMinute.map { TokenBucket.tokensPerMinute($0, now: now) },
                metrics: EndpointMetrics(url: e.url))
        }
        self.admission = configuration.admission.map { Admission(policy: $0, version: $0.initialVersion) }
        self.rng = SplitMix64(seed: configuration.seed)
        self.latencies = LatencyWindow(quantile: configuration.hedging?.quantile ?? 0.95)
        self.startedAt = now
    }

    private mutating func makeID() -> Int {
        nextID += 1
        return nextID
    }

    // MARK: Submissions

    /// Submits a group of requests with their estimated token costs.
    ///
    /// - Parameters:
    ///   - costs: one estimated token cost per request.
    ///   - needsAdmission: whether staleness admission applies (generation groups).
    ///   - stepDeadline: absolute time after which the group closes with what it has.
    ///   - requestDeadline: absolute deadline of each request (nil: the configured one, if any).
    mutating func submitGroup(
        costs: [Int], needsAdmission: Bool, stepDeadline: Double?, requestDeadline: Double? = nil, now: Double
    ) -> (GroupID, [CallID], Output) {
        var out = Output()
        let group = GroupID(rawValue: makeID())
        guard !shuttingDown else {
            // Callers check before submitting; an empty, finished group is the safe answer.
            return (group, [], out)
        }
        var ids: [CallID] = []
        ids.reserveCapacity(costs.count)
        let deadline = requestDeadline ?? configuration.requestDeadline.map { now + $0 }
        for cost in costs {
            let id = CallID(rawValue: makeID())
            calls[id] = Call(group: group, estimatedTokens: max(1, cost), deadline: deadline)
            ids.append(id)
            if let deadline { timers.push(.callDeadline(id), at: deadline) }
        }
        let needs = needsAdmission && admission != nil
        groups[group] = Group(
            calls: ids, remaining: ids.count, needsAdmission: needs, stepDeadline: stepDeadline)
        if let stepDeadline { timers.push(.groupDeadline(group), at: stepDeadline) }
        if ids.isEmpty {
            groups[group] = nil
            out.actions.append(.groupFinished(group, partial: false))
            return (group, ids, finish(out))
        }
        if needs {
            admissionQueue.append(group)
            counters.groupsWaitingForAdmission += 1
            admitWaiting(now: now, &out)
        } else {
            enqueue(group: group, &out)
        }
        dispatchReady(now: now, &out)
        return (group, ids, finish(out))
    }

    private mutating func enqueue(group id: GroupID, _ out: inout Output) {
        guard var group = groups[id] else { return }
        group.admitted = true
        groups[id] = group
        counters.groupsAdmitted += 1
        if group.needsAdmission { out.actions.append(.groupAdmitted(id)) }
        for c in group.calls {
            guard calls[c]?.state == .pendingAdmission else { continue }
            calls[c]!.state = .queued
            queue.append(c)
        }
    }

    /// Cancels a group (its caller went away): cancels its attempts and finishes it partial.
    mutating func cancelGroup(_ id: GroupID, now: Double) -> Output {
        var out = Output()
        closeGroup(id, reason: InferenceError(.cancelled, "request cancelled by its caller"), now: now, &out)
        dispatchReady(now: now, &out)
        return finish(out)
    }

    // MARK: Attempt results

    /// An attempt returned a parsed response with `completionTokens` generated tokens.
    mutating func attemptSucceeded(_ id: AttemptID, completionTokens: Int, promptTokens: Int? = nil, now: Double) -> Output {
        var out = Output()
        guard let attempt = attempts.removeValue(forKey: id) else { return finish(out) }
        release(attempt, now: now)
        // Tokens-per-minute limits charge an estimate at dispatch; with the server's reported
        // usage, the bucket gets the difference back (or pays the overrun), so a hosted API's
        // budget is spent on what was really used.
        if let promptTokens, var bucket = endpoints[attempt.endpoint].tokenBucket, let estimate = calls[attempt.call]?.estimatedTokens {
            let charged = min(Double(estimate), bucket.capacity)
            bucket.adjust(by: charged - Double(promptTokens + completionTokens), now: now)
            endpoints[attempt.endpoint].tokenBucket = bucket
        }
        let latency = now - attempt.startedAt
        // The window only serves the hedging threshold.
        if configuration.hedging != nil { latencies.add(latency) }
        if let hedging = configuration.hedging, latencies.count == hedging.minSamples, let q = latencies.cachedQuantile {
            // Hedging just became possible: attempts started before now get their timers too.
            for (id, a) in attempts where !a.isHedge {
                timers.push(.hedge(id), at: max(now, a.startedAt + max(hedging.minDelay, q)))
            }
        }
        // In place: copying the endpoint out would copy its latency histogram on every success.
        endpoints[attempt.endpoint].metrics.successes += 1
        endpoints[attempt.endpoint].metrics.recordLatency(latency)
        endpoints[attempt.endpoint].metrics.completionTokens += completionTokens
        if case .closed = endpoints[attempt.endpoint].breaker { endpoints[attempt.endpoint].breaker = .closed(failures: 0) }
        if calls[attempt.call] != nil {
            calls[attempt.call]!.running.removeAll { $0 == id }
            if calls[attempt.call]!.state != .done {
                let others = calls[attempt.call]!.running
                for other in others {
                    if let a = attempts.removeValue(forKey: other) { release(a, now: now) }
                    out.actions.append(.cancelAttempt(other))
                }
                calls[attempt.call]!.running = []
                if attempt.isHedge { endpoints[attempt.endpoint].metrics.hedgesWon += 1 }
                calls[attempt.call]!.state = .done
                out.actions.append(.callSucceeded(attempt.call, attempt: id))
                counters.callsSucceeded += 1
                callEnded(attempt.call, succeeded: true, now: now, &out)
            }
        }
        dispatchReady(now: now, &out)
        return finish(out)
    }

    /// An attempt failed with `error`.
    mutating func attemptFailed(_ id: AttemptID, error: InferenceError, now: Double) -> Output {
        var out = Output()
        guard let attempt = attempts.removeValue(forKey: id) else { return finish(out) }
        release(attempt, now: now)
        recordFailure(endpoint: attempt.endpoint, error: error, now: now, &out)
        guard var call = calls[attempt.call] else {
            dispatchReady(now: now, &out)
            return finish(out)
        }
        call.running.removeAll { $0 == id }
        call.lastError = error
        calls[attempt.call] = call
        if call.state == .done || !call.running.isEmpty {
            // Already decided, or a hedge sibling is still running and may win.
            dispatchReady(now: now, &out)
            return finish(out)
        }
        if !error.isRetryable {
            failCall(attempt.call, error: error, now: now, &out)
        } else if call.attempts >= configuration.maxAttempts {
            var e = error
            e.message = "gave up after \(call.attempts) attempts; last: \(error.message)"
            failCall(attempt.call, error: e, now: now, &out)
        } else if let deadline = call.deadline, now >= deadline {
            failCall(attempt.call, error: InferenceError(.deadlineExceeded, "request deadline passed", context: error.context), now: now, &out)
        } else {
            scheduleRetry(attempt.call, after: attempt, error: error, now: now, &out)
        }
        dispatchReady(now: now, &out)
        return finish(out)
    }

    /// A `/health` probe answered.
    mutating func probeFinished(endpoint index: Int, healthy: Bool, now: Double) -> Output {
        var out = Output()
        guard case .probing(let ejections) = endpoints[index].breaker else { return finish(out) }
        if healthy {
            endpoints[index].breaker = .closed(failures: 0)
            endpoints[index].metrics.ejected = false
            out.actions.append(.endpointRestored(endpoint: index))
            updateAvailability(now: now)
        } else {
            endpoints[index].metrics.probeFailures += 1
            open(index, ejections: ejections + 1, now: now)
        }
        dispatchReady(now: now, &out)
        return finish(out)
    }

    // MARK: Policy version and admission

    /// The trainer published a new policy version: more groups may start.
    mutating func updatePolicyVersion(_ version: PolicyVersion, now: Double) -> Output {
        var out = Output()
        if var a = admission, version > a.version {
            a.version = version
            admission = a
            admitWaiting(now: now, &out)
            dispatchReady(now: now, &out)
        }
        return finish(out)
    }

    /// The engine discarded `count` finished groups (e.g. filtered by dynamic sampling):
    /// they no longer count as accepted, so as many new groups may start.
    mutating func recordRejected(_ count: Int, now: Double) -> Output {
        var out = Output()
        if var a = admission {
            a.accepted = max(0, a.accepted - count)
            admission = a
            admitWaiting(now: now, &out)
            dispatchReady(now: now, &out)
        }
        return finish(out)
    }

    private mutating func admitWaiting(now: Double, _ out: inout Output) {
        guard admission != nil else { return }
        while let id = admissionQueue.first {
            guard let group = groups[id], !group.admitted else {
                admissionQueue.removeFirst()
                continue
            }
            guard admission!.capacity > 0 else { return }
            admissionQueue.removeFirst()
            counters.groupsWaitingForAdmission -= 1
            admission!.running += 1
            enqueue(group: id, &out)
        }
    }

    // MARK: Time

    /// Handles every timer due at `now` (retries, hedges, deadlines, probes, rate-limit resumption).
    mutating func tick(now: Double) -> Output {
        var out = Output()
        if let at = resumeTimerAt, at <= now { resumeTimerAt = nil }
        var hedges: [AttemptID] = []
        while let (_, timer) = timers.popDue(now) {
            switch timer {
            case .retry(let id):
                guard let call = calls[id], case .backingOff = call.state else { continue }
                calls[id]!.state = .queued
                // Retries go first: they are the oldest work.
                queue.prepend(id)
            case .hedge(let id):
                hedges.append(id)
            case .callDeadline(let id):
                guard let call = calls[id], call.state != .done, call.state != .pendingAdmission else { continue }
                failCall(id, error: InferenceError(.deadlineExceeded, "request deadline passed", context: call.lastError?.description), now: now, &out)
            case .groupDeadline(let id):
                closeGroup(id, reason: InferenceError(.deadlineExceeded, "step deadline closed the group"), now: now, &out)
            case .probe(let index):
                guard case .open(let until, let ejections) = endpoints[index].breaker, until <= now else { continue }
                endpoints[index].breaker = .probing(ejections: ejections)
                endpoints[index].metrics.probes += 1
                out.actions.append(.probe(endpoint: index))
            case .resume:
                break
            case .giveUp:
                guard let since = unavailableSince, !gaveUp, let limit = configuration.circuitBreaker.giveUpAfter,
                    now >= since + limit
                else { continue }
                gaveUp = true
                out.actions.append(.gaveUp(since: since))
                failWaitingCalls(now: now, &out)
            }
        }
        // Queued work first; hedges take what capacity is left.
        dispatchReady(now: now, &out)
        for id in hedges { hedge(id, now: now, &out) }
        return finish(out)
    }

    /// Stops admitting; fails every queued or waiting request and cancels running attempts.
    mutating func shutdown(now: Double) -> Output {
        var out = Output()
        shuttingDown = true
        for id in groups.keys.sorted() {
            closeGroup(id, reason: InferenceError(.shutdown, "scheduler shut down"), now: now, &out)
        }
        return finish(out)
    }

    // MARK: Snapshot

    /// The counters now.
    func metrics(now: Double) -> SchedulerMetrics {
        var m = counters
        let elapsed = max(now - startedAt, 1e-9)
        m.elapsed = now - startedAt
        m.endpoints = endpoints.map { e in
            var x = e.metrics
            x.inFlight = e.inFlight
            x.tokensPerSecond = Double(x.completionTokens) / elapsed
            return x
        }
        m.inFlight = inFlight
        m.waiting = calls.values.reduce(0) { n, c in
            switch c.state {
            case .queued, .backingOff: n + 1
            default: n
            }
        }
        if let a = admission {
            m.policyVersion = a.version
            m.acceptedGroups = a.accepted
            m.runningGroups = a.running
            m.admissionCapacity = a.capacity
        }
        return m
    }

    /// Whether nothing is pending (every group finished).
    var isIdle: Bool { groups.isEmpty }

    private func finish(_ out: Output) -> Output {
        var out = out
        var wake = timers.nextTime
        if let r = resumeTimerAt { wake = min(wake ?? r, r) }
        out.wakeUpAt = wake
        return out
    }
}
