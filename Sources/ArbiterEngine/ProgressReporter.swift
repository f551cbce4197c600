import Foundation

/// What one step did, as the terminal and `--json-progress` report it.
public struct StepReport: Sendable, Hashable, Codable {
    /// The run.
    public var runID: String
    /// The step.
    public var step: Int
    /// Groups generated (all rounds).
    public var groups: Int
    /// Groups kept for training.
    public var keptGroups: Int
    /// Groups dropped by dynamic sampling (zero variance or surplus).
    public var droppedGroups: Int
    /// Extra generation rounds dynamic sampling asked for.
    public var extraRounds: Int
    /// Rollouts logged.
    public var rollouts: Int
    /// Judge calls made in the step.
    public var judgeCalls: Int
    /// Mean training reward over rollouts with a reward (nil when none).
    public var rewardMean: Double?
    /// Fraction of groups with zero reward variance.
    public var zeroVarianceFraction: Double
    /// Generated tokens per second of the step's wall time.
    public var tokensPerSecond: Double
    /// The trainer's policy version at commit.
    public var trainerVersion: Int?
    /// Largest staleness of a sample handed to the trainer.
    public var maxStaleness: Int?
    /// Samples dropped as stale.
    public var staleDropped: Int
    /// The batch handed to the trainer, if any.
    public var batchID: String?
    /// Unacknowledged batches after the hand-off.
    public var outboxDepth: Int?
    /// Step wall time in seconds.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case step, groups
        case keptGroups = "kept_groups"
        case droppedGroups = "dropped_groups"
        case extraRounds = "extra_rounds"
        case rollouts
        case judgeCalls = "judge_calls"
        case rewardMean = "reward_mean"
        case zeroVarianceFraction = "zero_variance_fraction"
        case tokensPerSecond = "tokens_per_second"
        case trainerVersion = "trainer_version"
        case maxStaleness = "max_staleness"
        case staleDropped = "stale_dropped"
        case batchID = "batch_id"
        case outboxDepth = "outbox_depth"
        case seconds
    }
}

/// Writes run progress to standard output: one line per step for people, or one JSON object per
/// line (`--json-progress`) for machines. Lines are written whole, so concurrent runs do not interleave mid-line.
public struct ProgressReporter: Sendable {
    /// Output style.
    public enum Style: String, Sendable {
        /// Human-readable lines.
        case plain
        /// Human-readable lines plus a live status line rewritten in place during a step (a terminal).
        case live
        /// JSON lines (`{"event": "step", ...}`).
        case json
        /// Nothing (tests, library use).
        case silent
    }

    /// The style.
    public let style: Style

    /// Creates a reporter.
    public init(style: Style) { self.style = style }

    /// Reports a committed step.
    public func step(_ r: StepReport) {
        switch style {
        case .silent: return
        case .json:
            emit(event: "step", r)
        case .plain, .live:
            if style == .live { clearLive() }
            var parts = [
                "step \(r.step)", "groups \(r.keptGroups)/\(r.groups)", "rollouts \(r.rollouts)", "judge \(r.judgeCalls)",
                "reward " + (r.rewardMean.map { String(format: "%.4g", $0) } ?? "-"),
                "zero-var " + String(format: "%.0f%%", r.zeroVarianceFraction * 100),
                String(format: "%.0f tok/s", r.tokensPerSecond),
            ]
            if r.extraRounds > 0 { parts.append("extra rounds \(r.extraRounds)") }
            if let v = r.trainerVersion { parts.append("trainer v\(v)") }
            if let s = r.maxStaleness { parts.append("staleness \(s)") }
            if r.staleDropped > 0 { parts.append("stale dropped \(r.staleDropped)") }
            if let d = r.outboxDepth { parts.append("outbox \(d)") }
            parts.append(String(format: "%.1fs", r.seconds))
            write("[\(r.runID)] " + parts.joined(separator: " | "))
        }
    }

    /// Reports a run-level message (`started`, `resumed`, `stopped`, `completed`).
    public func message(_ event: String, runID: String, _ text: String) {
        switch style {
        case .silent: return
        case .json:
            struct Message: Encodable {
                var runID: String
                var message: String
                enum CodingKeys: String, CodingKey {
                    case runID = "run_id"
                    case message
                }
            }
            emit(event: event, Message(runID: runID, message: text))
        case .plain, .live:
            if style == .live { clearLive() }
            write("[\(runID)] \(text)")
        }
    }

    /// Rewrites the live status line (terminals only; other styles ignore it).
    public func live(_ text: String) {
        guard style == .live else { return }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    private func clearLive() {
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K".utf8))
    }

    private func emit<T: Encodable>(event: String, _ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(Tagged(event: event, value: value)) else { return }
        write(String(decoding: data, as: UTF8.self))
    }

    /// `value`'s keys plus `"event"`, in one JSON object.
    private struct Tagged<T: Encodable>: Encodable {
        var event: String
        var value: T

        enum CodingKeys: String, CodingKey { case event }

        func encode(to encoder: any Encoder) throws {
            try value.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(event, forKey: .event)
        }
    }

    private func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
