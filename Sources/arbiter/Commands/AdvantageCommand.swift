import ArbiterNumerics
import ArgumentParser
import Foundation

/// `arbiter advantage --input FILE`: advantages for groups of rewards, JSON in, JSON out.
struct AdvantageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advantage",
        abstract: "Compute advantages for groups of rewards.",
        discussion: """
            Reads {"estimator": NAME, "params": {...}, "groups": [{"rewards": [...], "lengths": [...], \
            "logprob_mean": [...], "ref_logprob_mean": [...], "components": [[...]]}]} (null rewards are \
            missing) and prints {"advantages": [[...]]}, one array per group. Numbers are printed in their \
            shortest round-trip form. Estimators: \(AdvantageEstimator.allNames.joined(separator: ", ")).
            """
    )

    @Option(help: "The request JSON file, or - for standard input.")
    var input: String

    func run() async throws {
        do {
            let data = try NumericsInput.read(input)
            print(try AdvantageRequest.decode(from: data).run().jsonString())
        } catch let error as NumericsError {
            try NumericsInput.fail("advantage", error)
        }
    }
}

/// Input and error plumbing shared by the numerics commands.
enum NumericsInput {
    /// The bytes of `path`, or of standard input for `-`.
    static func read(_ path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw NumericsError(.invalidInput, "cannot read the input file: \(error.localizedDescription)", context: path)
        }
    }

    /// Prints the error on standard error and exits with status 1.
    static func fail(_ command: String, _ error: NumericsError) throws -> Never {
        var stderr = StandardError()
        print("arbiter \(command): error: \(error)", to: &stderr)
        throw ExitCode(1)
    }
}
