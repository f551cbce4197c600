import ArbiterCore
import ArbiterInference
import ArgumentParser
import Foundation

/// `arbiter bench inference`: drives the rollout scheduler against an OpenAI-compatible server
/// (the loopback nginx stand-in of `../shared/bench/`) and reports rollouts and requests per second.
///
/// The workload matches `pyref_orchestrate.py --criteria 0`: per step, P prompts × G samples,
/// one `/v1/completions` request per sample with `max_tokens 1024`, `temperature 1`, logprobs.
/// See docs/performance-inference.md and Benchmarks/inference/compare.sh.
struct BenchInferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Drive the rollout scheduler against an OpenAI-compatible server and report requests/s.",
        discussion: """
            Start the stand-in first (see ../shared/bench/README.md). Build with -c release for meaningful \
            figures: swift build -c release --product arbiter.
            """
    )

    @Option(help: "Base URL of the policy server (repeatable for several endpoints).")
    var policy: [String] = ["http://127.0.0.1:18080"]

    @Option(help: "Prompts per step.")
    var prompts = 256

    @Option(help: "Samples per prompt (group size).")
    var group = 8

    @Option(help: "Steps.")
    var steps = 3

    @Option(help: "Global in-flight cap (also each endpoint's connection pool size).")
    var concurrency = 256

    @Option(name: .customLong("request-mode"), help: "one_per_sample or n_per_request.")
    var requestMode: String = "one_per_sample"

    @Option(help: "completions or chat.")
    var api: String = "completions"

    @Flag(help: "Stream responses (server-sent events).")
    var stream = false

    @Option(name: .customLong("warmup-steps"), help: "Untimed steps first (connection pool warm-up).")
    var warmupSteps = 1

    @Flag(help: "Print one JSON line instead of the table.")
    var json = false

    @Option(help: "HTTP transport for generation calls: direct (the lean keep-alive pool) or ahc (AsyncHTTPClient).")
    var transport: String = "direct"

    @Flag(name: .customLong("client-only"), help: "Drive InferenceClient directly, without the scheduler (its ceiling).")
    var clientOnly = false

    func run() async throws {
        guard let mode = RequestMode(rawValue: requestMode) else {
            throw ValidationError("--request-mode must be one_per_sample or n_per_request")
        }
        guard let inferenceAPI = InferenceAPI(rawValue: api) else { throw ValidationError("--api must be completions or chat") }
        guard prompts > 0, group > 0, steps > 0, concurrency > 0 else {
            throw ValidationError("--prompts, --group, --steps and --concurrency must be positive")
        }
        guard ["direct", "ahc"].contains(transport) else { throw ValidationError("--transport must be direct or ahc") }
        let endpoints = policy.map { EndpointConfig(url: $0, maxConcurrency: concurrency) }
        let config = SchedulerConfiguration(
            endpoints: endpoints,
            generation: GenerationSettings(
                model: "policy", api: inferenceAPI, requestMode: mode,
                sampling: SamplingParams(temperature: 1.0, maxTokens: 1024, logprobs: true), stream: stream,
                returnTokenIDs: false),
            maxInFlight: concurrency, attemptTimeout: 30, maxRetriesPerEndpoint: 5,
            backoff: BackoffPolicy(base: 0.05, maximum: 1),
            transport: InferenceClient.Configuration(directHTTP1: transport == "direct"))
        if clientOnly {
            try await runClientOnly(endpoints: endpoints, api: inferenceAPI)
            return
        }
        let promptCount = prompts
        let groupSize = group
        let stepCount = steps
        let warmup = warmupSteps
        let report = try await RolloutScheduler.withRunning(config) { scheduler -> Report in
            func stepRequests(_ step: Int) -> [GenerationRequest] {
                (0..<promptCount).map { p in
                    let text = "Story \(step)-\(p): Anna moves the ball while Sam is away. Where will Sam look? A) basket B) box"
                    return GenerationRequest(
                        promptID: PromptID("\(step)-\(p)"), input: .text(text), samples: groupSize, seed: UInt64(truncatingIfNeeded: step),
                        rolloutIDPrefix: "\(step)/\(p)")
                }
            }
            for w in 0..<warmup { _ = try await scheduler.generateStep(stepRequests(-1 - w)) }
            let before = await scheduler.metrics()
            let start = ContinuousClock.now
            var rollouts = 0
            var partial = 0
            for step in 0..<stepCount {
                let results = try await scheduler.generateStep(stepRequests(step))
                rollouts += results.reduce(0) { $0 + $1.rollouts.count }
                partial += results.filter(\.partial).count
            }
            let elapsed = ContinuousClock.now - start
            let after = await scheduler.metrics()
            let seconds = elapsed.inSeconds
            return Report(
                rollouts: rollouts, requests: after.attempts - before.attempts, seconds: seconds, partialGroups: partial,
                errors: after.errors.reduce(0) { $0 + $1.value } - before.errors.reduce(0) { $0 + $1.value },
                retries: after.retries - before.retries, latency: Self.percentiles(after))
        }
        if json {
            print(
                "{\"impl\":\"arbiter\",\"rollouts\":\(report.rollouts),\"requests\":\(report.requests),"
                    + "\"seconds\":\(Self.round(report.seconds, 3)),\"rollouts_per_s\":\(Self.round(Double(report.rollouts) / report.seconds, 1)),"
                    + "\"requests_per_s\":\(Self.round(Double(report.requests) / report.seconds, 1)),"
                    + "\"errors\":\(report.errors),\"retries\":\(report.retries),\"partial_groups\":\(report.partialGroups),"
                    + "\"latency_p50_ms_le\":\(report.latency.p50 * 1000),\"latency_p99_ms_le\":\(report.latency.p99 * 1000)}")
        } else {
            print("rollouts      \(report.rollouts) (\(report.partialGroups) partial groups)")
            print("requests      \(report.requests) (\(report.errors) failed attempts, \(report.retries) retries)")
            print(String(format: "seconds       %.3f", report.seconds))
            print(String(format: "rollouts/s    %.1f", Double(report.rollouts) / report.seconds))
            print(String(format: "requests/s    %.1f", Double(report.requests) / report.seconds))
            print(String(format: "latency p50 ≤ %.1f ms, p99 ≤ %.1f ms (histogram bucket bounds)", report.latency.p50 * 1000, report.latency.p99 * 1000))
        }
    }

    /// The same number of requests straight through `InferenceClient.drive`.
    func runClientOnly(endpoints: [EndpointConfig], api: InferenceAPI) async throws {
        let client = try InferenceClient(endpoints: endpoints, configuration: .init(directHTTP1: transport == "direct"))
        let text = "Story 0-0: Anna moves the ball while Sam is away. Where will Sam look? A) basket B) box"
        let call = InferenceCall(
            api: api, model: "policy", input: api == .chat ? .chat([ChatMessage(role: "user", content: text)]) : .text(text),
            sampling: SamplingParams(temperature: 1.0, maxTokens: 1024, logprobs: true), stream: stream, returnTokenIDs: false)
        let total = prompts * group * steps
        do {
            _ = try await client.drive(call, endpoint: 0, total: min(total, concurrency * 4), concurrency: concurrency)
            let start = ContinuousClock.now
            let (ok, failed) = try await client.drive(call, endpoint: 0, total: total, concurrency: concurrency)
            let elapsed = ContinuousClock.now - start
            let seconds = elapsed.inSeconds
            try await client.shutdown()
            if json {
                print(
                    "{\"impl\":\"arbiter-client-only\",\"requests\":\(ok + failed),\"failed\":\(failed),"
                        + "\"seconds\":\(Self.round(seconds, 3)),\"requests_per_s\":\(Self.round(Double(ok + failed) / seconds, 1))}")
            } else {
                print("requests      \(ok + failed) (\(failed) failed), client only")
                print(String(format: "seconds       %.3f", seconds))
                print(String(format: "requests/s    %.1f", Double(ok + failed) / seconds))
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    struct Report: Sendable {
        var rollouts: Int
        var requests: Int
        var seconds: Double
        var partialGroups: Int
        var errors: Int
        var retries: Int
        var latency: (p50: Double, p99: Double)
    }

    /// Upper bucket bounds holding the 50th and 99th percentiles of attempt latency.
    static func percentiles(_ m: SchedulerMetrics) -> (p50: Double, p99: Double) {
        var buckets = Array(repeating: 0, count: EndpointMetrics.latencyBucketBounds.count + 1)
        for e in m.endpoints { for (k, n) in e.latencyBuckets.enumerated() { buckets[k] += n } }
        let total = buckets.reduce(0, +)
        func bound(_ q: Double) -> Double {
            guard total > 0 else { return 0 }
            var acc = 0
            for (k, n) in buckets.enumerated() {
                acc += n
                if Double(acc) >= q * Double(total) {
                    return k < EndpointMetrics.latencyBucketBounds.count ? EndpointMetrics.latencyBucketBounds[k] : .infinity
                }
            }
            return .infinity
        }
        return (bound(0.5), bound(0.99))
    }

    static func round(_ x: Double, _ digits: Int) -> Double {
        let p = pow(10, Double(digits))
        return (x * p).rounded() / p
    }
}
