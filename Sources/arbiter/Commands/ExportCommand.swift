import ArgumentParser

/// `arbiter export`: Export a run's log as JSONL or CSV.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's log as JSONL or CSV. (not implemented yet: issue 6)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("export", issue: 6, what: "the reward log")
    }
}
