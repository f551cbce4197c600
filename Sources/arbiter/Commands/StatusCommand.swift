import ArgumentParser

/// `arbiter status`: Show a run's progress from the store.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's progress from the store. (not implemented yet: issue 8)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("status", issue: 8, what: "the run loop and the store")
    }
}
