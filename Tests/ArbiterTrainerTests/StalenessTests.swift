import ArbiterCore
import ArbiterTrainer
import Testing

@Suite("Staleness filter and policy version tracker")
struct StalenessTests {
    func samples(versions: [Int]) -> [BatchSample] {
        let batch = TestBatches.batch(step: 1, samples: versions.count)
        return zip(batch.samples, versions).map { sample, version in
            var s = sample
            s.sample.rollout.policyVersion = PolicyVersion(version)
            return s
        }
    }

    @Test func dropPolicyRemovesOnlySamplesBeyondTheBound() {
        let filter = StalenessFilter(StalenessConfig(mode: .async, maxStaleness: 2, stalePolicy: .drop))
        let input = samples(versions: [10, 8, 7, 11, 5])
        let result = filter.apply(to: input, trainerVersion: 10)
        #expect(result.kept.map(\.sample.rollout.policyVersion.rawValue) == [10, 8, 11])
        #expect(result.dropped.map(\.staleness) == [3, 5])
        #expect(result.dropped.map(\.sampleID) == [input[2].sample.rollout.id, input[4].sample.rollout.id])
        #expect(result.dropped.allSatisfy { $0.lossWeight == nil })
        #expect(result.reweighted.isEmpty)
        #expect(filter.admits(8, trainerVersion: 10))
        #expect(!filter.admits(7, trainerVersion: 10))
    }

    @Test func importanceWeightPolicyKeepsStaleSamplesWithDecayedWeight() {
        let filter = StalenessFilter(maxStaleness: 1, policy: .importanceWeight, importanceDecay: 0.5)
        var input = samples(versions: [4, 3, 2, 0])
        input[3].lossWeight = 0.8
        let result = filter.apply(to: input, trainerVersion: 4)
        #expect(result.kept.count == 4)
        #expect(result.dropped.isEmpty)
        #expect(result.kept.map(\.lossWeight) == [1, 1, 0.5, 0.8 * 0.125])
        #expect(result.reweighted.map(\.staleness) == [2, 4])
        #expect(result.reweighted.map(\.lossWeight) == [0.5, 0.1])
    }

    @Test func syncModeWithZeroStalenessKeepsOnlyCurrentSamples() {
        let filter = StalenessFilter(StalenessConfig(mode: .sync, maxStaleness: 0, stalePolicy: .drop))
        let result = filter.apply(to: samples(versions: [3, 2, 4]), trainerVersion: 3)
        #expect(result.kept.map(\.sample.rollout.policyVersion.rawValue) == [3, 4])
    }

    @Test func trackerIsMonotonicAndWakesWaiters() async throws {
        let tracker = PolicyVersionTracker(initial: 1)
        async let reached = tracker.waitUntil(atLeast: 3)
        await tracker.observe(2)
        await tracker.observe(status: TrainerStatus(policyVersion: 4, ready: true, queueDepth: 0))
        #expect(try await reached == 4)
        await tracker.observe(status: TrainerStatus(policyVersion: 1, ready: false, queueDepth: 2))
        #expect(await tracker.current == 4, "a lower report never lowers the version")
        #expect(await tracker.lastStatus?.ready == false)
        var updates = await tracker.updates().makeAsyncIterator()
        #expect(await updates.next() == 4)
        await tracker.observe(5)
        #expect(await updates.next() == 5)
    }

    @Test func trackerWaitIsCancellable() async throws {
        let tracker = PolicyVersionTracker()
        let task = Task { try await tracker.waitUntil(atLeast: 100) }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
