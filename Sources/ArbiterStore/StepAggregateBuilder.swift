import ArbiterCore

/// Builds a `StepAggregate` from stored groups (the in-memory backend's path; SQLite computes
/// the same sums in SQL).
struct StepAggregateBuilder: Sendable {
    var aggregate: StepAggregate
    private var reward = StatsAccumulator()
    private var components: [String: (StatsAccumulator, Double, Int)] = [:]
    private var completion = StatsAccumulator()
    private var prompt = StatsAccumulator()
    private var latency = StatsAccumulator()
    private var advantage = StatsAccumulator()
    private var zeroVarianceGroups = 0
    private var truncated = 0
    private var parsed = 0
    private var parseFailures = 0
    private var judgeFailed = 0
    private var unparsed = 0
    private var cacheHits = 0

    init(step: Int) { aggregate = StepAggregate(step: step) }

    mutating func commit(_ r: StepRecord) {
        aggregate.committed = true
        aggregate.committedAt = r.committedAt
        aggregate.policyVersion = r.policyVersion
    }

    mutating func add(_ g: StoredGroup) {
        aggregate.groups += 1
        if g.partial { aggregate.partialGroups += 1 }
        let present = g.samples.compactMap { $0.reward?.trainingReward }
        if present.count < 2 || present.min() == present.max() { zeroVarianceGroups += 1 }
        for s in g.samples {
            aggregate.rollouts += 1
            reward.add(s.reward?.trainingReward)
            for c in s.components {
                var entry = components[c.name] ?? (StatsAccumulator(), 0, 0)
                entry.0.add(c.value)
                entry.1 += c.weight
                entry.2 += 1
                components[c.name] = entry
            }
            completion.add(Double(s.rollout.completionTokens))
            prompt.add(s.rollout.promptTokens.map(Double.init))
            if s.rollout.truncated { truncated += 1 }
            if let p = s.rollout.parseStatus {
                parsed += 1
                if p != "ok" { parseFailures += 1 }
            }
            if let a = s.advantage { advantage.add(a.value) }
            for j in s.judgeCalls {
                aggregate.judgeCalls += 1
                switch j.verdictStatus {
                case .failed: judgeFailed += 1
                case .nonBinary, .refusal, .empty: unparsed += 1
                case .ok: break
                }
                if j.cacheHit { cacheHits += 1 }
                latency.add(j.latency)
            }
        }
        finishFields()
    }

    private mutating func finishFields() {
        let a = aggregate
        aggregate.trainingReward = reward.stats
        aggregate.components = components.keys.sorted().map { name in
            let (acc, weightSum, n) = components[name]!
            return ComponentStats(name: name, value: acc.stats, weight: n == 0 ? 0 : weightSum / Double(n))
        }
        aggregate.zeroVarianceGroupFraction = a.groups == 0 ? nil : Double(zeroVarianceGroups) / Double(a.groups)
        aggregate.completionTokens = completion.stats
        aggregate.promptTokens = prompt.stats
        aggregate.truncationRate = a.rollouts == 0 ? nil : Double(truncated) / Double(a.rollouts)
        aggregate.parseFailureRate = parsed == 0 ? nil : Double(parseFailures) / Double(parsed)
        aggregate.judgeFailureRate = a.judgeCalls == 0 ? nil : Double(judgeFailed) / Double(a.judgeCalls)
        aggregate.verdictUnparsedRate = a.judgeCalls == 0 ? nil : Double(unparsed) / Double(a.judgeCalls)
        aggregate.judgeCacheHitRate = a.judgeCalls == 0 ? nil : Double(cacheHits) / Double(a.judgeCalls)
        aggregate.judgeLatency = latency.stats
        aggregate.advantage = advantage.stats
    }
}
