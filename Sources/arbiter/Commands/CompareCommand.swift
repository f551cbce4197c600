import ArbiterServer
import ArbiterStore
import ArgumentParser
import Foundation

/// `arbiter compare GROUP`: the runs of a comparison group side by side, as a table and an HTML report.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the runs of a group (e.g. `arbiter run --estimator grpo,flowrl_tb`): a table and an HTML report with a chart.",
        discussion: """
            Prints the reward mean per step of every run of the group and writes a self-contained HTML \
            report (inline SVG chart, no scripts). `arbiter serve` shows the same page live at /compare.
            """
    )

    @Argument(help: "The run group (the base run id of a `--estimator a,b` run, or a demo's group).")
    var group: String

    @Option(help: "The SQLite reward log.")
    var store = StoreCommandSupport.defaultStorePath

    @Option(help: "Where to write the HTML report (default: compare-GROUP.html beside the store).")
    var out: String?

    func run() async throws {
        let log = try StoreCommandSupport.open(store, command: "compare")
        defer { try? log.close() }
        let rows: [[String]]
        let html: String
        do {
            rows = try await ComparisonReport.table(store: log, group: group)
            html = try await ComparisonReport.html(store: log, group: group)
        } catch let error as ServerError where error.code == .notFound {
            FileHandleStderr.write("arbiter compare: \(error.message) (see `arbiter status --store \(store)`)\n")
            throw ExitCode(2)
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        let target = URL(fileURLWithPath: out ?? (URL(fileURLWithPath: store).deletingLastPathComponent().appendingPathComponent("compare-\(group).html").path))
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try html.write(to: target, atomically: true, encoding: .utf8)
        print("report: \(target.path)")
    }
}
