import ArbiterTrainer
import Foundation
import Hummingbird
import NIOCore

/// The request context of the reference trainer: keeps the channel (to drop a connection on a
/// simulated crash) and allows large batches.
struct ReferenceTrainerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    var maxUploadSize: Int { 256 * 1024 * 1024 }
}

extension ReferenceTrainer {
    func makeApplication(port: Int, generation: Int) -> some ApplicationProtocol {
        let router = Router(context: ReferenceTrainerContext.self)
        router.post("/v1/batches") { request, context in
            try await self.handleBatch(request, context: context)
        }
        router.get("/v1/status") { request, _ in
            if let denied = self.authorizationFailure(request) { return denied }
            return Self.json(200, await self.state.status())
        }
        let lifecycle = self.lifecycle
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: port), serverName: "arbiter-reference-trainer"),
            onServerRunning: { channel in
                await lifecycle.started(port: channel.localAddress?.port ?? port)
            })
    }

    private func handleBatch(_ request: Request, context: ReferenceTrainerContext) async throws -> Response {
        let arrival = ContinuousClock.now
        await state.begin()
        let wire = Data(try await request.body.collect(upTo: 256 << 20).readableBytesView)
        let key = request.headers[.init("Idempotency-Key")!]
        let encoding = request.headers[.contentEncoding]
        var received = ReceivedRequest(
            idempotencyKey: key, authorization: request.headers[.authorization], status: 0, message: nil, replayed: false, body: wire,
            contentEncoding: encoding, wireBytes: wire.count, receivedAt: arrival)
        var body = wire
        switch encoding?.lowercased() {
        case nil, "identity":
            break
        case "gzip":
            do {
                body = try Gzip.decompress(wire, limit: 1 << 30)
                received.body = body
            } catch {
                received.status = 400
                received.message = "Content-Encoding: gzip body cannot be inflated: \(error)"
                await state.end()
                await state.record(received)
                return Self.error(400, received.message!)
            }
        default:
            received.status = 415
            received.message = "Content-Encoding \(encoding!) is not supported (gzip or identity)"
            await state.end()
            await state.record(received)
            return Self.error(415, received.message!)
        }
        var crashDowntime: Duration?
        do {
            let response = try await answerBatch(
                request, context: context, body: body, key: key, received: &received, crashDowntime: &crashDowntime)
            await state.end()
            await state.record(received)
            return response
        } catch {
            await state.end()
            await state.record(received)
            throw error
        }
    }

    private func answerBatch(
        _ request: Request, context: ReferenceTrainerContext, body: Data, key: String?, received: inout ReceivedRequest,
        crashDowntime: inout Duration?
    ) async throws -> Response {
        func reply(_ status: Int, _ message: String) -> Response {
            received.status = status
            received.message = message
            return Self.error(status, message)
        }
        if await state.isDown {
            // Crashed: requests that reach the dying server get no answer either.
            received.status = 0
            received.message = "trainer is down"
            try? await context.channel.close()
            throw ReferenceTrainerError(message: "trainer is down")
        }
        if let denied = authorizationFailure(request) {
            received.status = 401
            received.message = "missing or invalid bearer token"
            return denied
        }
        switch await state.takeFault() {
        case .status(let status, let retryAfter, let message)?:
            received.status = status
            received.message = message
            var response = Self.error(status, message)
            if let retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        case .stall(let delay)?:
            try await Task.sleep(for: delay)
        case .crashAfterApply(let downtime)?:
            crashDowntime = downtime
        case nil:
            break
        }
        if let delay = await state.responseDelay { try await Task.sleep(for: delay) }
        guard let contentType = request.headers[.contentType], contentType.lowercased().hasPrefix("application/json") else {
            return reply(415, "Content-Type must be application/json")
        }
        guard let key, !key.isEmpty else { return reply(400, "Idempotency-Key header is required") }
        if let answer = await state.answer(for: key) {
            received.status = answer.status
            received.replayed = true
            return Self.json(answer.status, answer.body)
        }
        let batchID: String
        do {
            batchID = try ReferenceTrainerValidator.validate(body, strict: configuration.rejectsUnknownFields)
        } catch {
            return reply(400, error.message)
        }
        guard batchID == key else {
            return reply(400, "Idempotency-Key \(key) does not match batch_id \(batchID)")
        }
        let (answer, replayed) = await state.apply(
            key: key, batchID: batchID, status: configuration.acceptedStatus, bump: configuration.versionBumpPerBatch)
        received.status = answer.status
        received.replayed = replayed
        if let downtime = crashDowntime {
            // Simulated crash between applying and acknowledging: the client gets no answer.
            received.status = 0
            received.message = "crashed after applying"
            await state.crash(forget: !configuration.keepsStateAcrossRestarts)
            try? await context.channel.close()
            await restart(downtime: downtime)
            throw ReferenceTrainerError(message: "simulated crash after applying \(batchID)")
        }
        return Self.json(answer.status, answer.body)
    }

    fileprivate func authorizationFailure(_ request: Request) -> Response? {
        guard let token = configuration.bearerToken else { return nil }
        guard request.headers[.authorization] == "Bearer \(token)" else {
            return Self.error(401, "missing or invalid bearer token")
        }
        return nil
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func error(_ status: Int, _ message: String) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: ["accepted": false, "error": message] as [String: Any])) ?? Data()
        return json(status, String(decoding: data, as: UTF8.self))
    }
}
