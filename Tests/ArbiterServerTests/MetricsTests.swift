import ArbiterStore
import Foundation
import Testing

/// `GET /metrics` in the Prometheus text exposition format 0.0.4.
@Suite("Prometheus metrics")
struct MetricsTests {
    @Test func everyLineParsesAndTheCountersAreRight() async throws {
        let store = try await DashboardFixture.make()
        let r = try await withDashboard(store) { get in try await get("/metrics") }
        #expect(r.status == 200)
        #expect(r.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        var samples: [MetricSample] = []
        var typed: [String: String] = [:]
        for line in r.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4)
                typed[String(parts[2])] = String(parts[3])
                continue
            }
            if line.hasPrefix("# HELP ") { continue }
            #expect(!line.hasPrefix("#"), "unexpected comment: \(line)")
            guard let sample = MetricLine.parse(line) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            #expect(typed[sample.name] != nil, "\(sample.name) has no TYPE before it")
            samples.append(sample)
        }
        func value(_ name: String, _ run: String) -> Double? {
            samples.first { $0.name == name && $0.labels["run"] == run }?.value
        }
        #expect(value("arbiter_run_committed_steps", "run-a") == 2)
        #expect(value("arbiter_run_rollouts_total", "run-a") == 4)
        #expect(value("arbiter_run_judge_calls_total", "run-a") == 8)
        #expect(value("arbiter_run_batches_total", "run-a") == 2)
        #expect(value("arbiter_run_undelivered_batches", "run-a") == 1)
        #expect(value("arbiter_run_last_step_reward_mean", "run-a") == 0.75)
        #expect(value("arbiter_run_undelivered_batches", "run-b") == 0)
        #expect(value("arbiter_run_last_step_reward_mean", "run-b") == 0.7)
        #expect(value("arbiter_run_committed_steps", "run-c") == 0)
        #expect(value("arbiter_run_last_step_reward_mean", "run-c") == nil, "no committed step, no sample")
        func events(_ run: String, _ kind: String) -> Double? {
            samples.first { $0.name == "arbiter_run_events_total" && $0.labels == ["run": run, "kind": kind] }?.value
        }
        #expect(events("run-a", "ejection") == 1)
        #expect(events("run-a", "fault") == 0, "every kind has a sample, zero included")
        #expect(events("run-c", "ejection") == 0)
        #expect(typed["arbiter_run_events_total"] == "counter")
        #expect(typed["arbiter_run_rollouts_total"] == "counter")
        #expect(typed["arbiter_run_committed_steps"] == "gauge")

        let info = samples.filter { $0.name == "arbiter_run_info" }
        #expect(info.count == 3)
        #expect(info.allSatisfy { $0.value == 1 })
        let a = try #require(info.first { $0.labels["run"] == "run-a" })
        #expect(a.labels == ["run": "run-a", "name": "alpha <run>", "mode": "train", "status": "running"])
        let c = try #require(info.first { $0.labels["run"] == "run-c" })
        #expect(c.labels["name"] == DashboardFixture.awkwardName, "quote, backslash and newline survive the escaping")
        #expect(r.body.contains("name=\"quote \\\" back\\\\slash\\nnewline\""))
    }

    @Test func anEmptyLogGivesOnlyComments() async throws {
        let r = try await withDashboard(InMemoryRewardStore()) { get in try await get("/metrics") }
        #expect(r.status == 200)
        #expect(r.body.split(separator: "\n").allSatisfy { $0.hasPrefix("# ") })
    }
}
