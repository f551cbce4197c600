import ArbiterStore
import Hummingbird
import Logging
import ServiceLifecycle

/// Arbiter's web dashboard and Prometheus metrics: read-only pages over a reward log.
///
/// A ServiceLifecycle `Service`: run it in a `ServiceGroup`; it stops on graceful shutdown or
/// cancellation. Routes:
/// - `GET /`: runs, newest first, grouped by comparison group
/// - `GET /runs/{run}`: a run's status, per-step table and reward chart, events, criterion rates,
///   and the rollouts of its last step (`?step=N` for another step)
/// - `GET /runs/{run}/rollouts/{rollout}`: one rollout (its id's `/` may be literal or `%2F`)
/// - `GET /compare?group={group}`: the runs of a comparison group side by side
/// - `GET /metrics`: Prometheus text format 0.0.4
/// - `GET /healthz`: `ok`
public struct DashboardServer: Service {
    /// Where and how the dashboard listens.
    public struct Configuration: Sendable {
        /// Address to bind (default loopback only).
        public var host: String
        /// Port to bind; 0 picks a free port (learn it from `onServerRunning`).
        public var port: Int
        /// How many of a run's latest events its page shows.
        public var eventLimit: Int
        /// Called once the server listens, with the bound port.
        public var onServerRunning: (@Sendable (_ port: Int) async -> Void)?

        /// Creates a configuration.
        public init(
            host: String = "127.0.0.1", port: Int = 8080, eventLimit: Int = 50,
            onServerRunning: (@Sendable (_ port: Int) async -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.eventLimit = eventLimit
            self.onServerRunning = onServerRunning
        }
    }

    /// The reward log it reads.
    public let store: any RewardStore
    /// Its configuration.
    public let configuration: Configuration
    let logger: Logger

    /// Creates a dashboard over `store`. Without a logger, logs warnings and worse to standard error.
    public init(store: any RewardStore, configuration: Configuration = .init(), logger: Logger? = nil) {
        self.store = store
        self.configuration = configuration
        self.logger =
            logger
            ?? {
                var l = Logger(label: "arbiter.dashboard") { StreamLogHandler.standardError(label: $0) }
                l.logLevel = .warning
                return l
            }()
    }

    /// Serves until graceful shutdown or cancellation; fails when the address cannot be bound.
    public func run() async throws {
        let port = configuration.port
        let callback = configuration.onServerRunning
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(configuration.host, port: port), serverName: "arbiter-dashboard"),
            onServerRunning: { channel in
                await callback?(channel.localAddress?.port ?? port)
            },
            logger: logger)
        try await app.run()
    }
}
