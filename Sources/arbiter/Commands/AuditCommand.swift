import ArbiterCore
import ArbiterStore
import ArgumentParser
import Foundation

/// `arbiter audit`: verify a run's hash chain and drill into its log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify a run's hash chain and drill into its reward log.",
        subcommands: [
            AuditVerifyCommand.self, AuditRolloutCommand.self, AuditCriteriaCommand.self, AuditStressWriterCommand.self,
        ]
    )
}

/// `arbiter audit verify RUN`: recomputes every hash of the run's committed steps.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute a run's hash chain; name the first bad step.",
        discussion: """
            Exits 0 when every committed step verifies, 1 when a row was changed, added or deleted \
            (the first bad step is named), 2 on usage errors. Steps written but not yet committed \
            (a running or crashed run) are listed as open: the chain does not cover them yet.
            """
    )

    @Argument(help: "The run id.")
    var run: String

    @Option(help: "The SQLite store.")
    var store = StoreCommandSupport.defaultStorePath

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let store = try StoreCommandSupport.open(store, command: "audit verify")
        let report: VerifyReport
        do {
            report = try await store.verify(runID: run)
        } catch let error as StoreError {
            StoreCommandSupport.fail("audit verify", error)
        }
        if json {
            print(try StoreCommandSupport.json(report))
        } else if let failure = report.failure {
            print("run \(run): FAILED at step \(failure.step): \(failure.kind.rawValue): \(failure.detail)")
            print("  (\(report.verifiedSteps) earlier step(s) verified)")
        } else {
            var line = "run \(run): OK, \(report.verifiedSteps) committed step(s) verified"
            if let head = report.headStep, let hash = report.headHash { line += "; head step \(head), record \(hash)" }
            print(line)
            if !report.openSteps.isEmpty {
                print("  open (uncommitted) steps: \(report.openSteps.map(String.init).joined(separator: ", "))")
            }
        }
        if !report.ok { throw ExitCode(1) }
    }
}

/// `arbiter audit rollout RUN ROLLOUT`: everything about one rollout, as JSON.
struct AuditRolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Show one rollout: text, every judge call with its raw text, components, advantage, batches."
    )

    @Argument(help: "The run id.")
    var run: String

    @Argument(help: "The rollout id.")
    var rollout: String

    @Option(help: "The SQLite store.")
    var store = StoreCommandSupport.defaultStorePath

    func run() async throws {
        let store = try StoreCommandSupport.open(store, command: "audit rollout")
        do {
            guard let detail = try await store.rolloutDetail(runID: run, rolloutID: rollout) else {
                StoreCommandSupport.fail("audit rollout", StoreError(.notFound, "no rollout '\(rollout)' in run '\(run)'"))
            }
            print(try StoreCommandSupport.json(detail))
        } catch let error as StoreError {
            StoreCommandSupport.fail("audit rollout", error)
        }
    }
}

/// `arbiter audit criteria RUN`: criterion fulfilment rates.
struct AuditCriteriaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "criteria",
        abstract: "Rubric criterion fulfilment rates by dimension and weight (or by criterion)."
    )

    @Argument(help: "The run id.")
    var run: String

    @Option(help: "The SQLite store.")
    var store = StoreCommandSupport.defaultStorePath

    @Option(help: "Group by dimension_weight or criterion.")
    var by: String = CriterionGrouping.dimensionAndWeight.rawValue

    @Option(help: "Only these steps: N or A-B.")
    var steps: String?

    func run() async throws {
        guard let grouping = CriterionGrouping(rawValue: by) else {
            throw ValidationError("--by must be dimension_weight or criterion")
        }
        let range = try StoreCommandSupport.parseSteps(steps)
        let store = try StoreCommandSupport.open(store, command: "audit criteria")
        do {
            let rates = try await store.criterionRates(runID: run, steps: range, grouping: grouping)
            print("criterion            dimension           weight    calls      met   not met  unparsed  failed    rate")
            for r in rates {
                let rate = r.rate.map { String(format: "%.3f", $0) } ?? "-"
                print(
                    [
                        pad(r.criterionID ?? "-", 20), pad(r.dimension ?? "-", 18), lpad(r.weight.map(String.init) ?? "-", 7),
                        lpad(String(r.calls), 8), lpad(String(r.met), 8), lpad(String(r.notMet), 9),
                        lpad(String(r.unparsed), 9), lpad(String(r.failed), 7), lpad(rate, 7),
                    ].joined(separator: " "))
            }
        } catch let error as StoreError {
            StoreCommandSupport.fail("audit criteria", error)
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}

/// `arbiter audit stress-writer` (hidden): writes synthetic steps forever, printing
/// `committed STEP` after each commit. The crash-consistency test SIGKILLs it mid-stream.
struct AuditStressWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-writer",
        abstract: "Write synthetic groups and commit steps until killed (crash tests).",
        shouldDisplay: false
    )

    @Option(help: "The SQLite store.")
    var store: String

    @Option(help: "The run id.")
    var run = "stress"

    @Option(help: "Steps to write before exiting.")
    var steps = 1_000_000

    @Option(name: .customLong("groups-per-step"), help: "Groups per step.")
    var groupsPerStep = 24

    @Option(help: "Samples per group.")
    var samples = 4

    @Option(name: .customLong("judge-calls"), help: "Judge calls per sample.")
    var judgeCalls = 3

    @Option(name: .customLong("flush-rows"), help: "Rows per transaction.")
    var flushRows = 200

    func run() async throws {
        let store = try SQLiteRewardStore(path: store)
        let log = SyntheticRewardLog(
            runID: run,
            shape: .init(samplesPerGroup: samples, judgeCallsPerSample: judgeCalls, completionTokens: 16, promptTokens: 8))
        var first = 0
        var written: Set<String> = []
        if try await store.run(run) == nil {
            try await store.createRun(log.run(startedAt: Date().timeIntervalSince1970))
        } else {
            // Resume: continue after the chain head, skipping groups whose prompts are already consumed.
            if let head = try await store.steps(runID: run).last { first = head.step + 1 }
            written = Set(try await store.consumedPrompts(runID: run).map(\.groupID))
        }
        let writer = StoreWriter(store: store, options: .init(maxBufferedRows: flushRows * 4, flushRows: flushRows))
        for step in first..<(first + steps) {
            for g in 0..<groupsPerStep {
                let group = log.group(step: step, index: g)
                if !written.contains(group.groupID) { try await writer.append(group) }
            }
            _ = try await writer.commitStep(runID: run, step: step, policyVersion: PolicyVersion(step), committedAt: Double(step))
            FileHandle.standardOutput.write(Data("committed \(step)\n".utf8))
        }
        try await writer.close()
    }
}

/// Shared plumbing of the store commands (export, audit, bench store).
enum StoreCommandSupport {
    /// The store path when none is given (the run configuration's default).
    static let defaultStorePath = "runs/arbiter.sqlite"

    /// Opens an existing store; a missing file is a usage error (exit 2), not an empty log.
    static func open(_ path: String, command: String) throws -> SQLiteRewardStore {
        guard FileManager.default.fileExists(atPath: path) else {
            FileHandleStderr.write("arbiter \(command): no store at \(path) (use --store PATH)\n")
            throw ExitCode(2)
        }
        do {
            return try SQLiteRewardStore(path: path)
        } catch let error as StoreError {
            fail(command, error)
        }
    }

    /// Fails (exit 2) unless the run exists.
    static func requireRun(_ store: SQLiteRewardStore, _ run: String, command: String) async throws {
        do {
            if try await store.run(run) == nil { fail(command, StoreError(.notFound, "no run '\(run)' in \(store.path)")) }
        } catch let error as StoreError {
            fail(command, error)
        }
    }

    /// Prints a store error and exits 1 (2 for a missing run).
    static func fail(_ command: String, _ error: StoreError) -> Never {
        FileHandleStderr.write("arbiter \(command): \(error)\n")
        Foundation.exit(error.code == .notFound ? 2 : 1)
    }

    /// Parses `N` or `A-B`.
    static func parseSteps(_ s: String?) throws -> ClosedRange<Int>? {
        guard let s else { return nil }
        let parts = s.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 1, let n = parts[0], n >= 0 { return n...n }
        if parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, a <= b { return a...b }
        throw ValidationError("--steps must be N or A-B with A <= B, got '\(s)'")
    }

    /// Pretty, key-sorted JSON.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
