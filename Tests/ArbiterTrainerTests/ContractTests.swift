import ArbiterCore
import ArbiterTesting
import ArbiterTrainer
import Foundation
import Testing

/// The protocol-v1 contract every trainer must pass, run against both reference trainers.
struct TrainerContract {
    var baseURL: String
    var token: String?
    /// 1: every body goes out gzip-compressed (`Content-Encoding: gzip`); 0: never.
    var gzipMinBytes = 0

    func client(token: String?) throws -> TrainerClient { try makeClient(baseURL, token: token, gzipMinBytes: gzipMinBytes) }

    /// The valid payload, re-serialized after `mutate` edits its JSON object.
    func mutated(_ payload: BatchPayload, _ mutate: (inout [String: Any]) -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: payload.encoded()) as? [String: Any])
        mutate(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    func sample(_ object: inout [String: Any], _ index: Int, _ change: (inout [String: Any]) -> Void) {
        var samples = object["samples"] as! [[String: Any]]
        change(&samples[index])
        object["samples"] = samples
    }

    func run() async throws {
        let runID = "contract-\(UUID().uuidString.prefix(8))"
        let c = try client(token: token)
        do {
            try await run(c, runID: runID)
        } catch {
            try? await c.shutdown()
            throw error
        }
        try await c.shutdown()
    }

    private func run(_ client: TrainerClient, runID: String) async throws {
        // Status.
        let initial = try await client.status()
        #expect(initial.ready)
        #expect(initial.queueDepth >= 0)

        // Acceptance, and a duplicate delivery that has no effect.
        let p1 = try TestBatches.payload(step: 1, runID: runID)
        let first = await client.deliver(batchID: p1.batchID, payload: try p1.encoded())
        guard case .accepted(let v1, let status) = first else {
            Issue.record("valid batch not accepted: \(first)")
            return
        }
        #expect(status == 200 || status == 202)
        #expect(v1 > initial.policyVersion, "the reference trainers bump the version per accepted batch")
        let replay = await client.deliver(batchID: p1.batchID, payload: try p1.encoded())
        #expect(replay == first, "a repeated Idempotency-Key returns the original answer")
        #expect(try await client.status().policyVersion == v1, "a duplicate delivery changes nothing")

        // Violations: 400 with a message naming the field; nothing applied.
        let p2 = try TestBatches.payload(step: 2, runID: runID)
        let violations: [(String, (inout [String: Any]) -> Void)] = [
            ("samples[0].advantage", { sample(&$0, 0) { $0.removeValue(forKey: "advantage") } }),
            ("step", { $0["step"] = "2" }),
            ("samples[0].finish_reason", { sample(&$0, 0) { $0["finish_reason"] = "eos" } }),
            ("samples[0].completion_logprobs", { sample(&$0, 0) { $0["completion_logprobs"] = [-1.0] } }),
            ("samples[1].reward_components.judge", { sample(&$0, 1) { $0["reward_components"] = ["judge": "high"] } }),
            ("samples[0].loss_weight", { sample(&$0, 0) { $0["loss_weight"] = -1 } }),
            ("samples[0].policy_version", { sample(&$0, 0) { $0["policy_version"] = 1.5 } }),
            ("samples[0].truncated", { sample(&$0, 0) { $0["truncated"] = true } }),
            ("samples[1].advantage", { sample(&$0, 1) { $0["advantage"] = 0.3 } }),
            ("samples[0].prompt_token_ids", { sample(&$0, 0) { $0["prompt_token_ids"] = [1, -2] } }),
            (
                "provenance.config_hash",
                {
                    var p = $0["provenance"] as! [String: Any]; p.removeValue(forKey: "config_hash"); $0["provenance"] = p
                }
            ),
            ("samples", { $0["samples"] = [Any]() }),
            ("extra", { $0["extra"] = 1 }),
        ]
        for (field, mutate) in violations {
            let outcome = await client.deliver(batchID: p2.batchID, payload: try mutated(p2, mutate))
            guard case .rejected(400, let message) = outcome else {
                Issue.record("\(field): expected 400, got \(outcome)")
                continue
            }
            #expect(message.hasPrefix(field), "message for \(field): \(message)")
        }
        let mismatch = await client.deliver(batchID: "not-\(p2.batchID)", payload: try p2.encoded())
        #expect({ if case .rejected(400, let m) = mismatch { m.contains("does not match") } else { false } }(), "\(mismatch)")
        let missingKey = await client.deliver(batchID: "", payload: try p2.encoded())
        #expect({ if case .rejected(400, let m) = missingKey { m.contains("Idempotency-Key") } else { false } }(), "\(missingKey)")
        #expect(try await client.status().policyVersion == v1, "rejected batches change nothing")

        // Refusals are not remembered: the key is judged afresh.
        let second = await client.deliver(batchID: p2.batchID, payload: try p2.encoded())
        guard case .accepted(let v2, _) = second else {
            Issue.record("valid batch after refusals not accepted: \(second)")
            return
        }
        #expect(v2 > v1)

        // Authorization.
        if let token {
            let anonymous = try self.client(token: nil)
            let wrong = try self.client(token: token + "x")
            let outcome = await anonymous.deliver(batchID: p2.batchID, payload: try p2.encoded())
            #expect({ if case .rejected(401, _) = outcome { true } else { false } }(), "\(outcome)")
            let wrongOutcome = await wrong.deliver(batchID: p2.batchID, payload: try p2.encoded())
            #expect({ if case .rejected(401, _) = wrongOutcome { true } else { false } }(), "\(wrongOutcome)")
            await #expect(throws: TrainerError.self) { try await anonymous.status() }
            try await anonymous.shutdown()
            try await wrong.shutdown()
        }

        // End to end through the outbox: in order, each once.
        let tracker = PolicyVersionTracker(initial: v2)
        let outbox = BatchOutbox.make(url: baseURL, client: client, tracker: tracker)
        let batches = (3...5).map { TestBatches.batch(step: $0, runID: runID) }
        try await withServices([outbox]) {
            for batch in batches { try await outbox.submit(batch) }
            _ = try await tracker.waitUntil(atLeast: PolicyVersion(v2.rawValue + 3))
        }
        #expect(await outbox.snapshot.delivered == 3)
        #expect(try await client.status().policyVersion.rawValue == v2.rawValue + 3)
    }
}

/// The Python reference trainer as a child process on a free port.
enum PythonReferenceTrainer {
    static let script = SharedFixtures.packageRoot.appendingPathComponent("examples/trainer/reference_trainer.py")

    static let python3: URL? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }()

    /// Runs `body` with the base URL of a fresh Python reference trainer, then terminates it.
    static func with<R: Sendable>(token: String?, _ body: (String) async throws -> R) async throws -> R {
        let python = try #require(python3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arbiter-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let portFile = folder.appendingPathComponent("port")
        let log = folder.appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = python
        process.arguments =
            [script.path, "--port", "0", "--port-file", portFile.path] + (token != nil ? ["--token-env", "ARBITER_CONTRACT_TOKEN"] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["ARBITER_CONTRACT_TOKEN"] = token
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        defer { Self.stop(process) }
        let deadline = ContinuousClock.now + .seconds(15)
        var port: Int?
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            if port == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        guard let port else {
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ReferenceTrainerError(message: "python reference trainer did not start: \(stderr)")
        }
        return try await body("http://127.0.0.1:\(port)")
    }

    /// SIGTERM, then SIGKILL if the child is still alive after a second (a child can inherit a
    /// blocked SIGTERM from the test runner's threads).
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

@Suite("Trainer protocol contract")
struct ContractTests {
    @Test func swiftReferenceTrainerPassesTheContract() async throws {
        try await withTimeout {
            try await withReferenceTrainer(.init(bearerToken: "contract-token")) { trainer in
                try await TrainerContract(baseURL: trainer.baseURL(), token: "contract-token").run()
            }
        }
    }

    @Test func swiftReferenceTrainerWithoutTokenPassesTheContract() async throws {
        try await withTimeout {
            try await withReferenceTrainer(.init(acceptedStatus: 202)) { trainer in
                try await TrainerContract(baseURL: trainer.baseURL(), token: nil).run()
            }
        }
    }

    @Test(.enabled(if: PythonReferenceTrainer.python3 != nil, "python3 is not on PATH"))
    func pythonReferenceTrainerPassesTheContract() async throws {
        try await withTimeout(.seconds(30)) {
            try await PythonReferenceTrainer.with(token: "contract-token") { url in
                try await TrainerContract(baseURL: url, token: "contract-token").run()
            }
        }
    }

    @Test("both reference trainers pass the contract with gzip-compressed bodies", .enabled(if: PythonReferenceTrainer.python3 != nil))
    func gzipBodiesPassTheContract() async throws {
        try await withTimeout(.seconds(30)) {
            try await withReferenceTrainer { trainer in
                try await TrainerContract(baseURL: trainer.baseURL(), token: nil, gzipMinBytes: 1).run()
                let requests = await trainer.requests()
                #expect(!requests.isEmpty)
                #expect(requests.allSatisfy { $0.contentEncoding == "gzip" && $0.wireBytes < $0.body.count })
            }
            try await PythonReferenceTrainer.with(token: "contract-token") { url in
                try await TrainerContract(baseURL: url, token: "contract-token", gzipMinBytes: 1).run()
            }
        }
    }
}
