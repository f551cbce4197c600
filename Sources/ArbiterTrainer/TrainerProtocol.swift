/// Constants of trainer protocol v1 (see `docs/trainer-protocol.md`).
public enum TrainerProtocol {
    /// The protocol version this module speaks.
    public static let version = 1
    /// Path of the batch hand-off endpoint.
    public static let batchesPath = "/v1/batches"
    /// Path of the status endpoint.
    public static let statusPath = "/v1/status"
    /// Header carrying the batch id; a repeated key must return the original answer.
    public static let idempotencyKeyHeader = "Idempotency-Key"
    /// Content type of every request and response body.
    public static let contentType = "application/json"
}
