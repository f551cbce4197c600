import ArbiterCore
import ArbiterStore

extension DashboardPages {
    /// `GET /compare?group=G`: the runs of a comparison group side by side (reward mean per step as a
    /// table and one chart with a line per run). Without a group: the list of groups.
    func compare(group: String?) async throws -> String {
        guard let group, !group.isEmpty else { return try await groupList() }
        let runs = try await store.listRuns(group: group).sorted { ($0.run.startedAt, $0.run.id) < ($1.run.startedAt, $1.run.id) }
        guard !runs.isEmpty else { throw ServerError(.notFound, "No runs in comparison group '\(group)'.") }
        var means: [[Int: Double]] = []
        var allSteps = Set<Int>()
        for r in runs {
            let aggregates = try await forRun(r.run.id) { try await store.stepAggregates(runID: r.run.id, steps: nil) }
            var m: [Int: Double] = [:]
            for a in aggregates {
                allSteps.insert(a.step)
                if let v = a.trainingReward.mean { m[a.step] = v }
            }
            means.append(m)
        }
        var body = "<h2>Runs</h2>\n"
        body += HTML.table(
            ["Run", "Name", "Mode", "Status", "Committed steps", "Rollouts", "Last reward mean"],
            runs.enumerated().map { (i, r) in
                [
                    "<span style=\"color:\(SVGLineChart.color(i))\">■</span> " + HTML.link(HTML.runHref(r.run.id), r.run.id),
                    HTML.escape(r.run.name), HTML.escape(r.run.mode.rawValue), HTML.escape(r.run.status.rawValue),
                    "\(r.committedSteps)", "\(r.rollouts)", HTML.number(means[i].max { $0.key < $1.key }?.value),
                ]
            }, numericFrom: 4)
        body += "<h2>Reward mean per step</h2>\n"
        body += SVGLineChart(
            series: runs.enumerated().map { (i, r) in
                .init(label: r.run.id, points: means[i].sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            },
            title: "Training reward mean per step, run group \(group)", yLabel: "reward mean"
        ).render()
        let rows = allSteps.sorted().map { step in ["\(step)"] + means.map { HTML.number($0[step]) } }
        body += HTML.table(["Step"] + runs.map(\.run.id), rows, numericFrom: 0)
        return HTML.page(title: "Run group \(group)", body: body)
    }

    private func groupList() async throws -> String {
        let runs = try await store.listRuns(group: nil)
        var counts: [String: Int] = [:]
        var order: [String] = []
        for r in runs {
            guard let g = r.run.runGroup else { continue }
            if counts[g] == nil { order.append(g) }
            counts[g, default: 0] += 1
        }
        guard !order.isEmpty else {
            return HTML.page(title: "Run groups", body: "<p class=\"muted\">No run belongs to a comparison group.</p>\n")
        }
        let rows = order.map { [HTML.link(HTML.compareHref($0), $0), "\(counts[$0]!)"] }
        return HTML.page(title: "Run groups", body: HTML.table(["Run group", "Runs"], rows, numericFrom: 1))
    }
}
