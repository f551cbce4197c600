import ArbiterCore
import ArbiterStore

/// Renders the dashboard's HTML pages from the reward log. Read-only.
struct DashboardPages: Sendable {
    /// The reward log.
    let store: any RewardStore
    /// How many of a run's latest events its page shows.
    let eventLimit: Int

    /// `GET /`: every run, newest first; the runs of a comparison group together under a header row.
    func index() async throws -> String {
        let runs = try await store.listRuns(group: nil)
        guard !runs.isEmpty else {
            return HTML.page(title: "Runs", body: "<p class=\"muted\">The reward log holds no runs yet.</p>\n")
        }
        let headers = ["Run", "Name", "Mode", "Status", "Committed steps", "Rollouts", "Run group", "Started (UTC)"]
        var byGroup: [String: [RunSummary]] = [:]
        for r in runs { if let g = r.run.runGroup { byGroup[g, default: []].append(r) } }
        var body = "<table>\n<thead><tr>"
        for (i, h) in headers.enumerated() {
            body += i == 4 || i == 5 ? "<th class=\"n\">\(HTML.escape(h))</th>" : "<th>\(HTML.escape(h))</th>"
        }
        body += "</tr></thead>\n"
        var emitted = Set<String>()
        for r in runs {
            if let g = r.run.runGroup {
                guard emitted.insert(g).inserted, let members = byGroup[g] else { continue }
                body += "<tbody class=\"group\">\n<tr class=\"group\"><th colspan=\"\(headers.count)\">Run group "
                body += "\(HTML.escape(g)) · \(members.count) run\(members.count == 1 ? "" : "s") · "
                body += "\(HTML.link(HTML.compareHref(g), "compare"))</th></tr>\n"
                for m in members { body += Self.indexRow(m) }
                body += "</tbody>\n"
            } else {
                body += "<tbody>\n\(Self.indexRow(r))</tbody>\n"
            }
        }
        body += "</table>\n"
        return HTML.page(title: "Runs", body: body)
    }

    private static func indexRow(_ r: RunSummary) -> String {
        let group = r.run.runGroup.map { HTML.link(HTML.compareHref($0), $0) } ?? "—"
        let cells = [
            HTML.link(HTML.runHref(r.run.id), r.run.id), HTML.escape(r.run.name), HTML.escape(r.run.mode.rawValue),
            HTML.escape(r.run.status.rawValue), "\(r.committedSteps)", "\(r.rollouts)", group, HTML.time(r.run.startedAt),
        ]
        var row = "<tr>"
        for (i, c) in cells.enumerated() { row += i == 4 || i == 5 ? "<td class=\"n\">\(c)</td>" : "<td>\(c)</td>" }
        return row + "</tr>\n"
    }

    /// Runs `body`, turning the store's "not found" into the dashboard's 404 for `runID`.
    func forRun<T>(_ runID: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error.code == .notFound {
            throw ServerError(.notFound, "No run '\(runID)' in the reward log.")
        }
    }
}
