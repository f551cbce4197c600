import ArbiterInference
import ArbiterStore
import Testing

@testable import ArbiterEngine

/// Per-step retry and hedge events from a scheduler's counters.
@Suite("Scheduler activity events")
struct SchedulerActivityTests {
    static func metrics(_ endpoints: [(url: String, retries: Int, errors: [InferenceError.Code: Int], hedges: Int, won: Int)])
        -> SchedulerMetrics
    {
        SchedulerMetrics(
            endpoints: endpoints.map { e in
                var m = EndpointMetrics(url: e.url)
                m.retries = e.retries
                m.errors = e.errors
                m.hedges = e.hedges
                m.hedgesWon = e.won
                return m
            })
    }

    @Test func onlyTheStepsChangeIsReportedByCodeAndEndpoint() throws {
        let before = Self.metrics([
            ("http://a", 2, [.serverError: 2], 1, 1), ("http://b", 0, [:], 0, 0),
        ])
        let after = Self.metrics([
            ("http://a", 5, [.serverError: 4, .timeout: 1, .cancelled: 3], 4, 2), ("http://b", 1, [.connectionFailed: 1], 0, 0),
        ])
        let events = SchedulerActivity.events(role: "judge", before: before, after: after, runID: "r", step: 7, at: 1)
        #expect(events.map(\.kind) == [.retry, .hedge])
        let retry = events[0]
        #expect(retry.step == 7 && retry.source == "judge")
        #expect(retry.message == "judge: 4 attempt(s) retried during step 7 (failures: connection_failed 1, timeout 1, server_error 2)")
        #expect(retry.details == #"{"http://a":"3","http://b":"1"}"#)
        #expect(events[1].message == "judge: 3 slow request(s) hedged during step 7, 1 won by the hedge")
    }

    @Test func aQuietStepGivesNoEvent() {
        let m = Self.metrics([("http://a", 3, [.timeout: 3], 2, 1)])
        #expect(SchedulerActivity.events(role: "policy", before: m, after: m, runID: "r", step: 0, at: 0).isEmpty)
    }
}
