import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A lean HTTP/1.1 keep-alive connection pool for one plain-`http` endpoint, used for the hot
/// path: non-streaming generation and judge calls.
///
/// AsyncHTTPClient's per-request cost (request object, pool state machine, deadline timer,
/// delegate callbacks, two event-loop hops) bounded the scheduler at about 18k requests/s on
/// two cores (docs/performance-inference.md). This pool keeps only what a scheduler-driven
/// client needs: up to `maxConnections` persistent connections spread over the event-loop
/// group, one request per connection at a time (no pipelining: POSTs are not replayed behind
/// the caller's back), a per-request deadline, and a FIFO of requests waiting for a connection
/// (the scheduler's per-endpoint cap normally keeps it empty). A connection answering
/// `Connection: close`, timing out, or failing is closed and replaced on demand; the scheduler
/// decides about retries. TLS, streaming (SSE), probes and embeddings stay on AsyncHTTPClient.
///
/// All mutable pool state sits behind one lock; a connection's own state is confined to its
/// event loop.
final class DirectHTTP1Pool: Sendable {
    struct State {
        var idle: [DirectHTTP1Connection] = []
        var open = 0
        var waiting = CircularBuffer<DirectHTTP1Request>()
        var live: [ObjectIdentifier: DirectHTTP1Connection] = [:]
        var shutdown = false
    }

    let host: String
    let port: Int
    let maxConnections: Int
    let maxBodyBytes: Int
    let connectTimeout: TimeAmount
    /// Longest silence while a response is awaited (nil: only the request's deadline).
    let readTimeout: TimeAmount?
    /// An idle connection is closed after this long.
    let idleTimeout: TimeAmount
    let group: any EventLoopGroup
    /// The request's header lines after the request line, up to the content length value
    /// (host, content type, accept, authorization, `content-length: `).
    private let headerBlock: [UInt8]
    private let state = NIOLockedValueBox(State())
    /// One deadline sweep per event loop (a timer per request cost ~5 % of the client's CPU).
    private let sweeps: NIOLockedValueBox<[RepeatedTask]> = .init([])
    /// How often running requests' deadlines are checked.
    static let sweepInterval = TimeAmount.milliseconds(20)

    /// Creates a pool; returns nil for URLs it does not serve (https, no host).
    init?(
        baseURL: String, maxConnections: Int, maxBodyBytes: Int, connectTimeout: Double, readTimeout: Double? = nil,
        idleTimeout: Double = 60, headers: HTTPHeaders, group: any EventLoopGroup
    ) {
        self.readTimeout = readTimeout.map { .nanoseconds(Int64($0 * 1e9)) }
        self.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
        guard let (host, port) = Self.hostAndPort(baseURL) else { return nil }
        self.host = host
        self.port = port
        self.maxConnections = max(1, maxConnections)
        self.maxBodyBytes = maxBodyBytes
        self.connectTimeout = .nanoseconds(Int64(connectTimeout * 1e9))
        self.group = group
        let hostName = host.contains(":") ? "[\(host)]" : host
        var block = "host: \(port == 80 ? hostName : "\(hostName):\(port)")\r\n"
        for (name, value) in headers { block += "\(name): \(value)\r\n" }
        block += "content-length: "
        self.headerBlock = Array(block.utf8)
    }

    /// Starts the deadline sweeps (once, when the first connection opens).
    private func startSweeps() {
        sweeps.withLockedValue { tasks in
            guard tasks.isEmpty else { return }
            for loop in group.makeIterator() {
                tasks.append(
                    loop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) { [weak self] _ in
                        self?.sweep(loop)
                    })
            }
        }
    }

    /// Times out the overdue requests of `loop`'s connections and closes the ones idle too long
    /// (on that loop).
    private func sweep(_ loop: any EventLoop) {
        let now = NIODeadline.now()
        // Calls still waiting for a connection are held to their deadline too.
        let (conns, overdue) = state.withLockedValue { s -> ([DirectHTTP1Connection], [DirectHTTP1Request]) in
            var overdue: [DirectHTTP1Request] = []
            if s.waiting.contains(where: { $0.deadline <= now }) {
                var kept = CircularBuffer<DirectHTTP1Request>()
                while let w = s.waiting.popFirst() {
                    if w.deadline <= now { overdue.append(w) } else { kept.append(w) }
                }
                s.waiting = kept
            }
            return (s.live.values.filter { $0.loop === loop }, overdue)
        }
        for r in overdue { r.fail(InferenceError(.timeout, "deadline exceeded waiting for a connection", context: r.context)) }
        guard !conns.isEmpty else { return }
        for c in conns { c.sweep(now, readTimeout: readTimeout, idleTimeout: idleTimeout) }
    }

    /// Connections open or being opened.
    var openConnections: Int { state.withLockedValue { $0.open } }

    /// Takes `conn` out of the idle list so that it can be closed; false when a request has
    /// just taken it.
    func retireIdle(_ conn: DirectHTTP1Connection) -> Bool {
        state.withLockedValue { s in
            guard let i = s.idle.firstIndex(where: { $0 === conn }) else { return false }
            s.idle.remove(at: i)
            return true
        }
    }

    /// The wire bytes of a POST of `body` to `path`.
    func requestBytes(path: String, body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 40 + path.utf8.count + headerBlock.count + body.count)
        buffer.writeStaticString("POST ")
        buffer.writeString(path)
        buffer.writeStaticString(" HTTP/1.1\r\n")
        buffer.writeBytes(headerBlock)
        buffer.writeString(String(body.count))
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }

    /// `http://host[:port]` with no path beyond what ``InferenceClient`` strips; nil otherwise.
    static func hostAndPort(_ baseURL: String) -> (String, Int)? {
        guard baseURL.hasPrefix("http://") else { return nil }
        var rest = Substring(baseURL.dropFirst(7))
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else { return nil }
            rest = rest[..<slash]
        }
        guard !rest.isEmpty, !rest.contains("@") else { return nil }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.isEmpty { return (host, 80) }
            guard tail.hasPrefix(":"), let port = Int(tail.dropFirst()), (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return (String(parts[0]), 80)
        case 2:
            guard !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else { return nil }
            return (String(parts[0]), port)
        default: return nil
        }
    }

    private enum Next {
        case send(DirectHTTP1Connection)
        case connect(any EventLoop)
        case wait
        case refuse
    }

    /// Starts a POST of `body` to `path`; `onComplete` is called once, on an event loop, with the
    /// parsed response or an ``InferenceError``.
    func execute(
        path: String, body: [UInt8], deadline: NIODeadline, context: String,
        onComplete: @escaping @Sendable (Result<InferenceResponse, InferenceError>) -> Void
    ) -> DirectHTTP1Request {
        let request = DirectHTTP1Request(
            pool: self, bytes: requestBytes(path: path, body: body), deadline: deadline, context: context, onComplete: onComplete)
        let next = state.withLockedValue { s -> Next in
            let next: Next
            if s.shutdown {
                next = .refuse
            } else if let conn = s.idle.popLast() {
                next = .send(conn)
            } else if s.open < maxConnections {
                s.open += 1
                next = .connect(group.next())
            } else {
                next = .wait
            }
            switch next {
            case .send(let conn): request.connection = conn
            case .wait: s.waiting.append(request)
            case .connect, .refuse: break
            }
            return next
        }
        switch next {
        case .send(let conn): conn.sendOnLoop(request)
        case .connect(let loop): connect(on: loop, first: request)
        case .wait: break
        case .refuse: request.fail(InferenceError(.shutdown, "HTTP client is shut down", context: context))
        }
        return request
    }

    /// Opens a connection for `first`.
    private func connect(on loop: any EventLoop, first: DirectHTTP1Request) {
        startSweeps()
        let conn = DirectHTTP1Connection(pool: self, loop: loop, maxBodyBytes: maxBodyBytes)
        state.withLockedValue { s in
            s.live[ObjectIdentifier(conn)] = conn
            first.connection = conn
        }
        ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(ObservedResponseDecoder(conn.decoder)))
                    try sync.addHandler(conn)
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success:
                    // `shutdown()` may have run while the connection was being opened (before
                    // its channel existed): the request must not go out. The connection's own
                    // shutdown closes it (at once, or in `connectEnded()` when it ran earlier).
                    if self.state.withLockedValue({ $0.shutdown }) {
                        first.fail(InferenceError(.shutdown, "HTTP client is shut down", context: first.context))
                    } else {
                        conn.send(first)
                    }
                case .failure(let error):
                    self.connectFailed(conn, first: first, error: error)
                }
                conn.connectEnded()
            }
    }

    private func connectFailed(_ conn: DirectHTTP1Connection, first: DirectHTTP1Request, error: any Error) {
        let shutdown = state.withLockedValue { s in
            if s.live.removeValue(forKey: ObjectIdentifier(conn)) != nil { s.open -= 1 }
            return s.shutdown
        }
        if shutdown {
            // The connection was closed by `shutdown()` while it was being opened.
            first.fail(InferenceError(.shutdown, "HTTP client is shut down", context: first.context))
        } else {
            first.fail(InferenceError(.connectionFailed, "\(error)", context: first.context))
        }
        serveWaiting()
    }

    /// A connection finished a request and can take another (on its loop).
    func release(_ conn: DirectHTTP1Connection) {
        let next = state.withLockedValue { s -> DirectHTTP1Request? in
            if s.shutdown { return nil }
            while let waiter = s.waiting.popFirst() {
                if waiter.isFinished { continue }
                waiter.connection = conn
                return waiter
            }
            s.idle.append(conn)
            return nil
        }
        if let next {
            conn.send(next)
        } else if state.withLockedValue({ $0.shutdown }) {
            conn.close()
        }
    }

    /// A connection closed (on its loop): forget it and open a replacement for a waiter.
    func closed(_ conn: DirectHTTP1Connection) {
        state.withLockedValue { s in
            if s.live.removeValue(forKey: ObjectIdentifier(conn)) != nil { s.open -= 1 }
            if let i = s.idle.firstIndex(where: { $0 === conn }) { s.idle.remove(at: i) }
        }
        serveWaiting()
    }

    /// Opens connections for waiting requests while there is room.
    private func serveWaiting() {
        while true {
            let next = state.withLockedValue { s -> (DirectHTTP1Request, any EventLoop)? in
                guard !s.shutdown, s.open < maxConnections else { return nil }
                while let waiter = s.waiting.popFirst() {
                    if waiter.isFinished { continue }
                    s.open += 1
                    return (waiter, group.next())
                }
                return nil
            }
            guard let (request, loop) = next else { return }
            connect(on: loop, first: request)
        }
    }

    /// Cancels `request`: a waiting one is dropped; a running one closes its connection (an
    /// HTTP/1.1 request cannot be withdrawn otherwise).
    func cancel(_ request: DirectHTTP1Request) {
        let conn = state.withLockedValue { s -> DirectHTTP1Connection? in
            if let i = s.waiting.firstIndex(where: { $0 === request }) { s.waiting.remove(at: i) }
            return request.connection
        }
        let error = InferenceError(.cancelled, "cancelled", context: request.context)
        if let conn {
            conn.abort(request, error)
        } else {
            request.fail(error)
        }
    }

    /// Closes every connection and fails waiting and running requests; returns when all are closed.
    func shutdown() async {
        let tasks = sweeps.withLockedValue { t in
            defer { t.removeAll() }
            return t
        }
        for t in tasks { t.cancel() }
        let (waiting, live) = state.withLockedValue { s -> ([DirectHTTP1Request], [DirectHTTP1Connection]) in
            s.shutdown = true
            let w = Array(s.waiting)
            s.waiting.removeAll()
            s.idle.removeAll()
            return (w, Array(s.live.values))
        }
        for r in waiting { r.fail(InferenceError(.shutdown, "HTTP client is shut down", context: r.context)) }
        var futures: [EventLoopFuture<Void>] = []
        for c in live { futures.append(c.shutdown()) }
        for f in futures { try? await f.get() }
    }
}

/// One request on the direct path: its wire bytes, deadline and completion callback.
///
/// `connection` is guarded by the pool's lock; the callback runs once (later completions are
/// ignored).
final class DirectHTTP1Request: @unchecked Sendable {
    let pool: DirectHTTP1Pool
    let bytes: ByteBuffer
    let deadline: NIODeadline
    let context: String
    private let onComplete: @Sendable (Result<InferenceResponse, InferenceError>) -> Void
    /// The connection carrying (or about to carry) it; guarded by the pool's lock.
    var connection: DirectHTTP1Connection?
    private let finished = NIOLockedValueBox(false)

    init(
        pool: DirectHTTP1Pool, bytes: ByteBuffer, deadline: NIODeadline, context: String,
        onComplete: @escaping @Sendable (Result<InferenceResponse, InferenceError>) -> Void
    ) {
        self.pool = pool
        self.bytes = bytes
        self.deadline = deadline
        self.context = context
        self.onComplete = onComplete
    }

    var isFinished: Bool { finished.withLockedValue { $0 } }

    /// Marks the request finished; true for the first caller only.
    private func claim() -> Bool {
        finished.withLockedValue { done in
            if done { return false }
            done = true
            return true
        }
    }

    func fail(_ error: InferenceError) {
        if claim() { onComplete(.failure(error)) }
    }

    func complete(_ result: Result<InferenceResponse, InferenceError>) {
        if claim() { onComplete(result) }
    }

    /// Cancels the request (see ``DirectHTTP1Pool/cancel(_:)``).
    func cancel() { pool.cancel(self) }
}

/// `HTTPResponseDecoder` without write observation: the connection writes raw request bytes
/// and tells the decoder about each request head itself (it needs them to pair responses).
struct ObservedResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart
    let inner: HTTPResponseDecoder

    init(_ inner: HTTPResponseDecoder) { self.inner = inner }

    func decoderAdded(context: ChannelHandlerContext) { inner.decoderAdded(context: context) }
    func decoderRemoved(context: ChannelHandlerContext) { inner.decoderRemoved(context: context) }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try inner.decode(context: context, buffer: &buffer)
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try inner.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
    }
}
