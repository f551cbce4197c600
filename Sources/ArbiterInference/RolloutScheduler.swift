import ArbiterCore
import AsyncHTTPClient
import Logging
import NIOCore
import ServiceLifecycle

/// Schedules generation and judge requests over OpenAI-compatible endpoints with fault
/// tolerance, as a `Service`.
///
/// The decisions live in a value-type state machine (``SchedulerStateMachine``); this actor
/// executes its actions: it starts HTTP attempts through ``InferenceClient`` (cancellable
/// AsyncHTTPClient tasks, no `Task {}` per request), feeds their results back as events, arms
/// one timer for the machine's next deadline, and resumes the callers. ``run()`` is the event
/// loop: it must run (in a `ServiceGroup`, or via ``withRunning(_:client:logger:_:)``) for any
/// request to complete. On graceful shutdown it stops admitting, lets running requests
/// finish, then shuts its HTTP client down; on cancellation it fails what is pending.
///
/// The engine uses ``submit(_:)`` (one prompt's n samples), ``generateStep(_:)`` (a step of
/// prompts under the step deadline policy), ``complete(_:timeout:)`` (any single call: judges,
/// reference scoring), ``updatePolicyVersion(_:)`` and ``metrics()``.
public actor RolloutScheduler: Service {
    enum Event: Sendable {
        case attemptSucceeded(AttemptID, InferenceResponse, completedAt: NIODeadline)
        case attemptFailed(AttemptID, InferenceError, completedAt: NIODeadline)
        /// Several attempt completions from one event-loop tick.
        case attempts([Event])
        case probeFinished(endpoint: Int, healthy: Bool)
        case tick
        case cancelGroups([GroupID])
        case gracefulShutdown
        case stop
    }

    /// A request's wire call and where its samples go.
    struct Payload: Sendable {
        let call: InferenceCall
        /// The call's encoded JSON body (encoded once, reused by retries and hedges).
        let body: [UInt8]
        let group: GroupID
        /// Sample index of the call's first choice.
        let firstSample: Int
    }

    /// What an attempt needs for its rollouts.
    struct RunningAttempt: Sendable {
        let task: InferenceAttempt
        let call: CallID
        let endpoint: Int
        let version: PolicyVersion
        let startedAt: Double
    }

    /// One request's final outcome.
    struct CallOutcome: Sendable {
        var call: InferenceCall
        var firstSample: Int
        var result: Result<InferenceResponse, InferenceError>
        var endpoint: String
        var version: PolicyVersion
        var requestedAt: Double
        var completedAt: Double
    }

    /// A group's outcomes, in call order.
    struct GroupOutcome: Sendable {
        var calls: [CallOutcome]
        var partial: Bool
    }

    /// The configuration.
    public nonisolated let configuration: SchedulerConfiguration
    /// The HTTP client (owned unless passed in).
    public nonisolated let client: InferenceClient
    private nonisolated let ownsClient: Bool
    private nonisolated let logger: Logger
    private nonisolated let origin: NIODeadline
    private nonisolated let timerLoop: any EventLoop
    private nonisolated let events: AsyncStream<Event>
    private nonisolated let sink: AsyncStream<Event>.Continuation
    private nonisolated let completions: CompletionBatcher<Event>
    /// What the scheduler serves ("policy", "judge", "reference"), in notices and logs.
    public nonisolated let role: String
    private nonisolated let notices: AsyncStream<SchedulerNotice>.Continuation?

    var machine: SchedulerStateMachine
    private var payloads: [CallID: Payload] = [:]
    private var groupCalls: [GroupID: [CallID]] = [:]
    private var running: [AttemptID: RunningAttempt] = [:]
    private var outcomes: [CallID: CallOutcome] = [:]
    /// The successful attempt being handed to the machine (its `callSucceeded` reads it).
    private var pendingSuccess: (id: AttemptID, response: InferenceResponse, completedAt: Double, attempt: RunningAttempt)?
    private var waiters: [GroupID: CheckedContinuation<GroupOutcome, Never>] = [:]
    private var finishedGroups: [GroupID: GroupOutcome] = [:]
    private var timer: Scheduled<Void>?
    private var timerAt: Double?
    var currentVersion: PolicyVersion
    var accepting = true
    private var draining = false

    /// Creates a scheduler. It creates (and owns) an ``InferenceClient`` for the configured
    /// endpoints unless `client` is given. Ejections, recoveries and giving up are logged and,
    /// with `notices`, yielded there as ``SchedulerNotice``s tagged with `role`.
    public init(
        configuration: SchedulerConfiguration, client: InferenceClient? = nil, logger: Logger = Logger(label: "arbiter.inference"),
        role: String = "inference", notices: AsyncStream<SchedulerNotice>.Continuation? = nil
    ) throws(InferenceError) {
        guard !configuration.endpoints.isEmpty else {
            throw InferenceError(.invalidConfiguration, "no endpoints configured")
        }
        self.configuration = configuration
        if let client {
            self.client = client
            self.ownsClient = false
        } else {
            self.client = try InferenceClient(endpoints: configuration.endpoints, configuration: configuration.transport)
            self.ownsClient = true
        }
        self.logger = logger
        self.role = role
        self.notices = notices
        self.origin = .now()
        self.timerLoop = self.client.clients[0].http.eventLoopGroup.any()
        (self.events, self.sink) = AsyncStream.makeStream(of: Event.self)
        let sink = self.sink
        self.completions = CompletionBatcher(group: self.client.eventLoopGroup) { batch in
            sink.yield(batch.count == 1 ? batch[0] : .attempts(batch))
        }
        self.machine = SchedulerStateMachine(configuration: configuration, now: 0)
        self.currentVersion = configuration.admission?.initialVersion ?? 0
    }

    /// Runs a scheduler for the duration of `body`, then stops it and shuts its client down.
    public static func withRunning<T: Sendable>(
        _ configuration: SchedulerConfiguration, client: InferenceClient? = nil,
        logger: Logger = Logger(label: "arbiter.inference"), notices: AsyncStream<SchedulerNotice>.Continuation? = nil,
        _ body: (RolloutScheduler) async throws -> T
    ) async throws -> T {
        let scheduler = try RolloutScheduler(configuration: configuration, client: client, logger: logger, notices: notices)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.run() }
            do {
                let value = try await body(scheduler)
                scheduler.stop()
                try await group.waitForAll()
                return value
            } catch {
                scheduler.stop()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Seconds since the scheduler was created (the clock of ``ArbiterCore/RolloutTiming``).
    public nonisolated func now() -> Double {
        Double(NIODeadline.now().uptimeNanoseconds &- origin.uptimeNanoseconds) / 1e9
    }

    private nonisolated func seconds(_ deadline: NIODeadline) -> Double {
        Double(Int64(bitPattern: deadline.uptimeNanoseconds &- origin.uptimeNanoseconds)) / 1e9
    }

    /// Stops the scheduler: pending requests fail with ``InferenceError/Code/shutdown``.
    public nonisolated func stop() {
        sink.yield(.stop)
    }

    // MARK: Service

    /// The event loop of the scheduler. Returns after a graceful shutdown once nothing is
    /// running, or after ``stop()`` or cancellation; then shuts the owned client down.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                for await event in events {
                    if handle(event) { break }
                }
            } onGracefulShutdown: { [sink] in
                sink.yield(.gracefulShutdown)
            }
        } onCancel: { [sink] in
            sink.yield(.stop)
        }
        accepting = false
        timer?.cancel()
        timer = nil
        executeOutput(machine.shutdown(now: now()))
        for (_, attempt) in running { attempt.task.cancel() }
        running.removeAll()
        sink.finish()
        if ownsClient {
            do {
                try await client.shutdown()
            } catch {
                logger.warning("inference client shutdown failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Handles one event; returns true when the loop should end.
    private func handle(_ event: Event) -> Bool {
        switch event {
        case .attempts(let batch):
            for e in batch where handle(e) { return true }
        case .attemptSucceeded(let id, let response, let completedAt):
            guard let attempt = running.removeValue(forKey: id) else { break }
            let t = seconds(completedAt)
            if let problem = Self.validate(response, for: payloads[attempt.call]?.call) {
                executeOutput(machine.attemptFailed(id, error: problem, now: t))
            } else {
                pendingSuccess = (id, response, t, attempt)
                executeOutput(
                    machine.attemptSucceeded(
                        id, completionTokens: response.completionTokens, promptTokens: response.usage?.promptTokens, now: t))
                pendingSuccess = nil
            }
        case .attemptFailed(let id, let error, let completedAt):
            guard running.removeValue(forKey: id) != nil else { break }
            executeOutput(machine.attemptFailed(id, error: error, now: seconds(completedAt)))
        case .probeFinished(let endpoint, let healthy):
            executeOutput(machine.probeFinished(endpoint: endpoint, healthy: healthy, now: now()))
        case .tick:
            timerAt = nil
            timer = nil
            executeOutput(machine.tick(now: now()))
        case .cancelGroups(let ids):
            let t = now()
            for id in ids { executeOutput(machine.cancelGroup(id, now: t)) }
        case .gracefulShutdown:
            accepting = false
            draining = true
            // Groups still waiting for admission will never be admitted now.
            let t = now()
            for (id, _) in groupCalls where !isAdmittedOrRunning(id) {
                executeOutput(machine.cancelGroup(id, now: t))
            }
        case .stop:
            return true
        }
        return draining && machine.isIdle
    }

    private func isAdmittedOrRunning(_ id: GroupID) -> Bool {
        machine.groups[id]?.admitted ?? true
    }

    /// A response that cannot be what the call asked for is a failed attempt.
    static func validate(_ response: InferenceResponse, for call: InferenceCall?) -> InferenceError? {
        guard let call else { return nil }
        var ok = response.choices.count == call.n
        if ok {
            for (k, choice) in response.choices.enumerated() where choice.index != k {
                ok = false
                break
            }
        }
        guard ok else {
            let indices = response.choices.map(\.index)
            return InferenceError(
                .missingChoices, "expected \(call.n) choices with indices 0..<\(call.n), got \(indices)",
                context: call.path)
        }
        return nil
    }

    // MARK: Submissions

    /// Registers groups of calls with the machine and executes its decisions.
    func submitGroups(
        _ groups: [[InferenceCall]], bodies: [[[UInt8]]], firstSamples: [[Int]], needsAdmission: Bool, stepDeadline: Double?,
        requestDeadline: Double?
    ) throws(InferenceError) -> [GroupID] {
        guard accepting else { throw InferenceError(.shutdown, "scheduler is shutting down") }
        let t = now()
        var ids: [GroupID] = []
        ids.reserveCapacity(groups.count)
        for ((calls, encoded), firsts) in zip(zip(groups, bodies), firstSamples) {
            let (group, callIDs, output) = machine.submitGroup(
                costs: calls.map(\.estimatedTokens), needsAdmission: needsAdmission, stepDeadline: stepDeadline,
                requestDeadline: requestDeadline, now: t)
            groupCalls[group] = callIDs
            for (k, id) in callIDs.enumerated() {
                payloads[id] = Payload(call: calls[k], body: encoded[k], group: group, firstSample: firsts[k])
            }
            ids.append(group)
            executeOutput(output)
        }
        return ids
    }

    /// Waits for the groups' outcomes in order; cancelling the caller cancels the groups.
    nonisolated func awaitGroupsCancellable(_ ids: [GroupID]) async -> [GroupOutcome] {
        let sink = self.sink
        return await withTaskCancellationHandler {
            await self.awaitGroups(ids)
        } onCancel: {
            sink.yield(.cancelGroups(ids))
        }
    }

    func awaitGroups(_ ids: [GroupID]) async -> [GroupOutcome] {
        var out: [GroupOutcome] = []
        out.reserveCapacity(ids.count)
        for id in ids {
            if let done = finishedGroups.removeValue(forKey: id) {
                out.append(done)
            } else {
                out.append(await withCheckedContinuation { waiters[id] = $0 })
            }
        }
        return out
    }

    // MARK: Executing actions

    func executeOutput(_ output: SchedulerStateMachine.Output) {
        var work = [output]
        while let out = work.popLast() {
            for action in out.actions {
                if let more = perform(action) { work.append(more) }
            }
            arm(out.wakeUpAt)
        }
    }

    /// Performs one action; returns the machine's output when performing it failed synchronously.
    private func perform(_ action: SchedulerStateMachine.Action) -> SchedulerStateMachine.Output? {
        switch action {
        case .dispatch(let attemptID, let callID, let endpoint, _):
            guard let payload = payloads[callID] else { return nil }
            let startedAt = now()
            let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.attemptTimeout * 1e9))
            let completions = self.completions
            let task: InferenceAttempt
            do {
                task = try client.start(payload.call, body: payload.body, endpoint: endpoint, deadline: deadline) { result in
                    let at = NIODeadline.now()
                    switch result {
                    case .success(let response):
                        completions.add(.attemptSucceeded(attemptID, response, completedAt: at))
                    case .failure(let error):
                        completions.add(.attemptFailed(attemptID, error, completedAt: at))
                    }
                }
            } catch {
                return machine.attemptFailed(attemptID, error: error, now: startedAt)
            }
            running[attemptID] = RunningAttempt(
                task: task, call: callID, endpoint: endpoint, version: currentVersion, startedAt: startedAt)
        case .cancelAttempt(let id):
            running.removeValue(forKey: id)?.task.cancel()
        case .callSucceeded(let callID, let attemptID):
            guard let payload = payloads[callID], let success = pendingSuccess, success.id == attemptID else {
                return nil
            }
            outcomes[callID] = CallOutcome(
                call: payload.call, firstSample: payload.firstSample, result: .success(success.response),
                endpoint: client.clients[success.attempt.endpoint].baseURL, version: success.attempt.version,
                requestedAt: success.attempt.startedAt, completedAt: success.completedAt)
        case .callFailed(let callID, let error):
            guard let payload = payloads[callID] else { return nil }
            outcomes[callID] = CallOutcome(
                call: payload.call, firstSample: payload.firstSample, result: .failure(error), endpoint: "",
                version: currentVersion, requestedAt: 0, completedAt: now())
        case .groupAdmitted:
            break
        case .groupFinished(let groupID, let partial):
            let ids = groupCalls.removeValue(forKey: groupID) ?? []
            var calls: [CallOutcome] = []
            calls.reserveCapacity(ids.count)
            for id in ids {
                let payload = payloads.removeValue(forKey: id)
                if let outcome = outcomes.removeValue(forKey: id) {
                    calls.append(outcome)
                } else if let payload {
                    calls.append(
                        CallOutcome(
                            call: payload.call, firstSample: payload.firstSample,
                            result: .failure(InferenceError(.shutdown, "request ended without an outcome")), endpoint: "",
                            version: currentVersion, requestedAt: 0, completedAt: now()))
                }
            }
            let outcome = GroupOutcome(calls: calls, partial: partial)
            if let waiter = waiters.removeValue(forKey: groupID) {
                waiter.resume(returning: outcome)
            } else {
                finishedGroups[groupID] = outcome
            }
        case .probe(let endpoint):
            let sink = self.sink
            let deadline = NIODeadline.now() + .nanoseconds(Int64(configuration.circuitBreaker.probeTimeout * 1e9))
            client.startHealthProbe(endpoint: endpoint, deadline: deadline).whenComplete { result in
                sink.yield(.probeFinished(endpoint: endpoint, healthy: (try? result.get()) ?? false))
            }
        case .endpointEjected(let endpoint, let error):
            let breaker = configuration.circuitBreaker
            notify(
                .ejected, endpoint: endpoint,
                "ejected after \(breaker.failureThreshold) failure(s) in a row, probed again in \(Self.format(breaker.openDuration)) s; last error: \(error)"
            )
        case .endpointRestored(let endpoint):
            notify(.restored, endpoint: endpoint, "restored: passed its health probe, takes requests again")
        case .gaveUp(let since):
            let waited = Self.format(now() - since)
            notify(
                .gaveUp, endpoint: nil,
                "gave up after \(waited) s with none usable: waiting requests failed, new ones fail until an endpoint passes its probe"
            )
        }
        return nil
    }

    /// Logs a notice and yields it to the notice stream, if any.
    private func notify(_ kind: SchedulerNotice.Kind, endpoint: Int?, _ message: String) {
        let url = endpoint.map { client.clients[$0].baseURL }
        let notice = SchedulerNotice(role: role, kind: kind, endpoint: url, message: message)
        var metadata: Logger.Metadata = ["role": "\(role)", "notice": "\(kind.rawValue)"]
        if let url { metadata["endpoint"] = "\(url)" }
        // With a notice stream the run engine reports it; without one the log is all there is.
        let level: Logger.Level = kind == .restored || notices != nil ? .notice : .warning
        logger.log(level: level, "\(message)", metadata: metadata)
        notices?.yield(notice)
    }

    private static func format(_ seconds: Double) -> String {
        seconds >= 10 ? String(Int(seconds.rounded())) : String((seconds * 10).rounded() / 10)
    }

    /// Arms the single timer for the machine's next deadline.
    private func arm(_ wakeUpAt: Double?) {
        guard let wakeUpAt else { return }
        if let at = timerAt, at <= wakeUpAt { return }
        timer?.cancel()
        timerAt = wakeUpAt
        let sink = self.sink
        let deadline = origin + .nanoseconds(Int64(max(0, wakeUpAt) * 1e9) + 1)
        timer = timerLoop.scheduleTask(deadline: deadline) { sink.yield(.tick) }
    }
}
