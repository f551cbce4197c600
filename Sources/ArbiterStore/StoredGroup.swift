import ArbiterCore

// The stored form of log rows: exactly the columns the store keeps, in the form both backends
// hash. Converting a record to its stored form validates it and encodes blobs; the canonical
// serialization (docs/store.md) is defined on these types, so the writer and `verify` hash the
// very same thing.

/// A rollout row.
struct StoredRollout: Sendable, Hashable {
    var rolloutID: String
    var promptID: String
    var sampleIndex: Int
    var endpoint: String
    var policyVersion: Int
    var requestedAt: Double?
    var firstTokenAt: Double?
    var completedAt: Double?
    var promptTextHash: Digest256
    var promptTokensHash: Digest256?
    var completionText: String
    var completionTokenIDs: [UInt8]?
    var completionLogprobs: [UInt8]?
    var finishReason: String
    var truncated: Bool
    var promptTokens: Int?
    var completionTokens: Int
    var parseStatus: String?

    func write(to h: inout CanonicalHasher) {
        h.text("rollout")
        h.text(rolloutID)
        h.text(promptID)
        h.int(sampleIndex)
        h.text(endpoint)
        h.int(policyVersion)
        h.real(requestedAt)
        h.real(firstTokenAt)
        h.real(completedAt)
        h.digest(promptTextHash)
        h.digest(promptTokensHash)
        h.text(completionText)
        h.blob(completionTokenIDs)
        h.blob(completionLogprobs)
        h.text(finishReason)
        h.bool(truncated)
        h.int(promptTokens)
        h.int(completionTokens)
        h.text(parseStatus)
    }
}

/// A judge call row (template hash, model and params denormalized).
struct StoredJudgeCall: Sendable, Hashable {
    var callIndex: Int
    var criterionID: String?
    var dimension: String?
    var criterionWeight: Int?
    var templateHash: String
    var judgeModel: String
    var judgeParams: String
    var requestHash: Digest256
    /// The request text stored in the row itself (nil: in the content-addressed `texts` table,
    /// where texts shared within a group go). Not part of the canonical form: the digest covers
    /// `requestHash`, and `verify` checks that the text hashes to it.
    var requestText: String? = nil
    var rawResponse: String?
    var status: String
    var met: Bool?
    var latency: Double?
    var promptTokens: Int?
    var completionTokens: Int?
    var cacheHit: Bool
    var error: String?

    func write(to h: inout CanonicalHasher) {
        h.text("judge_call")
        h.int(callIndex)
        h.text(criterionID)
        h.text(dimension)
        h.int(criterionWeight)
        h.text(templateHash)
        h.text(judgeModel)
        h.text(judgeParams)
        h.digest(requestHash)
        h.text(rawResponse)
        h.text(status)
        h.bool(met)
        h.real(latency)
        h.int(promptTokens)
        h.int(completionTokens)
        h.bool(cacheHit)
        h.text(error)
    }
}

/// A reward component row.
struct StoredComponent: Sendable, Hashable {
    var ordinal: Int
    var name: String
    var value: Double?
    var weight: Double

    func write(to h: inout CanonicalHasher) {
        h.text("component")
        h.int(ordinal)
        h.text(name)
        h.real(value)
        h.real(weight)
    }
}

/// A reward row: training reward and aggregator values (canonical JSON).
struct StoredReward: Sendable, Hashable {
    var trainingReward: Double?
    var aggregates: String

    func write(to h: inout CanonicalHasher) {
        h.text("reward")
        h.real(trainingReward)
        h.text(aggregates)
    }
}

/// An advantage row.
struct StoredAdvantage: Sendable, Hashable {
    var estimator: String
    var paramsHash: String
    var value: Double
    var flowTarget: Double?

    func write(to h: inout CanonicalHasher) {
        h.text("advantage")
        h.text(estimator)
        h.text(paramsHash)
        h.real(value)
        h.real(flowTarget)
    }
}

/// A sample: its rollout row and every row hanging off it.
struct StoredSample: Sendable, Hashable {
    var rollout: StoredRollout
    var judgeCalls: [StoredJudgeCall]
    var components: [StoredComponent]
    var reward: StoredReward?
    var advantage: StoredAdvantage?

    func write(to h: inout CanonicalHasher) {
        rollout.write(to: &h)
        for j in judgeCalls { j.write(to: &h) }
        for c in components { c.write(to: &h) }
        reward?.write(to: &h)
        advantage?.write(to: &h)
    }
}

/// A group row, its consumed-prompt row, and its samples.
struct StoredGroup: Sendable, Hashable {
    var runID: String
    var step: Int
    var groupID: String
    var promptID: String
    var partial: Bool
    var sampleCount: Int
    /// The consumed-prompt row (nil when it is missing: only `verify` sees that).
    var consumed: StoredConsumed?
    var samples: [StoredSample]

    /// The group digest: SHA-256 of the canonical serialization of every row of the group.
    var digest: Digest256 {
        var h = CanonicalHasher()
        h.text("arbiter.group.v1")
        h.text(runID)
        h.int(step)
        h.text(groupID)
        h.text(promptID)
        h.bool(partial)
        h.int(sampleCount)
        if let consumed {
            consumed.write(to: &h)
        } else {
            h.null()
        }
        for s in samples { s.write(to: &h) }
        return h.finalize()
    }
}

/// A consumed-prompt row.
struct StoredConsumed: Sendable, Hashable {
    var promptID: String
    var epoch: Int
    var ordinal: Int?

    func write(to h: inout CanonicalHasher) {
        h.text("consumed")
        h.text(promptID)
        h.int(epoch)
        h.int(ordinal)
    }
}

/// A batch row without its delivery state, and its sample rows.
struct StoredBatch: Sendable, Hashable {
    var batchID: String
    var step: Int
    var payloadHash: String
    var createdAt: Double
    var samples: [BatchSampleRef]

    func write(to h: inout CanonicalHasher) {
        h.text("batch")
        h.text(batchID)
        h.int(step)
        h.text(payloadHash)
        h.real(createdAt)
        h.int(samples.count)
        for (i, s) in samples.enumerated() {
            h.text("batch_sample")
            h.int(i)
            h.text(s.rolloutID)
            h.real(s.lossWeight)
        }
    }
}
