import ArbiterServer
import ArbiterStore
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `arbiter serve`: the web dashboard and Prometheus metrics over the reward log (read-only).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the dashboard and Prometheus metrics (/metrics) over the reward log, read-only.",
        discussion: "Stops gracefully on SIGINT or SIGTERM. Port 0 picks a free port; the address is printed once listening."
    )

    @Option(help: "The SQLite reward log.")
    var store = StoreCommandSupport.defaultStorePath

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be in 0...65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
    }

    func run() async throws {
        let log = try StoreCommandSupport.open(store, command: "serve")
        defer { try? log.close() }
        let logger = RunSupport.logger("arbiter.serve")
        let urlHost = host.contains(":") ? "[\(host)]" : host
        let server = DashboardServer(
            store: log,
            configuration: .init(
                host: host, port: port,
                onServerRunning: { port in
                    FileHandle.standardOutput.write(Data("dashboard: http://\(urlHost):\(port)/\n".utf8))
                }),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            FileHandleStderr.write("arbiter serve: \(error)\n")
            throw ExitCode(1)
        }
    }
}
