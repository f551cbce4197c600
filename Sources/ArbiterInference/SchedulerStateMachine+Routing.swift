extension SchedulerStateMachine {
    /// Whether endpoint `index` may take a request of `cost` tokens at `now`.
    func isEligible(_ index: Int, cost: Int, now: Double) -> Bool {
        let e = endpoints[index]
        guard e.isClosed, e.pausedUntil <= now, e.inFlight < e.maxConcurrency else { return false }
        if var b = e.requestBucket, !b.canTake(1, now: now) { return false }
        if var b = e.tokenBucket, !b.canTake(Double(cost), now: now) { return false }
        return true
    }

    /// The load used for routing: in-flight share of capacity, or outstanding tokens.
    func load(_ index: Int) -> Double {
        let e = endpoints[index]
        switch configuration.routing {
        case .fewestRequests: return Double(e.inFlight) / Double(e.maxConcurrency)
        case .fewestTokens: return Double(e.outstandingTokens)
        }
    }

    /// Picks the endpoint for `call`, or nil when none can take it now.
    ///
    /// Least loaded among eligible endpoints the call has not been excluded from (a rotating
    /// start breaks ties); the call's preferred endpoint (sticky retry) or its group's affinity
    /// endpoint wins when it is at most `affinitySlack` requests busier. When every eligible
    /// endpoint is excluded, exclusions are ignored: re-routed, never dropped.
    /// `avoid` is excluded strictly (hedges go elsewhere or nowhere).
    mutating func route(_ id: CallID, now: Double, avoid: Int? = nil) -> Int? {
        guard let call = calls[id] else { return nil }
        let n = endpoints.count
        guard n > 0 else { return nil }
        var best: Int?
        var bestLoad = Double.infinity
        var fallback: Int?
        var fallbackLoad = Double.infinity
        let start = roundRobin % n
        for k in 0..<n {
            let i = (start + k) % n
            guard i != avoid, isEligible(i, cost: call.estimatedTokens, now: now) else { continue }
            let l = load(i)
            if call.excluded.contains(i) {
                if l < fallbackLoad {
                    fallback = i
                    fallbackLoad = l
                }
            } else if l < bestLoad {
                best = i
                bestLoad = l
            }
        }
        roundRobin &+= 1
        guard let chosen = best ?? fallback else { return nil }
        let sticky = call.preferred ?? groups[call.group]?.affinity
        if let s = sticky, s != chosen, s != avoid, !call.excluded.contains(s), isEligible(s, cost: call.estimatedTokens, now: now),
            endpoints[s].inFlight <= endpoints[chosen].inFlight + configuration.affinitySlack
        {
            return s
        }
        return chosen
    }

    /// Starts queued requests while capacity allows.
    mutating func dispatchReady(now: Double, _ out: inout Output) {
        // Given up on the endpoints: what waits for one fails at once (until one comes back).
        if gaveUp { failWaitingCalls(now: now, &out) }
        var blocked = false
        while let id = queue.first {
            guard let call = calls[id], call.state == .queued else {
                queue.removeFirst()
                continue
            }
            guard inFlight < configuration.maxInFlight else { return }
            guard let endpoint = route(id, now: now) else {
                blocked = true
                break
            }
            queue.removeFirst()
            startAttempt(id, endpoint: endpoint, isHedge: false, now: now, &out)
        }
        if blocked { scheduleResume(now: now) }
    }

    /// When nothing can be routed, wake up when the earliest pause or rate-limit refill ends.
    /// (Ejections end with their own probe timers; capacity frees on attempt results.)
    private mutating func scheduleResume(now: Double) {
        var earliest: Double?
        let cost = queue.first.flatMap { calls[$0]?.estimatedTokens } ?? 1
        for i in endpoints.indices {
            let e = endpoints[i]
            guard e.isClosed, e.inFlight < e.maxConcurrency else { continue }
            var at = max(now, e.pausedUntil)
            if var b = e.requestBucket { at = max(at, b.availableAt(1, now: now)) }
            if var b = e.tokenBucket { at = max(at, b.availableAt(Double(cost), now: now)) }
            if at > now { earliest = min(earliest ?? at, at) }
        }
        guard let earliest else { return }
        if resumeTimerAt == nil || earliest < resumeTimerAt! {
            resumeTimerAt = earliest
            timers.push(.resume, at: earliest)
        }
    }

    /// Records and announces a new attempt.
    mutating func startAttempt(_ id: CallID, endpoint index: Int, isHedge: Bool, now: Double, _ out: inout Output) {
        // Mutated in place: a copy out of the dictionary would make `running` copy on write.
        guard let cost = calls[id]?.estimatedTokens, let group = calls[id]?.group else { return }
        let attemptID = AttemptID(rawValue: makeAttemptID())
        attempts[attemptID] = Attempt(call: id, endpoint: index, startedAt: now, isHedge: isHedge, cost: cost)
        calls[id]!.attempts += 1
        calls[id]!.running.append(attemptID)
        calls[id]!.state = .running
        if isHedge { calls[id]!.hedged = true }
        endpoints[index].inFlight += 1
        endpoints[index].outstandingTokens += cost
        _ = endpoints[index].requestBucket?.take(1, now: now)
        _ = endpoints[index].tokenBucket?.take(Double(cost), now: now)
        endpoints[index].metrics.attempts += 1
        if isHedge { endpoints[index].metrics.hedges += 1 }
        inFlight += 1
        if groups[group] != nil, groups[group]!.affinity == nil {
            groups[group]!.affinity = index
        }
        out.actions.append(.dispatch(attempt: attemptID, call: id, endpoint: index, isHedge: isHedge))
        if !isHedge, let hedging = configuration.hedging, endpoints.count > 1, latencies.count >= hedging.minSamples,
            let q = latencies.cachedQuantile
        {
            timers.push(.hedge(attemptID), at: now + max(hedging.minDelay, q))
        }
    }

    mutating func makeAttemptID() -> Int {
        nextID += 1
        return nextID
    }

    /// Frees an attempt's share of its endpoint.
    mutating func release(_ attempt: Attempt, now: Double) {
        endpoints[attempt.endpoint].inFlight -= 1
        endpoints[attempt.endpoint].outstandingTokens -= attempt.cost
        inFlight -= 1
    }

    /// Re-issues a slow attempt on another endpoint when there is spare capacity there (queued
    /// requests go first); without it, looks again after `minDelay`.
    mutating func hedge(_ id: AttemptID, now: Double, _ out: inout Output) {
        guard let attempt = attempts[id], let call = calls[attempt.call], call.state == .running, !call.hedged,
            call.running.count == 1, let hedging = configuration.hedging
        else { return }
        guard inFlight < configuration.maxInFlight, !hasQueuedWork,
            let endpoint = route(attempt.call, now: now, avoid: attempt.endpoint)
        else {
            timers.push(.hedge(id), at: now + max(hedging.minDelay, 0.001))
            return
        }
        startAttempt(attempt.call, endpoint: endpoint, isHedge: true, now: now, &out)
    }

    /// Whether a request is waiting in the queue (stale entries are skipped lazily).
    var hasQueuedWork: Bool {
        for id in queue where calls[id]?.state == .queued { return true }
        return false
    }
}
