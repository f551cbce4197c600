import Foundation

/// A crash point for tests of crash safety: the process kills itself with SIGKILL at one place of
/// one step, the narrow windows between the writes a step makes, which a random kill rarely hits.
///
/// Set with the environment variable `ARBITER_FAILPOINT=STAGE:STEP` (for example
/// `after_groups:2`); `arbiter` reads it once at start. Never set in production.
public struct Failpoint: Sendable, Hashable {
    /// Where in a step.
    public enum Stage: String, Sendable, Hashable, CaseIterable {
        /// The step's groups are logged; no batch yet.
        case afterGroups = "after_groups"
        /// The batch row is logged; the outbox does not have the batch yet.
        case afterBatchLogged = "after_batch_logged"
        /// The outbox has the batch; the step is not sealed yet.
        case afterHandOff = "after_hand_off"
    }

    /// Where.
    public var stage: Stage
    /// Which step.
    public var step: Int

    /// Creates a failpoint.
    public init(stage: Stage, step: Int) {
        self.stage = stage
        self.step = step
    }

    /// Parses `STAGE:STEP`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let stage = Stage(rawValue: String(parts[0])), let step = Int(parts[1]) else { return nil }
        self.init(stage: stage, step: step)
    }

    /// Kills the process when `stage` of `step` is this failpoint.
    func check(_ stage: Stage, step: Int) {
        guard stage == self.stage, step == self.step else { return }
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; wait for it to land.
        while true { sleep(1) }
    }
}
