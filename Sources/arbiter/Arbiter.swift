import ArgumentParser

/// The `arbiter` command: parses arguments and wires services, nothing else.
@main
struct Arbiter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbiter",
        abstract: "Orchestrate RLVR post-training runs: rollouts, rewards, advantages, trainer hand-off, audit.",
        version: ArbiterVersion.string,
        subcommands: [
            RunCommand.self, ResumeCommand.self, EvalCommand.self, StatusCommand.self, ServeCommand.self,
            ExportCommand.self, AuditCommand.self, CompareCommand.self, AdvantageCommand.self,
            DiversityCommand.self, RubricCommand.self, DataCommand.self, ValidateCommand.self,
            DemoCommand.self, BenchCommand.self,
        ]
    )
}

/// The version printed by `arbiter --version` and recorded with every run.
enum ArbiterVersion {
    static let string = "0.1.0"
}
