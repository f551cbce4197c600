import ArbiterCore
import Logging
import ServiceLifecycle

/// A `Service` that reads `GET /v1/status` periodically and feeds the ``PolicyVersionTracker``.
///
/// Acknowledgements already carry a version; polling catches the bumps a trainer makes after
/// answering 202 (queued) and reports readiness and the trainer's queue depth. Failures are logged
/// and retried at the next tick; the poller ends on graceful shutdown.
public struct TrainerStatusPoller: Service {
    private let transport: any TrainerTransport
    private let tracker: PolicyVersionTracker
    private let interval: Duration
    private let logger: Logger

    /// Creates a poller.
    public init(
        transport: any TrainerTransport, tracker: PolicyVersionTracker, interval: Duration = .seconds(2),
        logger: Logger = Logger(label: "arbiter.trainer.status")
    ) {
        self.transport = transport
        self.tracker = tracker
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await self.poll()
            }
        } catch is CancellationError {
            return
        }
    }

    private func poll() async throws {
        var failing = false
        while true {
            do {
                let status = try await transport.status()
                await tracker.observe(status: status)
                if failing {
                    logger.info("trainer status readable again", metadata: ["policy_version": "\(status.policyVersion.rawValue)"])
                }
                failing = false
            } catch {
                try Task.checkCancellation()
                if !failing { logger.warning("cannot read trainer status", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try await Task.sleep(for: interval)
        }
    }
}
