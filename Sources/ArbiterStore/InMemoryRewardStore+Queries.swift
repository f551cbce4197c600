import ArbiterCore

extension InMemoryRewardStore {
    public func stepAggregates(runID: String, steps: ClosedRange<Int>?) async throws -> [StepAggregate] {
        let s = try state(runID)
        var builders: [Int: StepAggregateBuilder] = [:]
        for e in s.groups where steps?.contains(e.group.step) ?? true {
            builders[e.group.step, default: StepAggregateBuilder(step: e.group.step)].add(e.group)
        }
        for r in s.steps where steps?.contains(r.step) ?? true {
            builders[r.step, default: StepAggregateBuilder(step: r.step)].commit(r)
        }
        return builders.keys.sorted().map { builders[$0]!.aggregate }
    }

    public func rolloutDetail(runID: String, rolloutID: String) async throws -> RolloutDetail? {
        let s = try state(runID)
        guard let (gi, si) = s.rolloutIndex[rolloutID] else { return nil }
        let g = s.groups[gi].group
        let sample = g.samples[si]
        let rollout = try sample.rollout.rollout(
            promptText: texts[sample.rollout.promptTextHash] ?? "",
            promptTokenIDs: try sample.rollout.promptTokensHash.flatMap { h throws(StoreError) in
                try tokenArrays[h].map { b throws(StoreError) in try BlobCoding.decodeInt32LE(b) }
            })
        var memberships: [BatchMembership] = []
        for b in s.batches {
            for (i, ref) in b.batch.samples.enumerated() where ref.rolloutID == rolloutID {
                memberships.append(
                    BatchMembership(batchID: b.batch.batchID, step: b.batch.step, position: i, lossWeight: ref.lossWeight, delivery: b.delivery))
            }
        }
        return RolloutDetail(
            runID: runID, step: g.step, stepCommitted: s.steps.contains { $0.step == g.step }, groupID: g.groupID,
            partialGroup: g.partial, rollout: rollout, promptTokens: sample.rollout.promptTokens,
            parseStatus: sample.rollout.parseStatus,
            judgeCalls: sample.judgeCalls.map { $0.record(requestText: $0.requestText ?? texts[$0.requestHash] ?? "") },
            reward: sample.rewardVector, aggregates: JSONText.parseFlatObject(sample.reward?.aggregates ?? "{}"),
            advantage: sample.advantage?.record, batches: memberships)
    }

    public func criterionRates(runID: String, steps: ClosedRange<Int>?, grouping: CriterionGrouping) async throws -> [CriterionRate] {
        let s = try state(runID)
        var builder = CriterionRateBuilder(grouping: grouping)
        for e in s.groups where steps?.contains(e.group.step) ?? true {
            for sample in e.group.samples {
                for j in sample.judgeCalls { builder.add(j) }
            }
        }
        return builder.rates
    }

    public func exportRollouts(
        runID: String, steps: ClosedRange<Int>?, includeTokens: Bool, _ body: @Sendable (RolloutExportRow) throws -> Void
    ) async throws {
        let s = try state(runID)
        for e in s.groups where steps?.contains(e.group.step) ?? true {
            for sample in e.group.samples {
                try body(
                    try sample.exportRow(
                        runID: runID, step: e.group.step, groupID: e.group.groupID,
                        promptText: texts[sample.rollout.promptTextHash] ?? "", includeTokens: includeTokens))
            }
        }
    }

    public func exportVerdicts(
        runID: String, steps: ClosedRange<Int>?, includeRequests: Bool, _ body: @Sendable (VerdictExportRow) throws -> Void
    ) async throws {
        let s = try state(runID)
        for e in s.groups where steps?.contains(e.group.step) ?? true {
            for sample in e.group.samples {
                for j in sample.judgeCalls {
                    try body(
                        j.exportRow(
                            runID: runID, step: e.group.step, groupID: e.group.groupID,
                            rolloutID: sample.rollout.rolloutID,
                            requestText: includeRequests ? j.requestText ?? texts[j.requestHash] ?? "" : nil))
                }
            }
        }
    }
}
