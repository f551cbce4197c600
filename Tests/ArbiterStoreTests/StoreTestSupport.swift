import ArbiterCore
import Foundation
import Testing

@testable import ArbiterStore

/// The backends every conformance test runs on.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case inMemory

    var testDescription: String { rawValue }

    /// A fresh, empty store.
    func make() throws -> any RewardStore {
        switch self {
        case .sqlite: try SQLiteRewardStore(path: TestFiles.freshPath("log.sqlite"))
        case .inMemory: InMemoryRewardStore()
        }
    }
}

/// Temporary files and external programs for the tests.
enum TestFiles {
    /// A path in a new temporary folder.
    static func freshPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-store-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    /// The built `arbiter` executable next to the test bundle.
    static func arbiterBinary() -> URL? {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe))
        }
        if let main = Bundle.main.executableURL { candidates.append(main) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        for c in candidates {
            var dir = c.deletingLastPathComponent()
            for _ in 0..<4 {
                let url = dir.appendingPathComponent("arbiter")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// The sqlite3 shell, when installed.
    static func sqlite3() -> URL? {
        for p in ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/opt/homebrew/bin/sqlite3"]
        where FileManager.default.isExecutableFile(atPath: p) {
            return URL(fileURLWithPath: p)
        }
        return nil
    }

    /// Runs a program to completion; returns status, stdout and stderr.
    ///
    /// Waits without blocking a thread (output goes to files, the exit arrives through the
    /// termination handler): a blocked cooperative thread stalls every other test of the run.
    @discardableResult
    static func run(_ exe: URL, _ args: [String]) async throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let outURL = freshPath("out.txt"), errURL = freshPath("err.txt")
        FileManager.default.createFile(atPath: outURL, contents: nil)
        FileManager.default.createFile(atPath: errURL, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outURL)
            try? FileManager.default.removeItem(atPath: errURL)
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outURL))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errURL))
        p.standardOutput = out
        p.standardError = err
        let (exited, done) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        p.terminationHandler = { process in
            done.yield(process.terminationStatus)
            done.finish()
        }
        try p.run()
        var status: Int32 = -1
        for await s in exited { status = s }
        try? out.close()
        try? err.close()
        let o = (try? Data(contentsOf: URL(fileURLWithPath: outURL))) ?? Data()
        let e = (try? Data(contentsOf: URL(fileURLWithPath: errURL))) ?? Data()
        return (status, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

/// Hand-made log content exercising the awkward cases (missing values, NUL characters, −0.0, failed judge calls).
enum SampleLog {
    static let runID = "run-a"

    static func run(_ id: String = runID, group: String? = nil, startedAt: Double = 1_700_000_000.25) -> RunRecord {
        RunRecord(
            id: id, name: "sample \(id)", mode: .train, configYAML: "run:\n  name: sample\n", configHash: "cfg-1",
            codeVersion: "0.1.0", runGroup: group, startedAt: startedAt)
    }

    /// A judge call; with `answer` the request text quotes it, so it is unique in its group and
    /// stored inline (without, the group's samples share it and it goes to `texts`).
    static func judge(
        _ criterion: String, met: Bool?, status: VerdictStatus = .ok, dimension: String = "identifying", weight: Int = 2,
        answer: String? = nil
    ) -> JudgeCallRecord {
        JudgeCallRecord(
            criterionID: criterion, dimension: dimension, criterionWeight: weight, templateHash: "tmpl-7",
            judgeModel: "judge-m", judgeParams: "temperature=0",
            requestText: "Criterion \(criterion): does the answer meet it?\nAnswer: \(answer ?? "…")",
            rawResponse: status == .failed ? nil : (met == true ? "Yes" : met == false ? "No" : "maybe, \"unclear\""),
            status: status, met: met, latency: status == .failed ? nil : 0.25, promptTokens: 40, completionTokens: 1,
            cacheHit: criterion.hasSuffix("2"), error: status == .failed ? "timeout after 30 s" : nil)
    }

    /// A group of `rewards.count` samples.
    static func group(
        run: String = runID, step: Int, index: Int, rewards: [Double?], epoch: Int = 0, judged: Bool = true, partial: Bool = false
    ) -> GroupRecord {
        let pid = PromptID(canonicalContent: "\(run)/\(step)/\(index)/\(epoch)")
        let samples = rewards.enumerated().map { (s, r) -> SampleRecord in
            let rollout = Rollout(
                id: "\(pid.rawValue)/\(s)", promptID: pid, sampleIndex: s, endpoint: "http://gpu\(s % 2):8000",
                policyVersion: PolicyVersion(step), promptText: "Story \(index): where is the ball? Answer with a letter.",
                completionText: s == 1 ? "B, \"because\"\nshe saw,\u{0}it" : "Answer: A",
                promptTokenIDs: [1, 2, 3, 400_000, index], completionTokenIDs: [7, 8, 9], completionLogprobs: [-0.1, -2.5, 0],
                finishReason: s == 2 ? .length : .stop, completionTokens: 3,
                timing: RolloutTiming(requestedAt: 1.5, firstTokenAt: s == 0 ? nil : 1.75, completedAt: 2.0 + Double(s)))
            let components = [
                RewardComponent(name: "format", value: r == nil ? nil : 1, weight: 0.2),
                RewardComponent(name: "outcome", value: r, weight: 0.8),
            ]
            return SampleRecord(
                rollout: rollout, parseStatus: s == 3 ? "no_answer" : "ok",
                judgeCalls: judged ? [judge("c1", met: true), judge("c2", met: s % 2 == 0), judge("c3", met: nil, status: s == 0 ? .failed : .nonBinary, answer: "sample \(s)")] : [],
                reward: RewardVector(components: components, total: r), aggregates: ["weighted_mean": r, "all": 1],
                advantage: AdvantageRecord(estimator: "grpo", paramsHash: "ph", value: r == nil ? -0.0 : (r! - 0.5), flowTarget: s == 0 ? 0.125 : nil))
        }
        return GroupRecord(
            runID: run, step: step, groupID: "\(run)/g\(step).\(index)", promptID: pid, partial: partial, epoch: epoch,
            ordinal: index, samples: samples)
    }

    /// Two steps with three groups each (one zero-variance, one with a missing reward), batches, steps 0 and 1 committed.
    static func populate(_ store: any RewardStore, run id: String = runID, commitSecond: Bool = true) async throws -> [GroupRecord] {
        try await store.createRun(run(id))
        var groups: [GroupRecord] = []
        for step in 0..<2 {
            let gs = [
                group(run: id, step: step, index: 0, rewards: [1, 0, 0.5, 0.25]),
                group(run: id, step: step, index: 1, rewards: [0.5, 0.5, 0.5, 0.5]),
                group(run: id, step: step, index: 2, rewards: [nil, 1, 0, 1], partial: true),
            ]
            try await store.appendGroups(gs)
            groups += gs
            let ids = gs.flatMap { $0.samples.map(\.rollout.id) }
            try await store.appendBatches([
                BatchRecord(
                    runID: id, id: "b-\(step)", step: step, samples: ids.map { BatchSampleRef(rolloutID: $0, lossWeight: 1) },
                    payloadHash: "payload-\(step)", createdAt: 100 + Double(step))
            ])
            if step == 0 || commitSecond {
                _ = try await store.commitStep(runID: id, step: step, policyVersion: PolicyVersion(step), committedAt: 200 + Double(step))
            }
        }
        return groups
    }
}
