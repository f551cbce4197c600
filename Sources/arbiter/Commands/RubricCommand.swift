import ArbiterCore
import ArbiterRewards
import ArgumentParser
import Foundation

/// `arbiter rubric`: rubric-judge tools.
struct RubricCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rubric",
        abstract: "Rubric-judge tools: re-score recorded verdicts.",
        subcommands: [Score.self]
    )

    /// `arbiter rubric score`: re-scores recorded judge verdicts offline.
    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "score",
            abstract: "Re-score recorded rubric verdicts offline.",
            discussion: """
                Reads {"responses": [{"id", "criteria": [{"id", "title", "weight", "dimension"}], \
                "verdicts": [{"criterion_id", "judgement"}]}]} (a null judgement is a failed judge call) and \
                prints {"responses": [{"id", "score", "statuses": {"ok", "non_binary", "refusal", "empty", \
                "failed"}, "criteria": [{"id", "status", "credited"}]}]}. score is null when missing: every \
                weighted criterion excluded, an undecided verdict under --failure-policy missing, a failed \
                call, or no weighted criterion. --aggregator official --parser substring reproduces \
                MoReBench's published scores.
                """
        )

        @Option(help: "The verdicts JSON file, or - for standard input.")
        var input: String

        @Option(help: "official (0..100) or paper (-1..1).")
        var aggregator: String = RubricAggregator.official.rawValue

        @Option(help: "strict (yes/no only) or substring (the official scorer's rule).")
        var parser: String = VerdictParser.strict.rawValue

        @Option(name: .customLong("failure-policy"), help: "exclude (drop undecided criteria and renormalize) or missing (null score).")
        var failurePolicy: String = VerdictFailurePolicy.exclude.rawValue

        func run() async throws {
            func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ option: String) throws -> T where T.RawValue == String {
                guard let v = T(rawValue: value) else {
                    throw ValidationError(
                        "--\(option) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not `\(value)`")
                }
                return v
            }
            let aggregator: RubricAggregator = try choice(aggregator, "aggregator")
            let parser: VerdictParser = try choice(parser, "parser")
            let policy: VerdictFailurePolicy = try choice(failurePolicy, "failure-policy")
            do {
                let data: Data
                if input == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    do {
                        data = try Data(contentsOf: URL(fileURLWithPath: input))
                    } catch {
                        throw RewardsError(.io, "cannot read the input file: \(error.localizedDescription)", context: input)
                    }
                }
                let out = try RubricScoreTool.run(input: data, aggregator: aggregator, parser: parser, failurePolicy: policy)
                print(String(decoding: out, as: UTF8.self))
            } catch let error as RewardsError {
                var stderr = StandardError()
                print("arbiter rubric score: error: \(error)", to: &stderr)
                throw ExitCode(1)
            }
        }
    }
}
