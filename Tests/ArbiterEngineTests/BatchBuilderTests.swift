import ArbiterCore
@testable import ArbiterEngine
import ArbiterNumerics
import ArbiterStore
import ArbiterTrainer
import Foundation
import Testing

@Suite("Batch building")
struct BatchBuilderTests {
    typealias F = EnginePureFixtures

    static let provenance = Provenance(
        configHash: "cfg-hash", templateHashes: ["official": "t-hash"], judgeModels: ["judge": "j"],
        rewardWeights: ["outcome": 1, "format": 0.5], datasets: ["items"])
    static let params = ["epsilon": "1e-06", "std": "group"]

    /// Records of a step: group 0 kept (with a missing reward), group 1 dropped, group 2 kept without reference logprobs.
    static func records() throws -> [GroupRecord] {
        let groups = [
            F.group(F.prepared(try F.choicePrompt("p0"), index: 0, ordinal: 0), step: 2, rewards: [1, nil, 0, 0.5]),
            F.group(F.prepared(try F.choicePrompt("p1"), index: 1, ordinal: 1), step: 2, rewards: [1, 1]),
            F.group(F.prepared(F.rubricPrompt("p2"), index: 2, ordinal: 2), step: 2, rewards: [0.2, 0.8, 0.4], withReference: false),
        ]
        return try StepAssembler.records(
            runID: F.runID, step: 2, groups: groups, keep: [true, false, true], estimator: try F.grpo(), shaping: nil,
            componentNames: [])
    }

    @Test func samplesAreExactlyThoseWithAnAdvantageInGroupOrder() throws {
        let records = try Self.records()
        let samples = BatchBuilder.samples(records)
        let expected = records.flatMap { g in g.samples.filter { $0.advantage != nil }.map { (g.groupID, $0) } }
        #expect(samples.count == 7)
        #expect(samples.count == expected.count)
        for (s, (groupID, r)) in zip(samples, expected) {
            #expect(s.groupID == groupID)
            #expect(s.sample.rollout == r.rollout)
            #expect(s.sample.reward == r.reward)
            #expect(s.advantage == r.advantage?.value)
            #expect(s.flowTarget == r.advantage?.flowTarget)
            #expect(s.lossWeight == 1)
        }
        #expect(!samples.contains { $0.groupID == records[1].groupID })
        // The missing-reward sample is trained on with advantage 0 (the trainer sees reward null).
        #expect(samples[1].sample.reward.total == nil && samples[1].advantage == 0)
    }

    @Test func referenceLogprobComesFromTheAggregates() throws {
        var records = try Self.records()
        // An aggregate recorded as missing (reference call failed) gives nil, not a crash or 0.
        records[0].samples[2].aggregates["ref_logprob_mean"] = .some(nil)
        let samples = BatchBuilder.samples(records)
        #expect(samples[0].sample.refLogprobMean == -0.1)
        #expect(samples[1].sample.refLogprobMean == -0.2)
        #expect(samples[2].sample.refLogprobMean == nil)
        #expect(samples[3].sample.refLogprobMean == -0.4)
        #expect(samples[4...].allSatisfy { $0.sample.refLogprobMean == nil })
    }

    @Test func noSamplesNoBatch() {
        #expect(
            BatchBuilder.batch(
                runID: F.runID, step: 2, samples: [], estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance)
                == nil)
    }

    @Test func batchHasADeterministicIDAndCarriesItsParts() throws {
        let samples = BatchBuilder.samples(try Self.records())
        let batch = try #require(
            BatchBuilder.batch(
                runID: F.runID, step: 2, samples: samples, estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance))
        #expect(batch.id == Batch.makeID(runID: F.runID, step: 2, sampleIDs: samples.map { $0.sample.rollout.id }))
        #expect(batch.id.hasPrefix("b-2-"))
        #expect(batch.runID == F.runID)
        #expect(batch.step == 2)
        #expect(batch.estimator == "grpo")
        #expect(batch.estimatorParams == Self.params)
        #expect(batch.samples == samples)
        #expect(batch.provenance == Self.provenance)

        let again = BatchBuilder.batch(
            runID: F.runID, step: 2, samples: samples, estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance)
        #expect(again?.id == batch.id)
        let fewer = BatchBuilder.batch(
            runID: F.runID, step: 2, samples: Array(samples.dropLast()), estimator: "grpo", estimatorParams: Self.params,
            provenance: Self.provenance)
        #expect(fewer?.id != batch.id)
        let otherStep = BatchBuilder.batch(
            runID: F.runID, step: 3, samples: samples, estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance)
        #expect(otherStep?.id != batch.id)
        let reordered = BatchBuilder.batch(
            runID: F.runID, step: 2, samples: samples.reversed(), estimator: "grpo", estimatorParams: Self.params,
            provenance: Self.provenance)
        #expect(reordered?.id != batch.id)
    }

    /// What the engine does: filter (drop one stale sample, down-weight another), build, log; after a
    /// crash, rebuild from the log. The rebuilt batch must encode to the very same bytes.
    @Test func rebuildFromTheLogReproducesThePayloadBytes() throws {
        let records = try Self.records()
        var samples = BatchBuilder.samples(records)
        samples.remove(at: 4)
        samples[2].lossWeight = 0.375
        samples[5].lossWeight = 0
        let batch = try #require(
            BatchBuilder.batch(
                runID: F.runID, step: 2, samples: samples, estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance))
        let bytes = try BatchPayload(batch: batch).encoded()
        let record = BatchRecord(batch: batch, payloadHash: SHA256.hex(bytes), createdAt: 1_700_000_000)

        let rebuilt = try BatchBuilder.rebuild(
            record, from: records, estimator: "grpo", estimatorParams: Self.params, provenance: Self.provenance)
        #expect(rebuilt == batch)
        #expect(rebuilt.samples.map(\.lossWeight) == [1, 1, 0.375, 1, 1, 0])
        let rebuiltBytes = try BatchPayload(batch: rebuilt).encoded()
        #expect(rebuiltBytes == bytes)
        #expect(SHA256.hex(rebuiltBytes) == record.payloadHash)
    }

    @Test func rebuildFollowsTheRecordsOrderAndWeights() throws {
        let records = try Self.records()
        let samples = BatchBuilder.samples(records)
        let refs = [BatchSampleRef(rolloutID: samples[3].sample.rollout.id, lossWeight: 0.5),
                    BatchSampleRef(rolloutID: samples[0].sample.rollout.id, lossWeight: 2)]
        let record = BatchRecord(runID: F.runID, id: "b-2-fixed", step: 2, samples: refs, payloadHash: "h", createdAt: 0)
        let rebuilt = try BatchBuilder.rebuild(
            record, from: records, estimator: "grpo", estimatorParams: [:], provenance: Self.provenance)
        #expect(rebuilt.id == "b-2-fixed")
        #expect(rebuilt.samples.map(\.sample.rollout.id) == refs.map(\.rolloutID))
        #expect(rebuilt.samples.map(\.lossWeight) == [0.5, 2])
        #expect(rebuilt.samples[0].advantage == samples[3].advantage)
    }

    @Test func rebuildThrowsWhenTheRecordNamesAnUnknownRollout() throws {
        let records = try Self.records()
        let samples = BatchBuilder.samples(records)
        let record = BatchRecord(
            runID: F.runID, id: "b-2-x", step: 2,
            samples: [BatchSampleRef(rolloutID: samples[0].sample.rollout.id), BatchSampleRef(rolloutID: "nope/0")], payloadHash: "h",
            createdAt: 0)
        let error = #expect(throws: EngineError.self) {
            try BatchBuilder.rebuild(record, from: records, estimator: "grpo", estimatorParams: [:], provenance: Self.provenance)
        }
        #expect(error?.code == .storeFailure)
        #expect(error?.message.contains("nope/0") == true)
    }

    @Test func rebuildRefusesARolloutThatHadNoAdvantage() throws {
        // A sample of a dropped group is in the log but was never trainable.
        let records = try Self.records()
        let dropped = records[1].samples[0].rollout.id
        let record = BatchRecord(
            runID: F.runID, id: "b-2-y", step: 2, samples: [BatchSampleRef(rolloutID: dropped)], payloadHash: "h", createdAt: 0)
        #expect(throws: EngineError.self) {
            try BatchBuilder.rebuild(record, from: records, estimator: "grpo", estimatorParams: [:], provenance: Self.provenance)
        }
    }
}
