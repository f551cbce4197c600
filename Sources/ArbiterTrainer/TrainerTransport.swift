import Foundation

/// What the outbox and the status poller need from a trainer: one delivery attempt, one status read.
///
/// ``TrainerClient`` speaks protocol v1 over HTTP; tests may substitute a scripted transport.
public protocol TrainerTransport: Sendable {
    /// Makes one attempt to deliver a batch and classifies the answer. Never throws: every failure is
    /// a ``DeliveryOutcome``.
    func deliver(batchID: String, payload: Data) async -> DeliveryOutcome

    /// Reads `GET /v1/status`.
    func status() async throws -> TrainerStatus
}
