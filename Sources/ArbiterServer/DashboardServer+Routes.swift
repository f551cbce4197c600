import ArbiterStore
import Foundation
import Hummingbird

extension DashboardServer {
    /// The routes, behind the middleware that renders error pages.
    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: DashboardErrorMiddleware(logger: logger))
        let pages = DashboardPages(store: store, eventLimit: configuration.eventLimit)
        let metrics = MetricsExporter(store: store)

        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        router.get("/") { _, _ in
            Self.html(try await pages.index())
        }
        router.get("/runs/:run") { request, context in
            let runID = try Self.decoded(context.parameters.require("run"))
            let step = try request.uri.queryParameters["step"].map { raw -> Int in
                guard let n = Int(raw), n >= 0 else { throw ServerError(.invalidInput, "step must be a non-negative integer") }
                return n
            }
            return Self.html(try await pages.run(runID, rolloutsStep: step))
        }
        router.get("/runs/:run/rollouts/**") { _, context in
            let runID = try Self.decoded(context.parameters.require("run"))
            let raw = context.parameters[Parameters.recursiveCaptureKey].map(String.init) ?? ""
            let rolloutID = try Self.decoded(raw)
            guard !rolloutID.isEmpty else { throw ServerError(.invalidInput, "no rollout id in the path") }
            return Self.html(try await pages.rollout(runID: runID, rolloutID: rolloutID))
        }
        router.get("/compare") { request, _ in
            let group = request.uri.queryParameters["group"].map(String.init)
            return Self.html(try await pages.compare(group: group))
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.render()
            return Response(
                status: .ok, headers: [.contentType: PrometheusText.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// An HTML response.
    static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// A percent-decoded path parameter.
    static func decoded(_ raw: some StringProtocol) throws -> String {
        guard let s = String(raw).removingPercentEncoding else {
            throw ServerError(.invalidInput, "malformed percent-encoding in '\(raw)'")
        }
        return s
    }
}
