import ArbiterCore
import ArbiterInference
import ArbiterStore

/// A scheduler's retries and hedges while one step ran, as events: one `retry` event (with the
/// failures behind them, by code and by endpoint) and one `hedge` event per scheduler and step,
/// only when there were any. Per-attempt events would flood the log at the scheduler's rates;
/// the counters say the same per step.
enum SchedulerActivity {
    /// The events for the counters' change from `before` to `after` (both from the same scheduler).
    static func events(
        role: String, before: SchedulerMetrics, after: SchedulerMetrics, runID: String, step: Int, at: Double
    ) -> [EventRecord] {
        var out: [EventRecord] = []
        let retries = after.retries - before.retries
        if retries > 0 {
            let byCode = InferenceError.Code.allCases.compactMap { code -> String? in
                let n = (after.errors[code] ?? 0) - (before.errors[code] ?? 0)
                return n > 0 && code != .cancelled ? "\(code.rawValue) \(n)" : nil
            }
            var perEndpoint: [String: String] = [:]
            for (k, e) in after.endpoints.enumerated() {
                let n = e.retries - (k < before.endpoints.count ? before.endpoints[k].retries : 0)
                if n > 0 { perEndpoint[e.url] = String(n) }
            }
            out.append(
                EventRecord(
                    runID: runID, step: step, at: at, kind: .retry, source: role,
                    message: "\(role): \(retries) attempt(s) retried during step \(step)"
                        + (byCode.isEmpty ? "" : " (failures: \(byCode.joined(separator: ", ")))"),
                    details: JSONLiteral.object(perEndpoint)))
        }
        let hedges = after.hedges - before.hedges
        if hedges > 0 {
            let won = after.endpoints.reduce(0) { $0 + $1.hedgesWon } - before.endpoints.reduce(0) { $0 + $1.hedgesWon }
            out.append(
                EventRecord(
                    runID: runID, step: step, at: at, kind: .hedge, source: role,
                    message: "\(role): \(hedges) slow request(s) hedged during step \(step), \(won) won by the hedge"))
        }
        return out
    }
}
