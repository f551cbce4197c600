import ArgumentParser

/// `arbiter rubric`: Re-score recorded rubric verdicts.
struct RubricCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rubric",
        abstract: "Re-score recorded rubric verdicts. (not implemented yet: issue 5)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("rubric", issue: 5, what: "the rubric scorer")
    }
}
