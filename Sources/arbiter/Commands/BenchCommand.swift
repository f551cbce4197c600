import ArbiterNumerics
import ArgumentParser
import Foundation

/// `arbiter bench`: benchmarks, one subcommand per subsystem.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks.",
        subcommands: [BenchNumericsCommand.self, BenchInferenceCommand.self, BenchStoreCommand.self]
    )
}

/// `arbiter bench numerics`: times the estimators and diversity metrics (see docs/performance.md).
struct BenchNumericsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "numerics",
        abstract: "Time GRPO, REINFORCE++-baseline, GDPO and diversity on synthetic data.",
        discussion: """
            Prints a table of the median time of each workload over --repeat runs (after one warm-up). \
            Build with -c release for meaningful figures: swift build -c release --product arbiter.
            """
    )

    @Option(help: "Samples per estimator batch.")
    var samples = 1_000_000

    @Option(name: .customLong("group-size"), help: "Group sizes for the estimators (repeatable).")
    var groupSizes: [Int] = [8, 16]

    @Option(name: .customLong("repeat"), help: "Timed repeats per workload; the median is reported.")
    var repeats = 9

    @Option(name: .customLong("diversity-groups"), help: "Diversity: number of groups (0 skips it).")
    var diversityGroups = 512

    @Option(name: .customLong("diversity-group-size"), help: "Diversity: embeddings per group.")
    var diversityGroupSize = 16

    @Option(help: "Diversity: embedding dimension.")
    var dimension = 384

    @Flag(help: "Also time alternative implementations (BLAS whitening; dsyrk, dgemm and loop Gram).")
    var variants = false

    @Flag(help: "Print one JSON object per workload instead of the table.")
    var json = false

    func run() async throws {
        let options = NumericsBenchmark.Options(
            samples: samples, groupSizes: groupSizes, repeats: repeats, diversityGroups: diversityGroups,
            diversityGroupSize: diversityGroupSize, dimension: dimension, variants: variants)
        let bench: NumericsBenchmark
        do {
            bench = try NumericsBenchmark(options: options)
        } catch let error as NumericsError {
            try NumericsInput.fail("bench numerics", error)
        }
        if !json {
            emit("workload                          group      items    median ms       min ms   Mitems/s")
        }
        _ = try bench.run { r in
            if json {
                emit(
                    "{\"workload\":\"\(r.workload)\",\"group_size\":\(r.groupSize),\"items\":\(r.items),"
                        + "\"median_s\":\(r.medianSeconds),\"min_s\":\(r.minSeconds)}")
            } else {
                let name = r.workload.padding(toLength: 32, withPad: " ", startingAt: 0)
                emit(
                    name + String(format: " %6d %10d %12.3f %12.3f %10.2f", r.groupSize, r.items, r.medianSeconds * 1e3,
                        r.minSeconds * 1e3, Double(r.items) / r.medianSeconds / 1e6))
            }
        }
    }

    /// Writes a line to standard output unbuffered, so progress shows as each workload ends.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
