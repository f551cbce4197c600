import ArbiterCore
import ArbiterServer
import ArbiterStore
import Foundation
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

/// A reward log with three runs: `run-a` and `run-b` in comparison group `cmp`, and `run-c` alone
/// (no steps, a name with a quote, a backslash and a line feed). `run-a`'s last step holds a
/// rollout whose completion is a script tag and whose judge answered `"&<>`.
enum DashboardFixture {
    static let scriptRolloutID = "s1-e0-abc/3"
    static let plainRolloutID = "r-plain"
    static let awkwardName = "quote \" back\\slash\nnewline"
    static let eventMessage = "endpoint <gpu0> & \"friends\" ejected"

    static func run(_ id: String, name: String, group: String?, startedAt: Double) -> RunRecord {
        RunRecord(
            id: id, name: name, mode: .train, configYAML: "run:\n  name: \(id)\n", configHash: "cfg-\(id)", codeVersion: "0.1.0",
            runGroup: group, startedAt: startedAt)
    }

    static func judge(_ criterion: String, dimension: String, weight: Int, raw: String, status: VerdictStatus, met: Bool?)
        -> JudgeCallRecord
    {
        JudgeCallRecord(
            criterionID: criterion, dimension: dimension, criterionWeight: weight, templateHash: "tmpl", judgeModel: "judge-m",
            judgeParams: "temperature=0", requestText: "Does the answer meet <\(criterion)>? & say \"yes\"", rawResponse: raw,
            status: status, met: met, latency: 0.25)
    }

    static func sample(
        _ id: String, promptID: PromptID, index: Int, step: Int, completion: String, reward: Double, mean: Double, lastRaw: String = "No"
    )
        -> SampleRecord
    {
        let rollout = Rollout(
            id: id, promptID: promptID, sampleIndex: index, endpoint: "http://gpu0:8000", policyVersion: PolicyVersion(step),
            promptText: "Where is the <ball>? Answer A or B.", completionText: completion, promptTokenIDs: [1, 2, 3],
            completionTokenIDs: [4, 5], completionLogprobs: [-0.5, -0.25], finishReason: .stop, completionTokens: 2)
        return SampleRecord(
            rollout: rollout, parseStatus: "ok",
            judgeCalls: [
                judge("c1", dimension: "identifying", weight: 2, raw: "Yes", status: .ok, met: true),
                judge(
                    "c2", dimension: "logic", weight: -1, raw: lastRaw, status: lastRaw == "No" ? .ok : .nonBinary,
                    met: lastRaw == "No" ? false : nil),
            ],
            reward: RewardVector(
                components: [
                    RewardComponent(name: "format", value: 1, weight: 0.2), RewardComponent(name: "outcome", value: reward, weight: 0.8),
                ],
                total: reward),
            aggregates: ["weighted_mean": reward],
            advantage: AdvantageRecord(estimator: "grpo", paramsHash: "ph", value: reward - mean))
    }

    /// A step of one group with the given samples' (id, completion, reward).
    static func group(run: String, step: Int, samples: [(String, String, Double)], lastRaw: String = "No") -> GroupRecord {
        let pid = PromptID("p-\(run)-\(step)")
        let mean = samples.map(\.2).reduce(0, +) / Double(samples.count)
        return GroupRecord(
            runID: run, step: step, groupID: "\(run)/g\(step)", promptID: pid, ordinal: step,
            samples: samples.enumerated().map { (i, s) in
                sample(s.0, promptID: pid, index: i, step: step, completion: s.1, reward: s.2, mean: mean, lastRaw: i == 1 ? lastRaw : "No")
            })
    }

    /// Writes a step's group and batch, and commits the step.
    static func writeStep(_ store: any RewardStore, _ group: GroupRecord, deliver: Bool) async throws {
        try await store.appendGroups([group])
        let batchID = "\(group.runID)-b\(group.step)"
        try await store.appendBatches([
            BatchRecord(
                runID: group.runID, id: batchID, step: group.step, samples: group.samples.map { BatchSampleRef(rolloutID: $0.rollout.id) },
                payloadHash: "payload-\(group.step)", createdAt: 100 + Double(group.step))
        ])
        if deliver {
            try await store.updateDelivery(
                runID: group.runID, batchID: batchID,
                delivery: DeliveryState(
                    attempts: 1, outcome: .delivered, trainerPolicyVersion: PolicyVersion(group.step + 1), updatedAt: 150))
        }
        _ = try await store.commitStep(
            runID: group.runID, step: group.step, policyVersion: PolicyVersion(group.step), committedAt: 200 + Double(group.step))
    }

    /// A fresh in-memory store with the three runs.
    static func make() async throws -> InMemoryRewardStore {
        let store = InMemoryRewardStore()
        try await store.createRun(run("run-a", name: "alpha <run>", group: "cmp", startedAt: 1_000))
        try await writeStep(
            store, group(run: "run-a", step: 0, samples: [("s0-e0-p0/0", "A", 0), ("s0-e0-p0/1", "B", 0.5)]), deliver: true)
        try await writeStep(
            store,
            group(
                run: "run-a", step: 1,
                samples: [(plainRolloutID, "plain answer", 1), (scriptRolloutID, "<script>alert(1)</script> & 'B'", 0.5)],
                lastRaw: "\"&<>"),
            deliver: false)
        try await store.appendEvents([
            EventRecord(runID: "run-a", step: 1, at: 300, kind: .ejection, source: "http://gpu0:8000", message: eventMessage),
            EventRecord(runID: "run-a", at: 301, kind: .info, source: "engine", message: "step 1 committed"),
        ])
        try await store.createRun(run("run-b", name: "beta", group: "cmp", startedAt: 2_000))
        try await writeStep(store, group(run: "run-b", step: 0, samples: [("b0/0", "A", 0.1), ("b0/1", "A", 0.3)]), deliver: true)
        try await writeStep(store, group(run: "run-b", step: 1, samples: [("b1/0", "A", 0.6), ("b1/1", "A", 0.8)]), deliver: true)
        try await store.createRun(run("run-c", name: awkwardName, group: nil, startedAt: 3_000))
        return store
    }
}

/// A fetched page.
struct Fetched: Sendable {
    var status: Int
    var contentType: String?
    var body: String
}

/// Starts a dashboard on a free loopback port inside a `ServiceGroup`, runs `body` with a GET
/// function over real HTTP, then shuts the group down gracefully.
func withDashboard<R: Sendable>(
    _ store: any RewardStore, _ body: @escaping @Sendable (_ get: @escaping @Sendable (String) async throws -> Fetched) async throws -> R
) async throws -> R {
    var logger = Logger(label: "test.dashboard")
    logger.logLevel = .critical
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let server = DashboardServer(
        store: store, configuration: .init(port: 0, onServerRunning: { continuation.yield($0) }), logger: logger)
    let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { continuation.finish() }
            try await group.run()
        }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()
                throw ServerError(.invalidInput, "the dashboard stopped before listening")
            }
            let result = try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await body { uri in
                    let response = try await client.get(uri)
                    let text = response.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
                    return Fetched(status: Int(response.status.code), contentType: response.headers[.contentType], body: text)
                }
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            tasks.cancelAll()
            throw error
        }
    }
}

/// One sample line of the Prometheus text format.
struct MetricSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double
}

/// A strict parser of the text exposition format's sample lines: `name{label="value",...} number`
/// or `name number`, label values with `\\`, `\"` and `\n` escapes. Nil when the line does not match.
enum MetricLine {
    static func parse(_ line: String) -> MetricSample? {
        var chars = Substring(line)
        func isNameStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_" || c == ":") }
        func isName(_ c: Character) -> Bool { isNameStart(c) || (c.isASCII && c.isNumber) }
        guard let first = chars.first, isNameStart(first) else { return nil }
        let name = String(chars.prefix(while: isName))
        chars = chars.dropFirst(name.count)
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars = chars.dropFirst()
            while chars.first != "}" {
                guard let c = chars.first, isNameStart(c) else { return nil }
                let key = String(chars.prefix(while: isName))
                chars = chars.dropFirst(key.count)
                guard chars.hasPrefix("=\"") else { return nil }
                chars = chars.dropFirst(2)
                var value = ""
                while true {
                    guard let c = chars.popFirst() else { return nil }
                    if c == "\"" { break }
                    if c == "\n" { return nil }
                    if c == "\\" {
                        switch chars.popFirst() {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: return nil
                        }
                    } else {
                        value.append(c)
                    }
                }
                labels[key] = value
                if chars.first == "," { chars = chars.dropFirst() } else if chars.first != "}" { return nil }
            }
            chars = chars.dropFirst()
        }
        guard chars.first == " " else { return nil }
        let number = chars.dropFirst()
        let value: Double
        switch number {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let v = Double(number), !number.contains(" ") else { return nil }
            value = v
        }
        return MetricSample(name: name, labels: labels, value: value)
    }
}
