import ArgumentParser

/// `arbiter data`: Inspect datasets.
struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets. (not implemented yet: issue 2)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("data", issue: 2, what: "dataset inspection")
    }
}
