import ArgumentParser

/// `arbiter diversity`: Compute diversity metrics over embeddings.
struct DiversityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diversity",
        abstract: "Compute diversity metrics over embeddings. (not implemented yet: issue 3)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("diversity", issue: 3, what: "the numeric core")
    }
}
