import ArbiterCore

/// The hash chain's definitions, shared by every backend and by `verify` (see docs/store.md).
enum HashChain {
    /// The hash a run's first committed step links to: covers the run's immutable fields.
    static func genesis(_ run: RunRecord) -> Digest256 {
        var h = CanonicalHasher()
        h.text("arbiter.genesis.v1")
        h.text(run.id)
        h.text(run.name)
        h.text(run.mode.rawValue)
        h.text(run.configHash)
        h.digest(FastSHA256.digest(run.configYAML))
        h.text(run.codeVersion)
        h.text(run.runGroup)
        h.real(run.startedAt)
        return h.finalize()
    }

    /// The step's content hash: its groups' digests in append order, then its batches.
    static func contentHash(
        runID: String, step: Int, groups: [(groupID: String, digest: Digest256)], batches: [StoredBatch]
    ) -> Digest256 {
        var h = CanonicalHasher()
        h.text("arbiter.step-content.v1")
        h.text(runID)
        h.int(step)
        h.int(groups.count)
        for g in groups {
            h.text(g.groupID)
            h.digest(g.digest)
        }
        h.int(batches.count)
        for b in batches { b.write(to: &h) }
        return h.finalize()
    }

    /// The step record's own hash.
    static func recordHash(
        runID: String, step: Int, policyVersion: Int?, committedAt: Double, groupCount: Int, rolloutCount: Int,
        judgeCallCount: Int, batchCount: Int, contentHash: Digest256, prevHash: Digest256
    ) -> Digest256 {
        var h = CanonicalHasher()
        h.text("arbiter.step.v1")
        h.text(runID)
        h.int(step)
        h.int(policyVersion)
        h.real(committedAt)
        h.int(groupCount)
        h.int(rolloutCount)
        h.int(judgeCallCount)
        h.int(batchCount)
        h.digest(contentHash)
        h.digest(prevHash)
        return h.finalize()
    }

    /// Recomputes a step record's hash from its fields.
    static func recordHash(_ r: StepRecord) -> Digest256? {
        guard let content = Digest256(hex: r.contentHash), let prev = Digest256(hex: r.prevHash) else { return nil }
        return recordHash(
            runID: r.runID, step: r.step, policyVersion: r.policyVersion?.rawValue, committedAt: r.committedAt,
            groupCount: r.groupCount, rolloutCount: r.rolloutCount, judgeCallCount: r.judgeCallCount,
            batchCount: r.batchCount, contentHash: content, prevHash: prev)
    }
}
