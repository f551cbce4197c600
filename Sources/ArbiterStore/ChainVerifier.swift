import ArbiterCore

/// What a content-addressed lookup found.
enum ContentCheck: Sendable {
    case ok
    case missing
    case mismatch
}

/// Walks a run's steps in order and checks the hash chain; shared by every backend's `verify`.
///
/// The backend feeds, for each step that has a record or rows (ascending), the step record,
/// the groups as reconstructed from their rows with the digests stored when they were written,
/// the batches, and a content lookup. The first failure stops the walk.
struct ChainVerifier {
    let run: RunRecord
    let headStep: Int?
    private(set) var expectedPrev: Digest256
    private(set) var verified = 0
    private(set) var openSteps: [Int] = []
    private(set) var failure: VerifyFailure?
    private(set) var lastRecord: StepRecord?

    init(run: RunRecord, headStep: Int?) {
        self.run = run
        self.headStep = headStep
        expectedPrev = HashChain.genesis(run)
    }

    /// Checks one step; returns false once a failure is recorded.
    mutating func check(
        step: Int, record: StepRecord?, groups: [(stored: Digest256, group: StoredGroup)], batches: [StoredBatch],
        content: (Digest256, ContentKind) -> ContentCheck
    ) -> Bool {
        guard failure == nil else { return false }
        guard let record else {
            if let headStep, step < headStep {
                return fail(step, .uncommittedRows, "\(groups.count) group(s) and \(batches.count) batch(es) have no committed step record, but step \(headStep) is committed after them")
            }
            openSteps.append(step)
            return true
        }
        var digests: [(groupID: String, digest: Digest256)] = []
        digests.reserveCapacity(groups.count)
        for (stored, group) in groups {
            if group.runID != run.id || group.step != step {
                return fail(step, .inconsistentRow, "group \(group.groupID) is filed under run \(group.runID) step \(group.step)")
            }
            let actual = group.digest
            if actual != stored {
                var detail = "group \(group.groupID): rows do not hash to the digest recorded when it was written"
                if group.samples.count != group.sampleCount {
                    detail += " (declares \(group.sampleCount) samples, \(group.samples.count) present)"
                }
                return fail(step, .groupMismatch, detail)
            }
            for s in group.samples {
                if let bad = Self.firstBadContent(s, content) {
                    return fail(step, .textMismatch, "rollout \(s.rollout.rolloutID): \(bad)")
                }
            }
            digests.append((group.groupID, actual))
        }
        let rollouts = groups.reduce(0) { $0 + $1.group.samples.count }
        let calls = groups.reduce(0) { $0 + $1.group.samples.reduce(0) { $0 + $1.judgeCalls.count } }
        if rollouts != record.rolloutCount || calls != record.judgeCallCount || groups.count != record.groupCount {
            return fail(
                step, .contentMismatch,
                "the step holds \(groups.count) group(s), \(rollouts) rollout(s) and \(calls) judge call(s); its record says \(record.groupCount), \(record.rolloutCount) and \(record.judgeCallCount)"
            )
        }
        let contentHash = HashChain.contentHash(runID: run.id, step: step, groups: digests, batches: batches)
        if contentHash.hex != record.contentHash {
            return fail(step, .contentMismatch, "the step's groups and batches hash to \(contentHash.hex.prefix(16))…, the record says \(record.contentHash.prefix(16))…")
        }
        guard let recomputed = HashChain.recordHash(record), recomputed.hex == record.recordHash else {
            return fail(step, .recordMismatch, "the step record's fields do not hash to its record hash")
        }
        if record.prevHash != expectedPrev.hex {
            let what = lastRecord.map { "the record of step \($0.step)" } ?? "the run's genesis hash (run record fields)"
            return fail(step, .brokenLink, "previous-hash does not match \(what); a step was deleted or altered before it")
        }
        expectedPrev = recomputed
        lastRecord = record
        verified += 1
        return true
    }

    /// Checks the run's final anchor after the walk.
    mutating func finish() {
        guard failure == nil, let finalHash = run.finalHash else { return }
        if let last = lastRecord {
            if run.finalStep != last.step || finalHash != last.recordHash {
                _ = fail(run.finalStep ?? last.step, .finalHashMismatch, "the run ended at step \(run.finalStep.map(String.init) ?? "?") with head \(finalHash.prefix(16))…, the chain ends at step \(last.step) with \(last.recordHash.prefix(16))… (tail deleted or altered)")
            }
        } else if run.finalStep != nil {
            _ = fail(run.finalStep ?? 0, .finalHashMismatch, "the run ended with a committed head, but no step records remain")
        }
    }

    func report() -> VerifyReport {
        VerifyReport(
            runID: run.id, verifiedSteps: verified, headStep: lastRecord?.step, headHash: lastRecord?.recordHash,
            openSteps: openSteps, failure: failure)
    }

    private mutating func fail(_ step: Int, _ kind: VerifyFailure.Kind, _ detail: String) -> Bool {
        failure = VerifyFailure(step: step, kind: kind, detail: detail)
        return false
    }

    private static func firstBadContent(_ s: StoredSample, _ content: (Digest256, ContentKind) -> ContentCheck) -> String? {
        func describe(_ c: ContentCheck, _ what: String) -> String? {
            switch c {
            case .ok: nil
            case .missing: "\(what) is missing"
            case .mismatch: "\(what) does not hash to its address"
            }
        }
        if let d = describe(content(s.rollout.promptTextHash, .text), "prompt text") { return d }
        if let h = s.rollout.promptTokensHash, let d = describe(content(h, .tokens), "prompt token ids") { return d }
        for j in s.judgeCalls {
            let check: ContentCheck
            if let inline = j.requestText {
                check = FastSHA256.digest(inline) == j.requestHash ? .ok : .mismatch
            } else {
                check = content(j.requestHash, .text)
            }
            if let d = describe(check, "request text of judge call \(j.callIndex)") { return d }
        }
        return nil
    }
}

/// Which content-addressed table a digest points into.
enum ContentKind: Sendable {
    case text
    case tokens
}
