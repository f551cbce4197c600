import ArbiterInference
import ArbiterStore
import Foundation
import Logging
import ServiceLifecycle

/// Records the schedulers' endpoint notices (ejections, recoveries, giving up) as run events and
/// prints them, as they happen: a run whose endpoints are down says so at once instead of going
/// quiet until the circuit breaker gives up.
///
/// Runs first in the run's `ServiceGroup`, so it is shut down last: on graceful shutdown it ends
/// the notice stream and records what is still buffered before returning.
public final class SchedulerNoticeLog: Service, Sendable {
    let notices: AsyncStream<SchedulerNotice>
    let sink: AsyncStream<SchedulerNotice>.Continuation
    let store: any RewardStore
    let runID: String
    let progress: ProgressReporter
    let logger: Logger

    /// Creates the log and the continuation the schedulers yield to.
    public init(store: any RewardStore, runID: String, progress: ProgressReporter, logger: Logger) {
        (notices, sink) = AsyncStream.makeStream(of: SchedulerNotice.self, bufferingPolicy: .bufferingNewest(4096))
        self.store = store
        self.runID = runID
        self.progress = progress
        self.logger = logger
    }

    /// Where schedulers send their notices.
    public var continuation: AsyncStream<SchedulerNotice>.Continuation { sink }

    /// The event a notice is recorded as.
    static func event(_ notice: SchedulerNotice, runID: String, at: Double) -> EventRecord {
        let kind: EventKind =
            switch notice.kind {
            case .ejected: .ejection
            case .restored: .info
            case .gaveUp: .fault
            }
        return EventRecord(
            runID: runID, at: at, kind: kind, source: notice.endpoint ?? notice.role,
            message: notice.endpoint == nil ? "\(notice.role) endpoints: \(notice.message)" : "\(notice.role) endpoint \(notice.message)")
    }

    /// Records notices until a graceful shutdown, then the ones still buffered.
    public func run() async throws {
        let sink = self.sink
        await withGracefulShutdownHandler {
            for await notice in notices {
                let record = Self.event(notice, runID: runID, at: Date().timeIntervalSince1970)
                progress.message("endpoint", runID: runID, record.message + (notice.endpoint.map { " (\($0))" } ?? ""))
                do {
                    try await store.appendEvents([record])
                } catch {
                    logger.warning("could not record an endpoint event", metadata: ["error": "\(error)", "event": "\(record.message)"])
                }
            }
        } onGracefulShutdown: {
            sink.finish()
        }
    }
}
