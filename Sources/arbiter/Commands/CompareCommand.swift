import ArgumentParser

/// `arbiter compare`: Compare runs in a report with plots.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs in a report with plots. (not implemented yet: issue 9; see `arbiter serve` /compare and `arbiter demo`)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("compare", issue: 9, what: "comparison reports beyond the demo's report.md")
    }
}
