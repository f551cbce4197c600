import ArbiterCore

/// A group ready to write: stored rows, digest, and the content-addressed texts and token arrays it references.
struct PreparedGroup: Sendable {
    var group: StoredGroup
    var digest: Digest256
    var texts: [(Digest256, String)]
    var tokenArrays: [(Digest256, [UInt8])]
    /// Each sample's reward components, encoded for its rollout row (`BlobCoding.components`).
    var componentBlobs: [[UInt8]]
    /// The distinct judge criteria of the group's calls, and for each call (in order) its index here.
    var criteria: [JudgeCriterion]
    var callCriteria: [Int32]
    var rowCount: Int

    /// The group's judge calls (one criterion index each).
    var judgeCallCount: Int { callCriteria.count }
}

/// What a judge call says about its criterion and judge, stored once per distinct value (`judge_criteria`).
struct JudgeCriterion: Hashable, Sendable {
    var templateHash: String
    var judgeModel: String
    var judgeParams: String
    var criterionID: String?
    var dimension: String?
    var criterionWeight: Int?
}

extension PreparedGroup {
    /// Validates and encodes a group record.
    init(record g: GroupRecord) throws(StoreError) {
        try Validate.id(g.runID, "run id")
        try Validate.id(g.groupID, "group id", context: g.runID)
        try Validate.id(g.promptID.rawValue, "prompt id", context: g.groupID)
        guard g.step >= 0 else { throw StoreError(.invalidInput, "step \(g.step) is negative", context: g.groupID) }
        var texts: [(Digest256, String)] = []
        var tokenArrays: [(Digest256, [UInt8])] = []
        var lastPrompt: (String, Digest256)?
        var lastPromptIDs: ([Int], Digest256, [UInt8])?
        var seenRequests: Set<Digest256> = []
        // A request text used once in the group goes inline in its judge-call row (no text row,
        // no index entry); one shared by several calls is stored once, content-addressed. The
        // texts are hashed once here (their digests are the addresses) and counted by digest.
        var requestDigests: [[Digest256?]] = []
        requestDigests.reserveCapacity(g.samples.count)
        var requestUses = DigestCounts(capacity: g.samples.reduce(0) { $0 + $1.judgeCalls.count })
        for s in g.samples {
            var digests: [Digest256?] = []
            digests.reserveCapacity(s.judgeCalls.count)
            for j in s.judgeCalls {
                if j.requestHash == nil {
                    let d = FastSHA256.digest(j.requestText)
                    requestUses.add(d)
                    digests.append(d)
                } else {
                    digests.append(nil)
                }
            }
            requestDigests.append(digests)
        }
        var samples: [StoredSample] = []
        samples.reserveCapacity(g.samples.count)
        var componentBlobs: [[UInt8]] = []
        componentBlobs.reserveCapacity(g.samples.count)
        var criteria: [JudgeCriterion] = []
        var criterionIndex: [JudgeCriterion: Int32] = [:]
        var callCriteria: [Int32] = []
        var previousSampleStart = 0
        var rows = 2
        for (sampleIndex, s) in g.samples.enumerated() {
            let r = s.rollout
            try Validate.id(r.id, "rollout id", context: g.groupID)
            let promptHash: Digest256
            if let (text, hash) = lastPrompt, text == r.promptText {
                promptHash = hash
            } else {
                promptHash = FastSHA256.digest(r.promptText)
                lastPrompt = (r.promptText, promptHash)
                texts.append((promptHash, r.promptText))
            }
            var promptTokensHash: Digest256?
            if let ids = r.promptTokenIDs {
                if let (last, hash, _) = lastPromptIDs, last == ids {
                    promptTokensHash = hash
                } else {
                    let blob = try BlobCoding.int32LE(ids)
                    let hash = FastSHA256.digest(blob)
                    lastPromptIDs = (ids, hash, blob)
                    tokenArrays.append((hash, blob))
                    promptTokensHash = hash
                }
            }
            let rollout = StoredRollout(
                rolloutID: r.id, promptID: r.promptID.rawValue, sampleIndex: r.sampleIndex, endpoint: r.endpoint,
                policyVersion: r.policyVersion.rawValue, requestedAt: Validate.real(r.timing?.requestedAt),
                firstTokenAt: Validate.real(r.timing?.firstTokenAt), completedAt: Validate.real(r.timing?.completedAt),
                promptTextHash: promptHash, promptTokensHash: promptTokensHash, completionText: r.completionText,
                completionTokenIDs: try r.completionTokenIDs.map { ids throws(StoreError) in try BlobCoding.int32LE(ids) },
                completionLogprobs: r.completionLogprobs.map(BlobCoding.float32LE), finishReason: r.finishReason.rawValue,
                truncated: r.truncated, promptTokens: s.promptTokens, completionTokens: r.completionTokens,
                parseStatus: s.parseStatus)
            guard s.judgeCalls.count <= SQLiteRewardStore.judgeCallsPerRollout else {
                throw StoreError(
                    .invalidInput, "\(s.judgeCalls.count) judge calls; a rollout has at most \(SQLiteRewardStore.judgeCallsPerRollout)",
                    context: r.id)
            }
            var calls: [StoredJudgeCall] = []
            calls.reserveCapacity(s.judgeCalls.count)
            let previousStart = previousSampleStart
            let previousCount = callCriteria.count - previousStart
            previousSampleStart = callCriteria.count
            for (i, j) in s.judgeCalls.enumerated() {
                let hash: Digest256
                if let given = j.requestHash {
                    guard let d = Digest256(hex: given) else {
                        throw StoreError(.invalidInput, "request hash '\(given)' is not 64 hex digits", context: r.id)
                    }
                    hash = d
                } else {
                    hash = requestDigests[sampleIndex][i] ?? FastSHA256.digest(j.requestText)
                }
                let inline = j.requestHash == nil && requestUses.count(hash) == 1
                if !inline, seenRequests.insert(hash).inserted { texts.append((hash, j.requestText)) }
                let criterion = JudgeCriterion(
                    templateHash: j.templateHash, judgeModel: j.judgeModel, judgeParams: j.judgeParams, criterionID: j.criterionID,
                    dimension: j.dimension, criterionWeight: j.criterionWeight)
                // Samples of a group are usually judged on the same rubric in the same order: try
                // the previous sample's criterion at this position before hashing.
                if i < previousCount, criteria[Int(callCriteria[previousStart + i])] == criterion {
                    callCriteria.append(callCriteria[previousStart + i])
                } else if let k = criterionIndex[criterion] {
                    callCriteria.append(k)
                } else {
                    let k = Int32(criteria.count)
                    criteria.append(criterion)
                    criterionIndex[criterion] = k
                    callCriteria.append(k)
                }
                calls.append(
                    StoredJudgeCall(
                        callIndex: i, criterionID: j.criterionID, dimension: j.dimension,
                        criterionWeight: j.criterionWeight, templateHash: j.templateHash, judgeModel: j.judgeModel,
                        judgeParams: j.judgeParams, requestHash: hash, requestText: inline ? j.requestText : nil,
                        rawResponse: j.rawResponse,
                        status: j.status.rawValue, met: j.met, latency: Validate.real(j.latency),
                        promptTokens: j.promptTokens, completionTokens: j.completionTokens, cacheHit: j.cacheHit,
                        error: j.error))
            }
            var components: [StoredComponent] = []
            components.reserveCapacity(s.reward.components.count)
            for (i, c) in s.reward.components.enumerated() {
                components.append(
                    StoredComponent(ordinal: i, name: c.name, value: Validate.real(c.value), weight: c.weight.isNaN ? 0 : c.weight))
            }
            let reward = StoredReward(
                trainingReward: Validate.real(s.reward.total), aggregates: JSONText.canonicalObject(s.aggregates))
            var advantage: StoredAdvantage?
            if let a = s.advantage {
                guard a.value.isFinite else {
                    throw StoreError(.invalidInput, "advantage \(a.value) is not finite", context: r.id)
                }
                advantage = StoredAdvantage(
                    estimator: a.estimator, paramsHash: a.paramsHash, value: a.value,
                    flowTarget: Validate.real(a.flowTarget))
            }
            rows += s.rowCount
            componentBlobs.append(BlobCoding.components(components))
            samples.append(
                StoredSample(rollout: rollout, judgeCalls: calls, components: components, reward: reward, advantage: advantage))
        }
        let group = StoredGroup(
            runID: g.runID, step: g.step, groupID: g.groupID, promptID: g.promptID.rawValue, partial: g.partial,
            sampleCount: samples.count,
            consumed: StoredConsumed(promptID: g.promptID.rawValue, epoch: g.epoch, ordinal: g.ordinal),
            samples: samples)
        self.init(
            group: group, digest: group.digest, texts: texts, tokenArrays: tokenArrays, componentBlobs: componentBlobs,
            criteria: criteria, callCriteria: callCriteria, rowCount: rows)
    }
}
