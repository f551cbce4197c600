import ArgumentParser

/// `arbiter resume`: Resume a stopped or killed run.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a stopped or killed run. (not implemented yet: issue 8)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("resume", issue: 8, what: "the run loop")
    }
}
