import ArbiterCore
import ArbiterStore

/// Renders `GET /metrics`: per-run counters and gauges from the reward log, in the Prometheus text
/// exposition format 0.0.4.
struct MetricsExporter: Sendable {
    /// The reward log.
    let store: any RewardStore

    private struct RunMetrics {
        var summary: RunSummary
        var status: RunStatusReport
        var lastStepRewardMean: Double?
    }

    /// The exposition text.
    func render() async throws -> String {
        var runs: [RunMetrics] = []
        for summary in try await store.listRuns(group: nil) {
            let id = summary.run.id
            let status = try await store.runStatus(id)
            var mean: Double?
            if let last = status.lastStep?.step {
                mean = try await store.stepAggregates(runID: id, steps: last...last).first?.trainingReward.mean
            }
            runs.append(RunMetrics(summary: summary, status: status, lastStepRewardMean: mean))
        }
        var out = PrometheusText()
        out.family("arbiter_run_info", .gauge, help: "A run in the reward log (always 1); labels carry its name, mode and status.")
        for r in runs {
            let run = r.summary.run
            out.sample(
                "arbiter_run_info", ["run": run.id, "name": run.name, "mode": run.mode.rawValue, "status": run.status.rawValue], 1)
        }
        func family(_ name: String, _ type: PrometheusText.MetricType, _ help: String, _ value: (RunMetrics) -> Double?) {
            out.family(name, type, help: help)
            for r in runs { if let v = value(r) { out.sample(name, ["run": r.summary.run.id], v) } }
        }
        family("arbiter_run_committed_steps", .gauge, "Steps committed (sealed by the hash chain).") { Double($0.status.committedSteps) }
        family("arbiter_run_rollouts_total", .counter, "Rollouts written, committed or not.") { Double($0.status.rollouts) }
        family("arbiter_run_judge_calls_total", .counter, "Judge calls written.") { Double($0.status.judgeCalls) }
        family("arbiter_run_batches_total", .counter, "Training batches logged.") { Double($0.status.batches) }
        family("arbiter_run_undelivered_batches", .gauge, "Batches not yet delivered to the trainer (pending or failed).") {
            Double($0.status.undeliveredBatches)
        }
        family("arbiter_run_last_step_reward_mean", .gauge, "Training reward mean of the last committed step.") { $0.lastStepRewardMean }
        out.family(
            "arbiter_run_events_total", .counter,
            help: "Events logged, by kind (fault, retry, hedge, ejection, warning, info); endpoint ejections and give-ups show here as they happen.")
        for r in runs {
            for kind in EventKind.allCases {
                out.sample("arbiter_run_events_total", ["run": r.summary.run.id, "kind": kind.rawValue], Double(r.status.eventCounts[kind.rawValue] ?? 0))
            }
        }
        return out.text
    }
}
