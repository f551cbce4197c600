import ArbiterCore
import ArbiterStore

extension DashboardPages {
    /// `GET /runs/{run}`: status, per-step table and reward chart, criterion rates, latest events,
    /// and the rollouts of one step (the last step with rows unless `rolloutsStep` is given).
    func run(_ runID: String, rolloutsStep: Int?) async throws -> String {
        let (status, aggregates, rates, events, batches) = try await forRun(runID) {
            let status = try await store.runStatus(runID)
            let aggregates = try await store.stepAggregates(runID: runID, steps: nil)
            let rates = try await store.criterionRates(runID: runID, steps: nil, grouping: .dimensionAndWeight)
            let events = try await store.events(runID: runID, limit: eventLimit)
            let batches = try await store.batches(runID: runID, step: nil)
            return (status, aggregates, rates, events, batches)
        }
        let step = rolloutsStep ?? aggregates.last?.step
        var groups: [GroupRecord] = []
        if let step { groups = try await forRun(runID) { try await store.groups(runID: runID, step: step) } }

        var body = Self.statusSection(status)
        body += "<h2>Reward mean per step</h2>\n"
        body += SVGLineChart(
            series: [.init(label: status.run.name, points: aggregates.compactMap { a in a.trainingReward.mean.map { (a.step, $0) } })],
            title: "Training reward mean per step of \(status.run.id)", yLabel: "reward mean"
        ).render()
        body += "<h2>Steps</h2>\n" + Self.stepTable(aggregates, batches: batches)
        body += "<h2>Criterion fulfilment by dimension</h2>\n" + Self.criterionTable(rates)
        body += "<h2>Latest events</h2>\n" + Self.eventTable(events, counts: status.eventCounts)
        body += Self.rolloutSection(runID: runID, step: step, groups: groups, steps: aggregates.map(\.step))
        return HTML.page(title: "Run \(status.run.id)", body: body)
    }

    private static func statusSection(_ s: RunStatusReport) -> String {
        let r = s.run
        var items: [(String, String)] = [
            ("Name", HTML.escape(r.name)), ("Mode", HTML.escape(r.mode.rawValue)), ("Status", HTML.escape(r.status.rawValue)),
            ("Run group", r.runGroup.map { HTML.link(HTML.compareHref($0), $0) } ?? "—"),
            ("Started (UTC)", HTML.time(r.startedAt)), ("Ended (UTC)", HTML.time(r.endedAt)),
            ("Code version", HTML.escape(r.codeVersion)), ("Config hash", HTML.escape(r.configHash)),
            ("Committed steps", "\(s.committedSteps)"),
            ("Last committed step", s.lastStep.map { "\($0.step) (\(HTML.escape($0.recordHash)))" } ?? "—"),
            ("Open steps", s.openSteps.isEmpty ? "none" : s.openSteps.map(String.init).joined(separator: ", ")),
            ("Groups", "\(s.groups)"), ("Rollouts", "\(s.rollouts)"), ("Judge calls", "\(s.judgeCalls)"),
            ("Batches", "\(s.batches)"),
            ("Undelivered batches", s.undeliveredBatches > 0 ? "<span class=\"bad\">\(s.undeliveredBatches)</span>" : "0"),
        ]
        if !s.eventCounts.isEmpty {
            items.append(
                ("Events", s.eventCounts.sorted { $0.key < $1.key }.map { "\(HTML.escape($0.key)): \($0.value)" }.joined(separator: ", ")))
        }
        var out = "<h2>Status</h2>\n<dl>\n"
        for (k, v) in items { out += "<dt>\(HTML.escape(k))</dt><dd>\(v)</dd>\n" }
        return out + "</dl>\n<details><summary>Configuration</summary><pre>\(HTML.escape(r.configYAML))</pre></details>\n"
    }

    private static func stepTable(_ aggregates: [StepAggregate], batches: [BatchRecord]) -> String {
        guard !aggregates.isEmpty else { return "<p class=\"muted\">No steps written yet.</p>\n" }
        var componentNames: [String] = []
        for a in aggregates { for c in a.components where !componentNames.contains(c.name) { componentNames.append(c.name) } }
        var trainerVersion: [Int: PolicyVersion] = [:]
        for b in batches {
            guard let v = b.delivery.trainerPolicyVersion else { continue }
            trainerVersion[b.step] = max(trainerVersion[b.step] ?? v, v)
        }
        let headers =
            ["Step", "Committed", "Groups", "Rollouts", "Reward mean ± std"] + componentNames.map { "\($0) mean" }
            + [
                "Zero-variance groups", "Mean completion tokens", "Truncated", "Parse failures", "Judge calls", "Judge failures",
                "Policy version", "Trainer policy version",
            ]
        let rows = aggregates.map { a -> [String] in
            var row = [
                "\(a.step)", a.committed ? "yes" : "<span class=\"muted\">open</span>", "\(a.groups)",
                "\(a.rollouts)", HTML.meanStd(a.trainingReward.mean, a.trainingReward.std),
            ]
            for name in componentNames { row.append(HTML.number(a.components.first { $0.name == name }?.value.mean)) }
            row += [
                HTML.percent(a.zeroVarianceGroupFraction), HTML.number(a.completionTokens.mean, digits: 1),
                HTML.percent(a.truncationRate), HTML.percent(a.parseFailureRate), "\(a.judgeCalls)",
                HTML.percent(a.judgeFailureRate), HTML.escape(a.policyVersion?.description),
                HTML.escape(trainerVersion[a.step]?.description),
            ]
            return row
        }
        return HTML.table(headers, rows, numericFrom: 2)
    }

    private static func criterionTable(_ rates: [CriterionRate]) -> String {
        guard !rates.isEmpty else { return "<p class=\"muted\">No rubric judge calls.</p>\n" }
        let rows = rates.map { r in
            [
                HTML.escape(r.dimension), r.weight.map { String($0) } ?? "—", "\(r.calls)", "\(r.met)", "\(r.notMet)",
                "\(r.unparsed)", "\(r.failed)", HTML.percent(r.rate),
            ]
        }
        return HTML.table(["Dimension", "Weight", "Calls", "Met", "Not met", "Unparsed", "Failed", "Met rate"], rows, numericFrom: 1)
    }

    private static func eventTable(_ events: [EventRecord], counts: [String: Int]) -> String {
        guard !events.isEmpty else { return "<p class=\"muted\">No events.</p>\n" }
        let rows = events.reversed().map { e in
            [
                HTML.time(e.at), e.step.map(String.init) ?? "—", HTML.escape(e.kind.rawValue), HTML.escape(e.source),
                HTML.escape(e.message)
                    + (e.details.map { "<details><summary>details</summary><pre>\(HTML.escape($0))</pre></details>" } ?? ""),
            ]
        }
        let total = counts.values.reduce(0, +)
        let note = total > events.count ? "<p class=\"muted\">The latest \(events.count) of \(total) events, newest first.</p>\n" : ""
        return note + HTML.table(["Time (UTC)", "Step", "Kind", "Source", "Message"], rows)
    }

    private static func rolloutSection(runID: String, step: Int?, groups: [GroupRecord], steps: [Int]) -> String {
        guard let step else { return "<h2>Rollouts</h2>\n<p class=\"muted\">No rollouts yet.</p>\n" }
        var out = "<h2>Rollouts of step \(step)</h2>\n"
        var nav: [String] = []
        if let prev = steps.last(where: { $0 < step }) { nav.append(HTML.link(HTML.runHref(runID) + "?step=\(prev)", "← step \(prev)")) }
        if let next = steps.first(where: { $0 > step }) { nav.append(HTML.link(HTML.runHref(runID) + "?step=\(next)", "step \(next) →")) }
        if !nav.isEmpty { out += "<p>\(nav.joined(separator: " · "))</p>\n" }
        guard !groups.isEmpty else { return out + "<p class=\"muted\">No groups written for this step.</p>\n" }
        var rows: [[String]] = []
        for g in groups {
            for s in g.samples {
                rows.append([
                    HTML.link(HTML.rolloutHref(runID: runID, rolloutID: s.rollout.id), s.rollout.id),
                    HTML.escape(g.groupID) + (g.partial ? " <span class=\"muted\">(partial)</span>" : ""),
                    HTML.escape(s.parseStatus), HTML.escape(s.rollout.finishReason.rawValue),
                    "\(s.rollout.sampleIndex)", HTML.number(s.reward.total), HTML.number(s.advantage?.value),
                    "\(s.rollout.completionTokens)",
                ])
            }
        }
        return out
            + HTML.table(
                ["Rollout", "Group", "Parse status", "Finish", "Sample", "Reward", "Advantage", "Completion tokens"], rows, numericFrom: 4)
    }
}
