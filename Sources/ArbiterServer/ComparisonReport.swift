import ArbiterCore
import ArbiterStore
import Foundation

/// The comparison of a run group as one self-contained HTML page (inline CSS and SVG, no
/// scripts): the dashboard's comparison page, for `arbiter compare` to write to a file.
public enum ComparisonReport {
    /// The report of `group`.
    ///
    /// - Throws: ``ServerError/Code/notFound`` when no run belongs to `group`.
    public static func html(store: any RewardStore, group: String) async throws -> String {
        try await DashboardPages(store: store, eventLimit: 0).compare(group: group)
    }

    /// Reward mean per step of every run of `group`, as text rows (`step run1 run2 ...`) for a terminal.
    public static func table(store: any RewardStore, group: String) async throws -> [[String]] {
        let runs = try await store.listRuns(group: group).sorted { ($0.run.startedAt, $0.run.id) < ($1.run.startedAt, $1.run.id) }
        guard !runs.isEmpty else { throw ServerError(.notFound, "No runs in comparison group '\(group)'.") }
        var means: [[Int: Double]] = []
        var steps = Set<Int>()
        for r in runs {
            var m: [Int: Double] = [:]
            for a in try await store.stepAggregates(runID: r.run.id, steps: nil) {
                steps.insert(a.step)
                if let v = a.trainingReward.mean { m[a.step] = v }
            }
            means.append(m)
        }
        var rows = [["step"] + runs.map(\.run.id)]
        for step in steps.sorted() {
            rows.append(["\(step)"] + means.map { $0[step].map { String(format: "%.4f", $0) } ?? "-" })
        }
        return rows
    }
}
