import ArbiterCore
import ArbiterTrainer
import Foundation
import Testing

@Suite("BatchPayload (wire mapping)")
struct BatchPayloadTests {
    func json(_ payload: BatchPayload) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: payload.encoded()) as? [String: Any])
    }

    @Test func mapsEveryFieldAndWritesNullsExplicitly() throws {
        let batch = TestBatches.batch(step: 3, samples: 3, policyVersion: 2)
        let object = try json(BatchPayload(batch: batch))
        #expect(object["batch_id"] as? String == batch.id)
        #expect(object["step"] as? Int == 3)
        #expect(object["estimator"] as? String == "grpo")
        #expect((object["estimator_params"] as? [String: String])?["eps"] == "1e-06")
        let samples = try #require(object["samples"] as? [[String: Any]])
        #expect(samples.count == 3)
        let first = samples[0]
        #expect(first["sample_id"] as? String == batch.samples[0].sample.rollout.id)
        #expect(first["prompt_token_ids"] as? [Int] == [1, 2, 3])
        #expect(first["completion_logprobs"] as? [Double] == [-0.5, -1.25, -0.125])
        #expect(first["ref_logprob_mean"] as? Double == -0.75)
        #expect(first["policy_version"] as? Int == 2)
        #expect(first["finish_reason"] as? String == "stop")
        #expect(first["flow_target"] as? Double == 0.125)
        #expect(first["loss_weight"] as? Double == 1)
        let second = samples[1]
        // Unknown values are null, never omitted, never 0.
        for key in ["completion_token_ids", "ref_logprob_mean", "reward", "flow_target"] {
            #expect(second.keys.contains(key), "\(key) must be present")
            #expect(second[key] is NSNull, "\(key) must be null")
        }
        let parsed = try JSONValue.parse(BatchPayload(batch: batch).encoded())
        guard case .array(let parsedSamples)? = parsed["samples"] else {
            Issue.record("no samples")
            return
        }
        #expect(parsedSamples[1]["reward_components"]?["judge"] == .null, "a missing component is null, not absent")
        #expect(second["advantage"] as? Double == 0)
        #expect(samples[2]["truncated"] as? Bool == true)
        #expect(samples[2]["finish_reason"] as? String == "length")
        let provenance = try #require(object["provenance"] as? [String: Any])
        #expect(provenance["config_hash"] as? String == "cfg-run-test")
        #expect((provenance["reward_weights"] as? [String: Double])?["judge"] == 0.8)
        #expect(provenance["datasets"] as? [String] == ["morebench-public"])
    }

    @Test func encodingIsDeterministicAndRoundTrips() throws {
        let payload = try TestBatches.payload(step: 4)
        let a = try payload.encoded()
        let b = try BatchPayload(batch: TestBatches.batch(step: 4)).encoded()
        #expect(a == b, "a resend must be byte-identical")
        #expect(try BatchPayload.decode(a) == payload)
    }

    @Test func nonFiniteRewardsBecomeMissingButOtherNonFiniteValuesAreRefused() throws {
        var batch = TestBatches.batch(step: 1)
        batch.samples[0].sample.reward = RewardVector(
            components: [RewardComponent(name: "judge", value: .nan, weight: 1)], total: .infinity)
        batch.samples[0].advantage = 0
        let sample = try BatchPayload(batch: batch).samples[0]
        #expect(sample.reward == nil)
        #expect(sample.rewardComponents["judge"] == .some(nil))

        func refused(_ change: (inout Batch) -> Void, mentioning field: String) {
            var b = TestBatches.batch(step: 1)
            change(&b)
            #expect {
                try BatchPayload(batch: b)
            } throws: { error in
                guard let error = error as? TrainerError else { return false }
                return error.code == .invalidInput && error.message.contains(field)
            }
        }
        refused({ $0.samples[0].advantage = .nan }, mentioning: "advantage")
        refused({ $0.samples[0].lossWeight = -1 }, mentioning: "loss_weight")
        refused({ $0.samples[0].flowTarget = .infinity }, mentioning: "flow_target")
        refused({ $0.samples[0].sample.refLogprobMean = -.infinity }, mentioning: "ref_logprob_mean")
        refused({ $0.samples[0].sample.rollout.completionLogprobs = [-1, .nan, -1] }, mentioning: "completion_logprobs[1]")
        refused({ $0.samples[0].sample.rollout.completionLogprobs = [-1] }, mentioning: "completion_token_ids")
        refused({ $0.provenance.rewardWeights["judge"] = .nan }, mentioning: "reward_weights")
        refused({ $0.samples = [] }, mentioning: "at least one sample")
    }

    @Test func decodingRequiresEveryKeyEvenNullableOnes() throws {
        var object = try json(TestBatches.payload(step: 2))
        var samples = try #require(object["samples"] as? [[String: Any]])
        samples[1].removeValue(forKey: "flow_target")
        object["samples"] = samples
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: TrainerError.self) { try BatchPayload.decode(data) }
    }

    @Test func tokenFromTheNamedEnvironmentVariable() throws {
        let trainer = TrainerConfig(url: "http://127.0.0.1:9", tokenEnv: "ARBITER_TEST_TOKEN", timeoutSeconds: 1.5)
        let config = try TrainerClient.Configuration(trainer, environment: ["ARBITER_TEST_TOKEN": "s3cret"])
        #expect(config.bearerToken == "s3cret")
        #expect(config.requestTimeout == .milliseconds(1500))
        #expect(throws: TrainerError.self) { try TrainerClient.Configuration(trainer, environment: [:]) }
        #expect(try TrainerClient.Configuration(TrainerConfig(url: "http://x"), environment: [:]).bearerToken == nil)
        #expect(throws: TrainerError.self) { try TrainerClient(configuration: .init(baseURL: "ftp://nope")) }
    }
}
