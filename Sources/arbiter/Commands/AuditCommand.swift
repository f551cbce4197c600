import ArgumentParser

/// `arbiter audit`: Verify a run's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify a run's hash chain. (not implemented yet: issue 6)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("audit", issue: 6, what: "the reward log")
    }
}
