import ArbiterCore
import Foundation
import Testing

@testable import ArbiterStore

/// The behaviour every `RewardStore` must have, as functions of a store.
///
/// `RewardStoreConformanceTests` runs each on every `StoreKind`; a new backend (PostgreSQL)
/// adds a case to `StoreKind` and inherits the whole suite.
enum RewardStoreConformance {
    static func runs(_ store: any RewardStore) async throws {
        try await store.createRun(SampleLog.run("r1", group: "pair", startedAt: 10))
        try await store.createRun(SampleLog.run("r2", group: "pair", startedAt: 20))
        try await store.createRun(SampleLog.run("r3", startedAt: 30))
        await #expect(throws: StoreError.self) { try await store.createRun(SampleLog.run("r1")) }
        do {
            try await store.createRun(SampleLog.run("r1"))
        } catch let e as StoreError {
            #expect(e.code == .duplicate)
        }
        let r1 = try #require(try await store.run("r1"))
        #expect(r1 == SampleLog.run("r1", group: "pair", startedAt: 10))
        #expect(try await store.run("nope") == nil)
        #expect(try await store.listRuns(group: nil).map(\.run.id) == ["r3", "r2", "r1"])
        #expect(try await store.listRuns(group: "pair").map(\.run.id) == ["r2", "r1"])

        try await store.updateRunStatus(runID: "r1", status: .failed, endedAt: 99.5)
        let ended = try #require(try await store.run("r1"))
        #expect(ended.status == .failed)
        #expect(ended.endedAt == 99.5)
        #expect(ended.finalHash == nil)
        await expectCode(.notFound) { try await store.updateRunStatus(runID: "nope", status: .completed, endedAt: nil) }
        await expectCode(.notFound) { try await store.runStatus("nope") }
    }

    static func groupsRoundTrip(_ store: any RewardStore) async throws {
        let groups = try await SampleLog.populate(store, commitSecond: false)
        for g in groups {
            for (i, s) in g.samples.enumerated() {
                let d = try #require(try await store.rolloutDetail(runID: SampleLog.runID, rolloutID: s.rollout.id))
                var expected = s.rollout
                expected.completionLogprobs = expected.completionLogprobs?.map { Double(Float($0)) }
                #expect(d.rollout == expected)
                #expect(d.step == g.step)
                #expect(d.groupID == g.groupID)
                #expect(d.partialGroup == g.partial)
                #expect(d.stepCommitted == (g.step == 0))
                #expect(d.promptTokens == 5)
                #expect(d.parseStatus == s.parseStatus)
                #expect(d.reward.components == s.reward.components)
                #expect(d.reward.total == s.reward.total)
                #expect(d.aggregates == s.aggregates)
                if let a = s.advantage {
                    let got = try #require(d.advantage)
                    #expect(got.estimator == a.estimator && got.paramsHash == a.paramsHash && got.flowTarget == a.flowTarget)
                    #expect(got.value == a.value)
                }
                #expect(d.judgeCalls.count == s.judgeCalls.count)
                for (got, want) in zip(d.judgeCalls, s.judgeCalls) {
                    var want = want
                    want.requestHash = FastSHA256.digest(want.requestText).hex
                    #expect(got == want)
                }
                #expect(d.batches.map(\.batchID) == ["b-\(g.step)"])
                #expect(d.batches.first?.lossWeight == 1)
                _ = i
            }
        }
        #expect(try await store.rolloutDetail(runID: SampleLog.runID, rolloutID: "missing") == nil)
        let consumed = try await store.consumedPrompts(runID: SampleLog.runID)
        #expect(consumed.map(\.promptID) == groups.map(\.promptID))
        #expect(consumed.map(\.groupID) == groups.map(\.groupID))
        #expect(consumed.map(\.step) == groups.map(\.step))
        #expect(consumed.map(\.ordinal) == groups.map(\.ordinal))
    }

    static func groupsOfAStep(_ store: any RewardStore) async throws {
        try await store.createRun(SampleLog.run())
        try await store.createRun(SampleLog.run("run-b"))
        /// Logprobs exactly representable in Float32, so whole records compare equal.
        func exact(_ g: GroupRecord) -> GroupRecord {
            var g = g
            for i in g.samples.indices where g.samples[i].rollout.completionLogprobs != nil {
                g.samples[i].rollout.completionLogprobs = [-0.5, -2.25, 0, -0.0078125]
            }
            return g
        }
        let full = exact(SampleLog.group(step: 0, index: 0, rewards: [1, 0, 0.5, 0.25]))
        var partial = exact(SampleLog.group(step: 0, index: 1, rewards: [nil, 1, 0], epoch: 1, partial: true))
        // A judge call whose hash the caller supplied (a judge cache key).
        partial.samples[1].judgeCalls[0].requestHash = FastSHA256.digest(partial.samples[1].judgeCalls[0].requestText).hex
        // No token ids or logprobs, no ordinal, no advantage, distinct prompt texts within the group.
        var bare = SampleLog.group(step: 0, index: 2, rewards: [0.5, nil], judged: false)
        bare.ordinal = nil
        for i in bare.samples.indices {
            bare.samples[i].rollout.promptTokenIDs = nil
            bare.samples[i].rollout.completionTokenIDs = nil
            bare.samples[i].rollout.completionLogprobs = nil
            bare.samples[i].rollout.timing = nil
            bare.samples[i].promptTokens = nil
            bare.samples[i].advantage = nil
            bare.samples[i].aggregates = [:]
        }
        bare.samples[1].rollout.promptText = "Another prompt text, \u{0}with a NUL"
        let later = SampleLog.group(step: 1, index: 0, rewards: [0.75, 0.25])
        try await store.appendGroups([full, partial])
        try await store.appendGroups([bare])
        _ = try await store.commitStep(runID: SampleLog.runID, step: 0, policyVersion: PolicyVersion(0), committedAt: 10)
        try await store.appendGroups([later])
        try await store.appendGroups([SampleLog.group(run: "run-b", step: 1, index: 0, rewards: [1])])

        /// What reading back gives: request hashes filled in, logprobs at float32 precision.
        func readBack(_ g: GroupRecord) -> GroupRecord {
            var g = g
            for i in g.samples.indices {
                g.samples[i].rollout.completionLogprobs = g.samples[i].rollout.completionLogprobs?.map { Double(Float($0)) }
                for j in g.samples[i].judgeCalls.indices {
                    g.samples[i].judgeCalls[j].requestHash = FastSHA256.digest(g.samples[i].judgeCalls[j].requestText).hex
                }
            }
            return g
        }
        let committed = try await store.groups(runID: SampleLog.runID, step: 0)
        #expect(committed.map(\.groupID) == [full, partial, bare].map(\.groupID))
        for (got, want) in zip(committed, [full, partial, bare].map(readBack)) {
            #expect(got.partial == want.partial && got.epoch == want.epoch && got.ordinal == want.ordinal)
            #expect(got.samples.count == want.samples.count)
            for (gs, ws) in zip(got.samples, want.samples) {
                #expect(gs.rollout == ws.rollout)
                #expect(gs.promptTokens == ws.promptTokens)
                #expect(gs.judgeCalls == ws.judgeCalls)
                #expect(gs.reward == ws.reward)
                #expect(gs.aggregates == ws.aggregates)
                #expect(gs.advantage == ws.advantage)
            }
            #expect(got == want)
        }
        #expect(committed[0].samples[0].rollout.completionLogprobs == [-0.5, -2.25, 0, -0.0078125])
        #expect(committed[1].partial && committed[1].epoch == 1 && committed[1].ordinal == 1)
        #expect(committed[2].ordinal == nil && committed[2].samples[1].rollout.promptText == bare.samples[1].rollout.promptText)
        #expect(committed[2].samples.allSatisfy { $0.rollout.promptTokenIDs == nil && $0.judgeCalls.isEmpty && $0.advantage == nil })

        // The open step: only its own group, logprobs rounded to float32 (−0.1 is not exact).
        let open = try await store.groups(runID: SampleLog.runID, step: 1)
        #expect(open == [readBack(later)])
        #expect(open.first?.samples.first?.rollout.completionLogprobs == [Double(Float(-0.1)), -2.5, 0])
        #expect(try await store.groups(runID: "run-b", step: 1).map(\.groupID) == ["run-b/g1.0"])
        #expect(try await store.groups(runID: "run-b", step: 0).isEmpty)
        #expect(try await store.groups(runID: SampleLog.runID, step: 7).isEmpty)
        await expectCode(.notFound) { _ = try await store.groups(runID: "nope", step: 0) }
    }

    static func appendsAreAtomic(_ store: any RewardStore) async throws {
        try await store.createRun(SampleLog.run())
        let a = SampleLog.group(step: 0, index: 0, rewards: [1, 0])
        try await store.appendGroups([a])
        // A call with a new group and a duplicate group writes neither.
        let b = SampleLog.group(step: 0, index: 1, rewards: [1, 0])
        await expectCode(.duplicate) { try await store.appendGroups([b, a]) }
        #expect(try await store.rolloutDetail(runID: SampleLog.runID, rolloutID: b.samples[0].rollout.id) == nil)
        #expect(try await store.consumedPrompts(runID: SampleLog.runID).count == 1)
        // Same prompt in the same epoch again: a repeat. In the next epoch: fine.
        var repeatPrompt = SampleLog.group(step: 0, index: 0, rewards: [1])
        repeatPrompt.groupID = "other"
        repeatPrompt.samples[0].rollout.id = "other/0"
        await expectCode(.duplicate) { try await store.appendGroups([repeatPrompt]) }
        repeatPrompt.epoch = 1
        try await store.appendGroups([repeatPrompt])
        // Unknown run, bad input.
        await expectCode(.notFound) { try await store.appendGroups([SampleLog.group(run: "nope", step: 0, index: 0, rewards: [1])]) }
        var bad = SampleLog.group(step: 0, index: 5, rewards: [1])
        bad.samples[0].rollout.completionTokenIDs = [Int(Int32.max) + 1]
        await expectCode(.invalidInput) { try await store.appendGroups([bad]) }
        var nan = SampleLog.group(step: 0, index: 6, rewards: [1])
        nan.samples[0].advantage?.value = .nan
        await expectCode(.invalidInput) { try await store.appendGroups([nan]) }
        #expect(try await store.runStatus(SampleLog.runID).groups == 2)
    }

    static func hashChainAndSealing(_ store: any RewardStore) async throws {
        _ = try await SampleLog.populate(store)
        let steps = try await store.steps(runID: SampleLog.runID)
        #expect(steps.map(\.step) == [0, 1])
        #expect(steps[0].prevHash == HashChain.genesis(SampleLog.run()).hex)
        #expect(steps[1].prevHash == steps[0].recordHash)
        #expect(steps.map(\.groupCount) == [3, 3])
        #expect(steps.map(\.rolloutCount) == [12, 12])
        #expect(steps.map(\.judgeCallCount) == [36, 36])
        #expect(steps.map(\.batchCount) == [1, 1])
        #expect(steps.map(\.policyVersion) == [PolicyVersion(0), PolicyVersion(1)])
        for s in steps { #expect(HashChain.recordHash(s)?.hex == s.recordHash) }

        await expectCode(.stepSealed) { try await store.appendGroups([SampleLog.group(step: 1, index: 9, rewards: [1])]) }
        await expectCode(.stepSealed) { try await store.appendGroups([SampleLog.group(step: 0, index: 9, rewards: [1])]) }
        await expectCode(.stepSealed) {
            try await store.appendBatches([BatchRecord(runID: SampleLog.runID, id: "late", step: 1, samples: [], payloadHash: "x", createdAt: 0)])
        }
        await expectCode(.stepSealed) { _ = try await store.commitStep(runID: SampleLog.runID, step: 1, policyVersion: nil, committedAt: 0) }
        // Steps may skip numbers (a step whose groups were all filtered) but never go back.
        let empty = try await store.commitStep(runID: SampleLog.runID, step: 3, policyVersion: nil, committedAt: 300)
        #expect(empty.groupCount == 0 && empty.prevHash == steps[1].recordHash)
        try await store.appendGroups([SampleLog.group(step: 4, index: 0, rewards: [1])])
        await expectCode(.invalidInput) { _ = try await store.commitStep(runID: SampleLog.runID, step: 5, policyVersion: nil, committedAt: 0) }

        let report = try await store.verify(runID: SampleLog.runID)
        #expect(report.ok, "\(String(describing: report.failure))")
        #expect(report.verifiedSteps == 3)
        #expect(report.headStep == 3)
        #expect(report.headHash == empty.recordHash)
        #expect(report.openSteps == [4])

        try await store.updateRunStatus(runID: SampleLog.runID, status: .completed, endedAt: 400)
        let run = try #require(try await store.run(SampleLog.runID))
        #expect(run.finalStep == 3)
        #expect(run.finalHash == empty.recordHash)
        #expect(try await store.verify(runID: SampleLog.runID).ok)
    }

    static func deliveryStateIsOutsideTheChain(_ store: any RewardStore) async throws {
        _ = try await SampleLog.populate(store)
        let before = try await store.steps(runID: SampleLog.runID)
        try await store.updateDelivery(
            runID: SampleLog.runID, batchID: "b-0",
            delivery: DeliveryState(attempts: 3, outcome: .delivered, trainerPolicyVersion: 7, updatedAt: 500))
        await expectCode(.notFound) { try await store.updateDelivery(runID: SampleLog.runID, batchID: "zz", delivery: .init()) }
        let b = try await store.batches(runID: SampleLog.runID, step: 0)
        #expect(b.count == 1)
        #expect(b[0].delivery == DeliveryState(attempts: 3, outcome: .delivered, trainerPolicyVersion: 7, updatedAt: 500))
        #expect(b[0].samples.count == 12)
        #expect(b[0].payloadHash == "payload-0")
        #expect(try await store.batches(runID: SampleLog.runID, step: nil).map(\.id) == ["b-0", "b-1"])
        #expect(try await store.steps(runID: SampleLog.runID) == before)
        #expect(try await store.verify(runID: SampleLog.runID).ok)
        let d = try #require(try await store.rolloutDetail(runID: SampleLog.runID, rolloutID: b[0].samples[0].rolloutID))
        #expect(d.batches.first?.delivery.outcome == .delivered)
        let status = try await store.runStatus(SampleLog.runID)
        #expect(status.batches == 2)
        #expect(status.undeliveredBatches == 1)
    }

    static func eventsAndStatus(_ store: any RewardStore) async throws {
        _ = try await SampleLog.populate(store, commitSecond: false)
        var events: [EventRecord] = []
        for i in 0..<5 {
            let kind: EventKind = i % 2 == 0 ? .retry : .ejection
            let step: Int? = i < 2 ? i : nil
            let details: String? = i == 3 ? "{\"n\":3}" : nil
            events.append(
                EventRecord(
                    runID: SampleLog.runID, step: step, at: Double(i), kind: kind, source: "http://gpu0:8000",
                    message: "event \(i)", details: details))
        }
        try await store.appendEvents(events)
        await expectCode(.notFound) { try await store.appendEvents([EventRecord(runID: "nope", at: 0, kind: .info, source: "", message: "")]) }
        #expect(try await store.events(runID: SampleLog.runID, limit: nil) == events)
        #expect(try await store.events(runID: SampleLog.runID, limit: 2) == Array(events.suffix(2)))
        let s = try await store.runStatus(SampleLog.runID)
        #expect(s.committedSteps == 1)
        #expect(s.lastStep?.step == 0)
        #expect(s.openSteps == [1])
        #expect(s.groups == 6)
        #expect(s.rollouts == 24)
        #expect(s.judgeCalls == 72)
        #expect(s.eventCounts == ["retry": 3, "ejection": 2])
        let listed = try await store.listRuns(group: nil)
        #expect(listed.first?.committedSteps == 1 && listed.first?.lastCommittedStep == 0 && listed.first?.rollouts == 24)
    }

    static func aggregates(_ store: any RewardStore) async throws {
        let groups = try await SampleLog.populate(store, commitSecond: false)
        let aggs = try await store.stepAggregates(runID: SampleLog.runID, steps: nil)
        #expect(aggs.map(\.step) == [0, 1])
        #expect(aggs.map(\.committed) == [true, false])
        let a = aggs[0]
        #expect(a.committedAt == 200)
        #expect(a.groups == 3 && a.partialGroups == 1 && a.rollouts == 12)
        let rewards = groups.filter { $0.step == 0 }.flatMap { $0.samples.compactMap(\.reward.total) }
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        #expect(a.trainingReward.count == 11 && a.trainingReward.missing == 1)
        #expect(abs(a.trainingReward.mean! - mean) < 1e-12)
        let std = (rewards.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rewards.count)).squareRoot()
        #expect(abs(a.trainingReward.std! - std) < 1e-9)
        #expect(a.trainingReward.min == 0 && a.trainingReward.max == 1)
        #expect(a.components.map(\.name) == ["format", "outcome"])
        #expect(a.components[1].value.missing == 1 && a.components[1].value.count == 11)
        #expect(abs(a.components[1].weight - 0.8) < 1e-12)
        #expect(a.zeroVarianceGroupFraction == 1.0 / 3.0)
        #expect(a.completionTokens.mean == 3 && a.promptTokens.mean == 5)
        #expect(a.truncationRate == 0.25)
        #expect(a.parseFailureRate == 0.25)
        #expect(a.judgeCalls == 36)
        #expect(a.judgeFailureRate == 3.0 / 36.0)
        #expect(a.verdictUnparsedRate == 9.0 / 36.0)
        #expect(a.judgeCacheHitRate == 12.0 / 36.0)
        #expect(a.judgeLatency.count == 33 && a.judgeLatency.missing == 3 && a.judgeLatency.mean == 0.25)
        #expect(a.advantage.count == 12)
        #expect(try await store.stepAggregates(runID: SampleLog.runID, steps: 1...1).map(\.step) == [1])

        let byDimension = try await store.criterionRates(runID: SampleLog.runID, steps: nil, grouping: .dimensionAndWeight)
        #expect(byDimension.count == 1)
        #expect(byDimension[0].calls == 72 && byDimension[0].met == 36 && byDimension[0].notMet == 12)
        #expect(byDimension[0].unparsed == 18 && byDimension[0].failed == 6)
        let byCriterion = try await store.criterionRates(runID: SampleLog.runID, steps: 0...0, grouping: .criterion)
        #expect(byCriterion.map(\.criterionID) == ["c1", "c2", "c3"])
        #expect(byCriterion[0].rate == 1 && byCriterion[1].rate == 0.5 && byCriterion[2].rate == nil)
    }

    static func exports(_ store: any RewardStore) async throws {
        let groups = try await SampleLog.populate(store)
        let collected = Collected()
        try await store.exportRollouts(runID: SampleLog.runID, steps: nil, includeTokens: true) { collected.add($0.jsonLine) }
        let lines = collected.lines
        #expect(lines.count == 24)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(first["type"] as? String == "rollout")
        #expect(first["run_id"] as? String == SampleLog.runID)
        #expect(first["completion_text"] as? String == "B, \"because\"\nshe saw,\u{0}it")
        #expect(first["completion_token_ids"] as? [Int] == [7, 8, 9])
        #expect((first["components"] as? [[String: Any]])?.count == 2)
        let order = lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["rollout_id"] as? String }
        #expect(order == groups.flatMap { $0.samples.map { Optional($0.rollout.id) } })

        let verdicts = Collected()
        try await store.exportVerdicts(runID: SampleLog.runID, steps: 1...1, includeRequests: true) { verdicts.add($0.csvLine) }
        #expect(verdicts.lines.count == 36)
        let fields = parseCSV(VerdictExportRow.csvHeaderLine + "\n" + verdicts.lines.joined(separator: "\n") + "\n")
        #expect(fields.count == 37)
        #expect(fields.allSatisfy { $0.count == VerdictExportRow.csvHeader.count })
        #expect(fields[1][12].hasPrefix("Criterion c1: does the answer meet it?\nAnswer:"))
        #expect(fields[3][13] == "maybe, \"unclear\"" || fields[3][13] == "")
    }

    static func chainsAgreeAcrossBackends() async throws {
        var heads: [String] = []
        for kind in StoreKind.allCases {
            let store = try kind.make()
            _ = try await SampleLog.populate(store)
            let log = SyntheticRewardLog(runID: "syn", shape: .init(samplesPerGroup: 3, judgeCallsPerSample: 2))
            try await store.createRun(log.run(startedAt: 5))
            for step in 0..<3 {
                try await store.appendGroups((0..<4).map { log.group(step: step, index: $0) })
                _ = try await store.commitStep(runID: "syn", step: step, policyVersion: nil, committedAt: Double(step))
            }
            heads.append((try await store.steps(runID: SampleLog.runID).last?.recordHash ?? "") + "/" + (try await store.steps(runID: "syn").last?.recordHash ?? ""))
            let a = try await store.stepAggregates(runID: "syn", steps: nil)
            #expect(a.count == 3)
        }
        #expect(Set(heads).count == 1, "\(heads)")
    }

    static func expectCode(_ code: StoreError.Code, _ body: () async throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code.rawValue), nothing was thrown", sourceLocation: sourceLocation)
        } catch let e as StoreError {
            #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StoreError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// A minimal RFC 4180 reader for checking exports.
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { record.append(field); field = "" }
            else if c == "\n" { record.append(field); field = ""; records.append(record); record = [] }
            else { field.append(c) }
        }
        return records
    }
}

/// Lines collected from an export callback.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ s: String) { lock.lock(); storage.append(s); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return storage }
}

@Suite("RewardStore conformance")
struct RewardStoreConformanceTests {
    @Test(arguments: StoreKind.allCases) func runs(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.runs(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func groupsRoundTrip(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.groupsRoundTrip(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func groupsOfAStep(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.groupsOfAStep(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func appendsAreAtomic(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.appendsAreAtomic(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func hashChainAndSealing(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.hashChainAndSealing(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func deliveryStateIsOutsideTheChain(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.deliveryStateIsOutsideTheChain(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func eventsAndStatus(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.eventsAndStatus(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func aggregates(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.aggregates(kind.make())
    }

    @Test(arguments: StoreKind.allCases) func exports(_ kind: StoreKind) async throws {
        try await RewardStoreConformance.exports(kind.make())
    }

    @Test func chainsAgreeAcrossBackends() async throws {
        try await RewardStoreConformance.chainsAgreeAcrossBackends()
    }
}
