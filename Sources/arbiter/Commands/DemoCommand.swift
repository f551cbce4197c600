import ArgumentParser

/// `arbiter demo`: Run the CPU demo with real peers.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the CPU demo with real peers. (not implemented yet: issue 9)"
    )

    @Argument(parsing: .captureForPassthrough, help: "Arguments (none are accepted until this lands).")
    var arguments: [String] = []

    func run() async throws {
        try notImplemented("demo", issue: 9, what: "the real-peer demo")
    }
}
