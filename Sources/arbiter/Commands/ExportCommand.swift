import ArbiterStore
import ArgumentParser
import Foundation

/// `arbiter export`: streams a run's log as JSONL or CSV to standard output.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's log as JSONL or CSV.",
        discussion: """
            Streams rows from the store (a cursor, never the whole run in memory) to standard output, \
            ordered by step, then write order. JSONL lines are self-describing: each carries "type" \
            (rollout, verdict, step) and "run_id". CSV is RFC 4180 with a header line.
            """
    )

    enum What: String, ExpressibleByArgument, CaseIterable {
        case rollouts, verdicts, steps
    }

    @Argument(help: "The run id.")
    var run: String

    @Option(help: "Output format: jsonl or csv.")
    var format: Format = .jsonl

    @Option(help: "What to export: rollouts, verdicts or steps.")
    var what: What = .rollouts

    @Option(help: "The SQLite store.")
    var store = StoreCommandSupport.defaultStorePath

    @Option(help: "Only these steps: N or A-B.")
    var steps: String?

    @Flag(help: "Rollouts: include completion token ids and logprobs (JSONL only).")
    var tokens = false

    @Flag(help: "Verdicts: include the exact judge request texts.")
    var requests = false

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
        var export: ExportFormat { self == .jsonl ? .jsonl : .csv }
    }

    func run() async throws {
        let range = try StoreCommandSupport.parseSteps(steps)
        let store = try StoreCommandSupport.open(store, command: "export")
        try await StoreCommandSupport.requireRun(store, run, command: "export")
        let out = BufferedStandardOutput()
        let format = format.export
        do {
            switch what {
            case .rollouts:
                if format == .csv { out.line(RolloutExportRow.csvHeaderLine) }
                try await store.exportRollouts(runID: run, steps: range, includeTokens: tokens && format == .jsonl) {
                    out.line($0.line(format))
                }
            case .verdicts:
                if format == .csv { out.line(VerdictExportRow.csvHeaderLine) }
                try await store.exportVerdicts(runID: run, steps: range, includeRequests: requests) {
                    out.line($0.line(format))
                }
            case .steps:
                if format == .csv { out.line(StepExportRow.csvHeaderLine) }
                for a in try await store.stepAggregates(runID: run, steps: range) {
                    out.line(a.exportRow(runID: run).line(format))
                }
            }
        } catch let error as StoreError {
            out.flush()
            StoreCommandSupport.fail("export", error)
        }
        out.flush()
    }
}

/// Standard output with a 64 KiB buffer, so streaming a million lines is not a million writes.
final class BufferedStandardOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(1 << 16) }

    /// Appends a line.
    func line(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: s.utf8)
        buffer.append(10)
        if buffer.count >= 1 << 16 { flushLocked() }
    }

    /// Writes what is buffered.
    func flush() {
        lock.lock()
        defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
