import ArgumentParser

/// `arbiter compare`: Compare runs in a report with plots.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs in a report with plots. (not implemented yet: issue 8)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("compare", issue: 8, what: "the run loop and reports")
    }
}
