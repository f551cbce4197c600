import Foundation
import NIOCore
import NIOHTTP1

/// Serves one connection of a ``FakeInferenceServer``: routes requests, renders answers and
/// injects the scripted faults. Runs on the server's event loop.
final class FakeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ServerState
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(state: ServerState) { self.state = state }

    func channelActive(context: ChannelHandlerContext) {
        state.connections[ObjectIdentifier(context.channel)] = context.channel
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.connections[ObjectIdentifier(context.channel)] = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.clear()
        case .body(var b):
            body.writeBuffer(&b)
        case .end:
            guard let head else { return }
            self.head = nil
            handle(context: context, head: head, body: Data(body.readableBytesView))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead, body: Data) {
        state.stats.requests += 1
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.GET, "/health"):
            state.stats.healthChecks += 1
            respond(context: context, status: state.healthy ? .ok : .serviceUnavailable, body: "{}")
        case (.GET, "/v1/models"):
            respond(
                context: context, status: .ok,
                body: "{\"object\":\"list\",\"data\":[{\"id\":\(FakeJSON.str(state.configuration.model)),\"object\":\"model\"}]}")
        case (.POST, "/v1/embeddings"):
            if let json = FakeRenderer.embeddings(body: body, config: state.configuration) {
                respond(context: context, status: .ok, body: json)
            } else {
                respond(context: context, status: .badRequest, body: "{\"error\":{\"message\":\"bad input\"}}")
            }
        case (.POST, "/v1/completions"), (.POST, "/v1/chat/completions"):
            generate(context: context, chat: path == "/v1/chat/completions", body: body)
        default:
            respond(context: context, status: .notFound, body: "{\"error\":{\"message\":\"not found\"}}")
        }
    }

    private func generate(context: ChannelHandlerContext, chat: Bool, body: Data) {
        let ordinal = state.stats.generationRequests
        state.stats.generationRequests += 1
        let config = state.configuration
        let request: FakeGenerationRequest
        do {
            request = try FakeGenerationRequest(body: body, chat: chat)
        } catch {
            respond(context: context, status: .badRequest, body: "{\"error\":{\"message\":\(FakeJSON.str("\(error)"))}}")
            return
        }
        let fault = config.faults.fault(for: ordinal)
        if let fault { state.stats.faults[fault.kind, default: 0] += 1 }
        var delay = config.latency
        switch fault {
        case .crash(let downFor):
            state.crash(downFor: downFor)
            return
        case .hang:
            return
        case .delay(let extra):
            delay += extra
        default:
            break
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if delay > 0 {
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
                let (handler, context) = bound.value
                handler.answer(context: context, request: request, fault: fault, config: config, ordinal: ordinal)
            }
        } else {
            answer(context: context, request: request, fault: fault, config: config, ordinal: ordinal)
        }
    }

    private func answer(
        context: ChannelHandlerContext, request: FakeGenerationRequest, fault: FakeInferenceServer.Fault?,
        config: FakeInferenceServer.Configuration, ordinal: Int
    ) {
        guard context.channel.isActive else { return }
        switch fault {
        case .status(let code, let retryAfter):
            var headers = HTTPHeaders()
            if let retryAfter { headers.add(name: "retry-after", value: String(format: "%g", retryAfter)) }
            respond(
                context: context, status: HTTPResponseStatus(statusCode: code),
                body: "{\"error\":{\"message\":\"injected fault\",\"code\":\(code)}}", extraHeaders: headers)
        case .malformedJSON:
            let full = FakeRenderer.response(request, config: config, ordinal: ordinal)
            respond(context: context, status: .ok, body: String(full.prefix(full.count * 3 / 5)))
        case .missingChoices:
            respond(context: context, status: .ok, body: FakeRenderer.missingChoices(request, config: config, ordinal: ordinal))
        case .resetMidBody:
            if request.stream {
                let events = FakeRenderer.events(request, config: config, ordinal: ordinal)
                writeStreamHead(context: context)
                for e in events.prefix(max(1, events.count / 2)) { writeChunk(context: context, e) }
            } else {
                let full = Array(FakeRenderer.response(request, config: config, ordinal: ordinal).utf8)
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                headers.add(name: "content-length", value: String(full.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: full.count / 2)
                buffer.writeBytes(full[0..<(full.count / 2)])
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            context.flush()
            ServerState.resetOnClose(context.channel)
            context.close(promise: nil)
        case .delay, .none:
            state.stats.served += 1
            if request.stream {
                writeStreamHead(context: context)
                for e in FakeRenderer.events(request, config: config, ordinal: ordinal) { writeChunk(context: context, e) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else {
                respond(context: context, status: .ok, body: FakeRenderer.response(request, config: config, ordinal: ordinal))
            }
        case .hang, .crash:
            break
        }
    }

    private func writeStreamHead(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        headers.add(name: "transfer-encoding", value: "chunked")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
    }

    private func writeChunk(context: ChannelHandlerContext, _ text: String) {
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    private func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String, extraHeaders: HTTPHeaders = [:]) {
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        var headers = extraHeaders
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(buffer.readableBytes))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
