import ArbiterStore
import ArbiterTesting
import Foundation
import Testing

/// Endpoint faults during a run, as the user and the log see them.
@Suite("Run loop: endpoint faults")
struct EndpointFaultTests {
    /// A flaky policy server: the step's retries are one `retry` event with the failures by code.
    @Test func retriesOfAStepAreLoggedAsOneEvent() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag"), policyFaults: .burst(.status(503), count: 3)) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            let config = try RunFixtures.write(RunFixtures.tom(peers, store: store, steps: 2), in: dir)
            let result = await (try CLIProcess.start(["run", config.path, "--run-id", "flaky", "--json-progress"])).wait()
            #expect(result.status == 0, "\(result.stderr)")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let retries = try await log.events(runID: "flaky", limit: nil).filter { $0.kind == .retry }
            #expect(retries.count == 1, "\(retries.map(\.message))")
            let event = try #require(retries.first)
            #expect(event.step == 0 && event.source == "policy")
            #expect(event.message.contains("3 attempt(s) retried during step 0") && event.message.contains("server_error 3"), "\(event.message)")
            #expect(event.details?.contains(peers.policy.baseURL) == true)
            #expect(try await log.verify(runID: "flaky").ok)
        }
    }

    /// A run whose policy endpoint is down: it says so at once, records the ejection, and after
    /// `unavailable_timeout_seconds` ends with an error instead of waiting for ever.
    @Test func aDeadPolicyEndpointIsReportedThenTheRunFailsClearly() async throws {
        try await RunPeers.with(policy: .multipleChoice(style: "answer_tag")) { peers in
            let dir = try RunFixtures.directory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let store = dir.appendingPathComponent("log.sqlite")
            // Port 9 (discard) on loopback: nothing listens, connections are refused.
            let text = RunFixtures.tom(peers, store: store, steps: 2)
                .replacingOccurrences(of: "- url: \(peers.policy.baseURL)", with: "- url: http://127.0.0.1:9")
                .replacingOccurrences(of: "  timeout_seconds: 20\n", with: "  timeout_seconds: 20\n  unavailable_timeout_seconds: 1\n")
            #expect(text.contains("unavailable_timeout_seconds: 1") && text.contains("127.0.0.1:9"))
            let config = try RunFixtures.write(text, in: dir)
            let result = await (try CLIProcess.start(["run", config.path, "--run-id", "down", "--json-progress"])).wait()
            #expect(result.status != 0)
            #expect(result.stderr.contains("no group of step 0 got a rollout"), "\(result.stderr)")
            #expect(result.stderr.contains("endpoints_unavailable"), "the first error is in the message: \(result.stderr)")
            let lines = result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let notices = lines.filter { $0["event"] as? String == "endpoint" }.compactMap { $0["message"] as? String }
            #expect(notices.contains { $0.contains("policy endpoint ejected") && $0.contains("127.0.0.1:9") }, "\(notices)")
            #expect(notices.contains { $0.contains("policy endpoints: gave up after") }, "\(notices)")
            let log = try SQLiteRewardStore(path: store.path)
            defer { try? log.close() }
            let events = try await log.events(runID: "down", limit: nil)
            #expect(events.contains { $0.kind == .ejection && $0.source == "http://127.0.0.1:9" && $0.message.contains("connection") })
            #expect(events.contains { $0.kind == .fault && $0.source == "policy" && $0.message.contains("gave up") })
            // The prompts whose rollouts never came back are recorded with the reason.
            #expect(events.contains { $0.kind == .fault && ($0.details ?? "").contains("endpoints_unavailable") }, "\(events.map(\.message))")
            #expect(try await log.runStatus("down").rollouts == 0)
        }
    }
}
