import ArbiterTesting
import ArgumentParser
import Foundation

/// `arbiter-peers`: loopback stand-ins for a run's peers, for trying `arbiter run` without GPUs.
///
/// Starts a policy server, an LLM-judge server and a reference server that speak the
/// OpenAI-compatible wire protocol with a deterministic simulated model, plus the protocol-v1
/// reference trainer, all on free loopback ports; writes a run configuration pointing at them
/// and serves until interrupted. The answers are simulated, the protocols and sockets are real.
@main
struct ArbiterPeers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbiter-peers",
        abstract: "Serve simulated policy, judge, reference and trainer peers on loopback and write a config for them."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case tom
        case morebench
    }

    @Option(help: "Which fixture run to configure: tom (ToMBench-Hard-style, Social-R1 rewards) or morebench.")
    var kind: Kind = .tom

    @Option(help: "Where to write the run configuration.")
    var configOut: String = "runs/loopback.yaml"

    @Option(help: "The reward log the configuration names.")
    var store: String = "runs/arbiter.sqlite"

    @Option(help: "Training steps in the configuration.")
    var steps: Int = 6

    @Option(help: "Seconds each policy request takes (a slower policy makes a run long enough to interrupt).")
    var policyLatency: Double = 0.05

    func run() async throws {
        try await LoopbackPeers.with(policy: kind == .tom ? .multipleChoice(style: "answer_tag") : .words, policyLatency: policyLatency) { peers in
            let storeURL = URL(fileURLWithPath: store).standardizedFileURL
            let text =
                kind == .tom
                ? LoopbackConfigs.tom(peers, store: storeURL, steps: steps, promptsPerStep: 2, groupSize: 4)
                : LoopbackConfigs.morebench(peers, store: storeURL, steps: steps)
            let out = URL(fileURLWithPath: configOut)
            try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: out, atomically: true, encoding: .utf8)
            let lines = [
                "policy    \(peers.policy.baseURL)  (simulated model)",
                "judge     \(peers.judge.baseURL)  (simulated judge)",
                "reference \(peers.reference.baseURL)",
                "trainer   \(peers.trainerURL)  (protocol v1 reference trainer)",
                "config    \(out.path)",
                "serving until interrupted (Ctrl-C)",
            ]
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
