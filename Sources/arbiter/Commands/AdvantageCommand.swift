import ArgumentParser

/// `arbiter advantage`: Compute advantages for groups of rewards.
struct AdvantageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advantage",
        abstract: "Compute advantages for groups of rewards. (not implemented yet: issue 3)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("advantage", issue: 3, what: "the numeric core")
    }
}
