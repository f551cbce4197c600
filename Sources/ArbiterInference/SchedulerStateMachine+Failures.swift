extension SchedulerStateMachine {
    /// Counts a failed attempt against its endpoint: error counters, the circuit breaker, and
    /// the pause a 429 asks for.
    mutating func recordFailure(endpoint index: Int, error: InferenceError, now: Double, _ out: inout Output) {
        var e = endpoints[index]
        if error.code != .cancelled { e.metrics.errors[error.code, default: 0] += 1 }
        if error.code == .rateLimited {
            let pause = error.retryAfter ?? configuration.backoff.base
            if now + pause > e.pausedUntil {
                e.pausedUntil = now + pause
                e.metrics.rateLimitPauses += 1
            }
            endpoints[index] = e
            timers.push(.resume, at: now + pause)
            return
        }
        endpoints[index] = e
        guard error.blamesEndpoint else { return }
        if case .closed(let failures) = e.breaker {
            if failures + 1 >= configuration.circuitBreaker.failureThreshold {
                open(index, ejections: 1, now: now)
                out.actions.append(.endpointEjected(endpoint: index, error: error))
            } else {
                endpoints[index].breaker = .closed(failures: failures + 1)
            }
        }
    }

    /// Ejects endpoint `index` for the `ejections`-th time in a row and schedules its probe.
    mutating func open(_ index: Int, ejections: Int, now: Double) {
        let policy = configuration.circuitBreaker
        let duration = min(policy.maxOpenDuration, policy.openDuration * Double(1 << min(ejections - 1, 20)))
        endpoints[index].breaker = .open(until: now + duration, ejections: ejections)
        if ejections == 1 || !endpoints[index].metrics.ejected { endpoints[index].metrics.ejections += 1 }
        endpoints[index].metrics.ejected = true
        timers.push(.probe(endpoint: index), at: now + duration)
        updateAvailability(now: now)
    }

    /// Starts or stops the give-up clock: it runs while no endpoint is closed.
    mutating func updateAvailability(now: Double) {
        if endpoints.contains(where: \.isClosed) {
            unavailableSince = nil
            gaveUp = false
        } else if unavailableSince == nil {
            unavailableSince = now
            if let limit = configuration.circuitBreaker.giveUpAfter { timers.push(.giveUp, at: now + limit) }
        }
    }

    /// After giving up: fails every request that waits for an endpoint (queued or backing
    /// off); requests still waiting for admission fail once admitted.
    mutating func failWaitingCalls(now: Double, _ out: inout Output) {
        guard let since = unavailableSince else { return }
        var waiting: [CallID] = []
        for (id, call) in calls {
            switch call.state {
            case .queued, .backingOff: waiting.append(id)
            default: continue
            }
        }
        let message = "no endpoint available: every endpoint has been ejected for \(Int((now - since).rounded())) s"
        for id in waiting.sorted() {
            let last = calls[id]?.lastError
            failCall(id, error: InferenceError(.unavailable, message, context: last.map { "last error: \($0)" }), now: now, &out)
        }
    }

    /// Puts a failed call back after a jittered backoff, on the same endpoint while it has
    /// retries left there, elsewhere once it has not (or at once for unreachable endpoints).
    mutating func scheduleRetry(_ id: CallID, after attempt: Attempt, error: InferenceError, now: Double, _ out: inout Output) {
        guard var call = calls[id] else { return }
        let failures = (call.failuresByEndpoint[attempt.endpoint] ?? 0) + 1
        call.failuresByEndpoint[attempt.endpoint] = failures
        let ejected = !endpoints[attempt.endpoint].isClosed
        if error.suggestsReroute || failures > configuration.maxRetriesPerEndpoint || ejected {
            call.excluded.insert(attempt.endpoint)
            if call.preferred == attempt.endpoint { call.preferred = nil }
        } else {
            call.preferred = attempt.endpoint
        }
        var delay = configuration.backoff.delay(retry: call.retries, using: &rng)
        if let after = error.retryAfter { delay = max(delay, after) }
        if let deadline = call.deadline { delay = min(delay, max(0, deadline - now)) }
        call.retries += 1
        call.state = .backingOff(until: now + delay)
        calls[id] = call
        endpoints[attempt.endpoint].metrics.retries += 1
        timers.push(.retry(id), at: now + delay)
    }

    /// Fails a call for good: cancels its running attempts and reports it.
    mutating func failCall(_ id: CallID, error: InferenceError, now: Double, _ out: inout Output) {
        guard var call = calls[id], call.state != .done else { return }
        for a in call.running {
            if let attempt = attempts.removeValue(forKey: a) { release(attempt, now: now) }
            out.actions.append(.cancelAttempt(a))
        }
        call.running = []
        call.state = .done
        calls[id] = call
        out.actions.append(.callFailed(id, error))
        counters.callsFailed += 1
        callEnded(id, succeeded: false, now: now, &out)
    }

    /// Group bookkeeping after a call ended; finishes the group after its last call.
    mutating func callEnded(_ id: CallID, succeeded: Bool, now: Double, _ out: inout Output) {
        guard let groupID = calls[id]?.group, var group = groups[groupID] else { return }
        group.remaining -= 1
        if succeeded { group.succeeded += 1 }
        groups[groupID] = group
        if group.remaining == 0 { finishGroup(groupID, partial: group.succeeded < group.calls.count, &out) }
    }

    /// Closes a group before all its calls ended (step deadline, cancellation, shutdown):
    /// unfinished calls fail with `reason`, then the group finishes partial.
    mutating func closeGroup(_ id: GroupID, reason: InferenceError, now: Double, _ out: inout Output) {
        guard let group = groups[id] else { return }
        if !group.admitted, group.needsAdmission {
            counters.groupsWaitingForAdmission -= 1
        }
        for c in group.calls {
            guard let call = calls[c], call.state != .done else { continue }
            for a in call.running {
                if let attempt = attempts.removeValue(forKey: a) { release(attempt, now: now) }
                out.actions.append(.cancelAttempt(a))
            }
            calls[c]!.running = []
            calls[c]!.state = .done
            out.actions.append(.callFailed(c, reason))
            counters.callsFailed += 1
        }
        finishGroup(id, partial: true, &out)
    }

    /// Removes a finished group and its calls; updates admission counts.
    mutating func finishGroup(_ id: GroupID, partial: Bool, _ out: inout Output) {
        guard let group = groups.removeValue(forKey: id) else { return }
        for c in group.calls { calls[c] = nil }
        if group.needsAdmission, group.admitted, var a = admission {
            a.running -= 1
            a.accepted += 1
            admission = a
        }
        counters.groupsFinished += 1
        if partial { counters.groupsPartial += 1 }
        out.actions.append(.groupFinished(id, partial: partial))
    }
}
