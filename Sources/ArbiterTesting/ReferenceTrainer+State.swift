import Foundation

extension ReferenceTrainer {
    /// One request to `POST /v1/batches`, as the reference trainer saw and answered it.
    public struct ReceivedRequest: Sendable, Hashable {
        /// The `Idempotency-Key` header, if sent.
        public var idempotencyKey: String?
        /// The `Authorization` header, if sent.
        public var authorization: String?
        /// The status answered (0 when the connection was dropped without an answer).
        public var status: Int
        /// The error message answered, for 4xx/5xx.
        public var message: String?
        /// True when the key had been answered before and the original answer was replayed.
        public var replayed: Bool
        /// The request body (inflated when it came gzip-compressed).
        public var body: Data
        /// The `Content-Encoding` header, if sent (`gzip` for large batches).
        public var contentEncoding: String? = nil
        /// Bytes on the wire (the compressed size for a gzip body).
        public var wireBytes: Int = 0
        /// When the request arrived.
        public var receivedAt: ContinuousClock.Instant
    }
}

/// What the reference trainer holds. `memory` is the trainer's state (lost on a restart without
/// `keepsStateAcrossRestarts`); `observations` is what tests inspect and survives everything.
actor ReferenceTrainerState {
    struct Answer: Sendable {
        var status: Int
        var body: String
    }

    struct Memory {
        var policyVersion: Int
        var answers: [String: Answer] = [:]
    }

    struct Observations {
        var requests: [ReferenceTrainer.ReceivedRequest] = []
        var applications: [String] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    let initialPolicyVersion: Int
    var memory: Memory
    var observations = Observations()
    var faults: [ReferenceTrainer.Fault] = []
    var responseDelay: Duration?
    var ready = true

    init(initialPolicyVersion: Int) {
        self.initialPolicyVersion = initialPolicyVersion
        self.memory = Memory(policyVersion: initialPolicyVersion)
    }

    func begin() {
        observations.inFlight += 1
        observations.maxInFlight = max(observations.maxInFlight, observations.inFlight)
    }

    func end() { observations.inFlight -= 1 }

    func takeFault() -> ReferenceTrainer.Fault? {
        faults.isEmpty ? nil : faults.removeFirst()
    }

    func record(_ request: ReferenceTrainer.ReceivedRequest) {
        observations.requests.append(request)
    }

    func answer(for key: String) -> Answer? { memory.answers[key] }

    /// Applies a validated batch (once per key) and returns the answer to send.
    func apply(key: String, batchID: String, status: Int, bump: Int) -> (Answer, replayed: Bool) {
        if let answer = memory.answers[key] { return (answer, true) }
        memory.policyVersion += bump
        let answer = Answer(status: status, body: #"{"accepted":true,"policy_version":\#(memory.policyVersion)}"#)
        memory.answers[key] = answer
        observations.applications.append(batchID)
        return (answer, false)
    }

    func forget() {
        memory = Memory(policyVersion: initialPolicyVersion)
    }

    /// Set from a simulated crash until the restarted server is up: the crashed process answers
    /// nothing, and a trainer that keeps no state lost it at the crash, not at the restart.
    private(set) var isDown = false

    func crash(forget: Bool) {
        isDown = true
        if forget { self.forget() }
    }

    func recover() { isDown = false }
}
