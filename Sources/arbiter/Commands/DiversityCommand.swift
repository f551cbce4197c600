import ArbiterNumerics
import ArgumentParser
import Foundation

/// `arbiter diversity --input FILE`: diversity metrics over groups of embeddings, JSON in, JSON out.
struct DiversityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diversity",
        abstract: "Compute diversity metrics over embeddings.",
        discussion: """
            Reads {"groups": [{"embeddings": [[...], ...]}]} and prints {"groups": [{"mean_pairwise_cosine": \
            X, "vendi": Y}]}, one entry per group: the mean off-diagonal cosine similarity and the Vendi \
            score (exp of the entropy of the eigenvalues of the cosine Gram matrix divided by n).
            """
    )

    @Option(help: "The request JSON file, or - for standard input.")
    var input: String

    func run() async throws {
        do {
            let data = try NumericsInput.read(input)
            print(try DiversityRequest.decode(from: data).run().jsonString())
        } catch let error as NumericsError {
            try NumericsInput.fail("diversity", error)
        }
    }
}
