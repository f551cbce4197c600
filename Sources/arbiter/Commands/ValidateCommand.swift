import ArgumentParser

/// `arbiter validate`: Validate run configs.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate run configs. (not implemented yet: issue 2)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("validate", issue: 2, what: "config validation")
    }
}
