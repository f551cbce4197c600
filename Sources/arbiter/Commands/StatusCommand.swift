import ArbiterStore
import ArgumentParser
import Foundation

/// `arbiter status [RUN]`: where runs stand, read from the reward log.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show runs, or one run's progress, from the reward log."
    )

    @Argument(help: "A run id (default: list the runs).")
    var run: String?

    @Option(help: "The SQLite reward log.")
    var store = StoreCommandSupport.defaultStorePath

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let log = try StoreCommandSupport.open(store, command: "status")
        defer { try? log.close() }
        guard let run else {
            let runs = try await log.listRuns(group: nil)
            if json {
                print(try StoreCommandSupport.json(runs))
                return
            }
            if runs.isEmpty { print("no runs in \(store)") }
            for r in runs {
                let group = r.run.runGroup.map { "  group \($0)" } ?? ""
                print(
                    "\(r.run.id)  \(r.run.mode.rawValue)  \(r.run.status.rawValue)  steps \(r.committedSteps)  rollouts \(r.rollouts)\(group)")
            }
            return
        }
        try await StoreCommandSupport.requireRun(log, run, command: "status")
        let report = try await log.runStatus(run)
        let aggregates = try await log.stepAggregates(runID: run, steps: nil)
        let events = try await log.events(runID: run, limit: 5)
        if json {
            struct Out: Encodable {
                var status: RunStatusReport
                var steps: [StepAggregate]
                var recentEvents: [EventRecord]
            }
            print(try StoreCommandSupport.json(Out(status: report, steps: aggregates, recentEvents: events)))
            return
        }
        let r = report.run
        print("run \(r.id) (\(r.name)): \(r.mode.rawValue), \(r.status.rawValue)")
        if let group = r.runGroup { print("  comparison group: \(group)") }
        print("  committed steps: \(report.committedSteps)" + (report.lastStep.map { ", last \($0.step) (record \($0.recordHash.prefix(16)))" } ?? ""))
        if !report.openSteps.isEmpty { print("  open (unsealed) steps: \(report.openSteps.map(String.init).joined(separator: ", "))") }
        print("  groups \(report.groups), rollouts \(report.rollouts), judge calls \(report.judgeCalls)")
        print("  batches \(report.batches), unacknowledged \(report.undeliveredBatches)")
        if !report.eventCounts.isEmpty {
            print("  events: " + report.eventCounts.keys.sorted().map { "\($0) \(report.eventCounts[$0]!)" }.joined(separator: ", "))
        }
        for a in aggregates.suffix(5) {
            print("  step \(a.step): " + Self.describe(a))
        }
        for e in events { print("  [\(e.kind.rawValue)] \(e.source): \(e.message)") }
    }

    static func describe(_ a: StepAggregate) -> String {
        var parts: [String] = [a.committed ? "sealed" : "open", "groups \(a.groups)", "rollouts \(a.rollouts)", "judge \(a.judgeCalls)"]
        if let m = a.trainingReward.mean { parts.append(String(format: "reward %.4g", m)) }
        if let z = a.zeroVarianceGroupFraction { parts.append(String(format: "zero-var %.0f%%", z * 100)) }
        if let v = a.policyVersion { parts.append("trainer v\(v.rawValue)") }
        return parts.joined(separator: ", ")
    }
}
