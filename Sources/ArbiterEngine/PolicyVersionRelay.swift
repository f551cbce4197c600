import ArbiterCore
import ArbiterInference
import ArbiterTrainer
import ServiceLifecycle

/// A `Service` that forwards every policy version the trainer reports to the policy's scheduler,
/// so new rollouts are tagged with it and admission control can start the next groups.
public struct PolicyVersionRelay: Service {
    let tracker: PolicyVersionTracker
    let scheduler: RolloutScheduler

    /// Creates a relay.
    public init(tracker: PolicyVersionTracker, scheduler: RolloutScheduler) {
        self.tracker = tracker
        self.scheduler = scheduler
    }

    public func run() async throws {
        // Ends at graceful shutdown (or cancellation): the update stream finishes then.
        try? await cancelWhenGracefulShutdown {
            for await version in await tracker.updates() {
                await scheduler.updatePolicyVersion(version)
            }
        }
    }
}
