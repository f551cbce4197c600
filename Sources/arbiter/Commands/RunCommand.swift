import ArgumentParser

/// `arbiter run`: Run a training run from a config.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a training run from a config. (not implemented yet: issue 8)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("run", issue: 8, what: "the run loop")
    }
}
