import ArbiterCore
import ArbiterStore

extension DashboardPages {
    /// `GET /runs/{run}/rollouts/{rollout}`: the prompt and completion, every judge call with its raw
    /// response and request, reward components and aggregates, the advantage, and the batches that
    /// carried it.
    func rollout(runID: String, rolloutID: String) async throws -> String {
        guard let d = try await forRun(runID, { try await store.rolloutDetail(runID: runID, rolloutID: rolloutID) }) else {
            throw ServerError(.notFound, "No rollout '\(rolloutID)' in run '\(runID)'.")
        }
        let r = d.rollout
        var items: [(String, String)] = [
            ("Run", HTML.link(HTML.runHref(d.runID), d.runID)),
            ("Step", "\(d.step)" + (d.stepCommitted ? " (committed)" : " <span class=\"muted\">(open)</span>")),
            ("Group", HTML.escape(d.groupID) + (d.partialGroup ? " <span class=\"muted\">(closed partial)</span>" : "")),
            ("Prompt", HTML.escape(r.promptID.rawValue)), ("Sample", "\(r.sampleIndex)"),
            ("Endpoint", HTML.escape(r.endpoint)), ("Policy version", HTML.escape(r.policyVersion.description)),
            ("Finish reason", HTML.escape(r.finishReason.rawValue)), ("Completion tokens", "\(r.completionTokens)"),
            ("Prompt tokens", d.promptTokens.map(String.init) ?? "—"), ("Parse status", HTML.escape(d.parseStatus)),
            ("Mean logprob", HTML.number(r.logprobMean, digits: 4)),
        ]
        if let t = r.timing {
            items.append(("Latency", HTML.number(t.completedAt - t.requestedAt) + " s"))
        }
        var body = "<dl>\n"
        for (k, v) in items { body += "<dt>\(HTML.escape(k))</dt><dd>\(v)</dd>\n" }
        body += "</dl>\n"
        body += "<h2>Prompt</h2>\n<pre>\(HTML.escape(r.promptText))</pre>\n"
        body += "<h2>Completion</h2>\n<pre>\(HTML.escape(r.completionText))</pre>\n"
        body += "<h2>Reward</h2>\n<p>Training reward: <strong>\(HTML.number(d.reward.total))</strong></p>\n"
        body += HTML.table(
            ["Component", "Value", "Weight"],
            d.reward.components.map { [HTML.escape($0.name), HTML.number($0.value), HTML.number($0.weight)] }, numericFrom: 1)
        if !d.aggregates.isEmpty {
            body += "<h3>Aggregates</h3>\n"
            body += HTML.table(
                ["Aggregator", "Value"], d.aggregates.sorted { $0.key < $1.key }.map { [HTML.escape($0.key), HTML.number($0.value)] },
                numericFrom: 1)
        }
        body += "<h2>Advantage</h2>\n"
        if let a = d.advantage {
            body += HTML.table(
                ["Estimator", "Advantage", "Flow target", "Parameters hash"],
                [
                    [
                        HTML.escape(a.estimator), HTML.number(a.value, digits: 4), HTML.number(a.flowTarget, digits: 4),
                        HTML.escape(a.paramsHash),
                    ]
                ])
        } else {
            body += "<p class=\"muted\">No advantage (no estimator ran).</p>\n"
        }
        body += "<h2>Judge calls (\(d.judgeCalls.count))</h2>\n" + Self.judgeTable(d.judgeCalls)
        body += "<h2>Batches</h2>\n" + Self.batchTable(d.batches)
        return HTML.page(title: "Rollout \(rolloutID)", body: body)
    }

    private static func judgeTable(_ calls: [JudgeCallRecord]) -> String {
        guard !calls.isEmpty else { return "<p class=\"muted\">No judge calls.</p>\n" }
        let rows = calls.enumerated().map { (i, j) -> [String] in
            var answer = j.rawResponse.map { "<pre>\(HTML.escape($0))</pre>" } ?? "<span class=\"muted\">no response</span>"
            if let e = j.error { answer += "<p class=\"bad\">\(HTML.escape(e))</p>" }
            answer += "<details><summary>request</summary><pre>\(HTML.escape(j.requestText))</pre></details>"
            return [
                "\(i + 1)", HTML.escape(j.criterionID), HTML.escape(j.dimension), j.criterionWeight.map(String.init) ?? "—",
                HTML.escape(j.status.rawValue), HTML.flag(j.met), HTML.escape(j.judgeModel),
                j.latency.map { HTML.number($0) + " s" } ?? "—", j.cacheHit ? "hit" : "—", answer,
            ]
        }
        return HTML.table(["#", "Criterion", "Dimension", "Weight", "Status", "Met", "Judge", "Latency", "Cache", "Response"], rows)
    }

    private static func batchTable(_ batches: [BatchMembership]) -> String {
        guard !batches.isEmpty else { return "<p class=\"muted\">Not in any batch.</p>\n" }
        let rows = batches.map { b in
            [
                HTML.escape(b.batchID), "\(b.step)", "\(b.position)", HTML.number(b.lossWeight),
                HTML.escape(b.delivery.outcome.rawValue), "\(b.delivery.attempts)",
                HTML.escape(b.delivery.trainerPolicyVersion?.description), HTML.time(b.delivery.updatedAt),
            ]
        }
        return HTML.table(
            ["Batch", "Step", "Position", "Loss weight", "Delivery", "Attempts", "Trainer policy version", "Updated (UTC)"], rows)
    }
}
