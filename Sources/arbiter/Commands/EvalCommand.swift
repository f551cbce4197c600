import ArgumentParser

/// `arbiter eval`: Generate and score without training.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Generate and score without training. (not implemented yet: issue 8)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("eval", issue: 8, what: "the run loop")
    }
}
