import ArbiterCore

// Turning stored rows back into records, shared by the backends' queries.

extension StoredRollout {
    /// The rollout as logged.
    func rollout(promptText: String, promptTokenIDs: [Int]?) throws(StoreError) -> Rollout {
        let timing: RolloutTiming? =
            if requestedAt == nil && completedAt == nil && firstTokenAt == nil {
                nil
            } else {
                RolloutTiming(requestedAt: requestedAt ?? 0, firstTokenAt: firstTokenAt, completedAt: completedAt ?? 0)
            }
        return Rollout(
            id: rolloutID, promptID: PromptID(promptID), sampleIndex: sampleIndex, endpoint: endpoint,
            policyVersion: PolicyVersion(policyVersion), promptText: promptText, completionText: completionText,
            promptTokenIDs: promptTokenIDs, completionTokenIDs: try completionTokenIDs.map { b throws(StoreError) in try BlobCoding.decodeInt32LE(b) },
            completionLogprobs: try completionLogprobs.map { b throws(StoreError) in try BlobCoding.decodeFloat32LE(b) },
            finishReason: FinishReason(rawValue: finishReason) ?? .unknown, completionTokens: completionTokens,
            timing: timing)
    }
}

extension StoredJudgeCall {
    /// The judge call as logged.
    func record(requestText: String) -> JudgeCallRecord {
        JudgeCallRecord(
            criterionID: criterionID, dimension: dimension, criterionWeight: criterionWeight, templateHash: templateHash,
            judgeModel: judgeModel, judgeParams: judgeParams, requestText: requestText, requestHash: requestHash.hex,
            rawResponse: rawResponse, status: VerdictStatus(rawValue: status) ?? .failed, met: met, latency: latency,
            promptTokens: promptTokens, completionTokens: completionTokens, cacheHit: cacheHit, error: error)
    }

    /// The judge call as exported.
    func exportRow(runID: String, step: Int, groupID: String, rolloutID: String, requestText: String?) -> VerdictExportRow {
        VerdictExportRow(
            runID: runID, step: step, groupID: groupID, rolloutID: rolloutID, callIndex: callIndex,
            criterionID: criterionID, dimension: dimension, criterionWeight: criterionWeight, judgeModel: judgeModel,
            templateHash: templateHash, judgeParams: judgeParams, requestHash: requestHash.hex, requestText: requestText,
            rawResponse: rawResponse, status: status, met: met, latency: latency, promptTokens: promptTokens,
            completionTokens: completionTokens, cacheHit: cacheHit, error: error)
    }

    /// How the verdict parsed, for rates.
    var verdictStatus: VerdictStatus { VerdictStatus(rawValue: status) ?? .failed }
}

extension StoredSample {
    /// The reward vector as logged.
    var rewardVector: RewardVector {
        RewardVector(
            components: components.map { RewardComponent(name: $0.name, value: $0.value, weight: $0.weight) },
            total: reward?.trainingReward)
    }

    /// The rollout as exported.
    func exportRow(runID: String, step: Int, groupID: String, promptText: String, includeTokens: Bool) throws(StoreError)
        -> RolloutExportRow
    {
        let r = rollout
        return RolloutExportRow(
            runID: runID, step: step, groupID: groupID, rolloutID: r.rolloutID, promptID: r.promptID,
            sampleIndex: r.sampleIndex, endpoint: r.endpoint, policyVersion: r.policyVersion,
            requestedAt: r.requestedAt, firstTokenAt: r.firstTokenAt, completedAt: r.completedAt,
            finishReason: r.finishReason, truncated: r.truncated, promptTokens: r.promptTokens,
            completionTokens: r.completionTokens, parseStatus: r.parseStatus, trainingReward: reward?.trainingReward,
            components: components.map { RewardComponent(name: $0.name, value: $0.value, weight: $0.weight) },
            advantage: advantage?.value, estimator: advantage?.estimator, flowTarget: advantage?.flowTarget,
            promptText: promptText, completionText: r.completionText,
            completionTokenIDs: includeTokens ? try r.completionTokenIDs.map { b throws(StoreError) in try BlobCoding.decodeInt32LE(b) } : nil,
            completionLogprobs: includeTokens ? try r.completionLogprobs.map { b throws(StoreError) in try BlobCoding.decodeFloat32LE(b) } : nil)
    }
}

extension StoredAdvantage {
    /// The advantage as logged.
    var record: AdvantageRecord {
        AdvantageRecord(estimator: estimator, paramsHash: paramsHash, value: value, flowTarget: flowTarget)
    }
}

extension StoredGroup {
    /// The group as written, for resume: the one conversion both backends use, so they cannot drift.
    ///
    /// `text` and `tokens` look content up by address (nil when absent). A missing prompt text,
    /// prompt token array, request text or consumed-prompt row fails with `.corrupt`: substituting
    /// a default would silently change the batch rebuilt from the log.
    func record(text: (Digest256) throws -> String?, tokens: (Digest256) throws -> [UInt8]?) throws -> GroupRecord {
        guard let consumed else { throw StoreError(.corrupt, "group has no consumed-prompt row", context: groupID) }
        return GroupRecord(
            runID: runID, step: step, groupID: groupID, promptID: PromptID(promptID), partial: partial,
            epoch: consumed.epoch, ordinal: consumed.ordinal,
            samples: try samples.map { try $0.record(text: text, tokens: tokens) })
    }
}

extension StoredSample {
    /// The sample as written (see `StoredGroup.record(text:tokens:)`).
    func record(text: (Digest256) throws -> String?, tokens: (Digest256) throws -> [UInt8]?) throws -> SampleRecord {
        let r = rollout
        guard let promptText = try text(r.promptTextHash) else {
            throw StoreError(.corrupt, "prompt text \(r.promptTextHash.hex) is missing", context: r.rolloutID)
        }
        var promptTokenIDs: [Int]?
        if let h = r.promptTokensHash {
            guard let blob = try tokens(h) else {
                throw StoreError(.corrupt, "prompt token array \(h.hex) is missing", context: r.rolloutID)
            }
            promptTokenIDs = try BlobCoding.decodeInt32LE(blob)
        }
        let calls = try judgeCalls.map { j in
            guard let requestText = try j.requestText ?? text(j.requestHash) else {
                throw StoreError(.corrupt, "request text \(j.requestHash.hex) of call \(j.callIndex) is missing", context: r.rolloutID)
            }
            return j.record(requestText: requestText)
        }
        var sample = SampleRecord(
            rollout: try r.rollout(promptText: promptText, promptTokenIDs: promptTokenIDs), parseStatus: r.parseStatus,
            judgeCalls: calls, reward: rewardVector, aggregates: JSONText.parseFlatObject(reward?.aggregates ?? "{}"),
            advantage: advantage?.record)
        // As stored, not defaulted from the token ids.
        sample.promptTokens = r.promptTokens
        return sample
    }
}
