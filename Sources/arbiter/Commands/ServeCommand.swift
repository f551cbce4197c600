import ArgumentParser

/// `arbiter serve`: Serve the dashboard and metrics.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the dashboard and metrics. (not implemented yet: issue 6)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("serve", issue: 6, what: "the store and dashboard")
    }
}
