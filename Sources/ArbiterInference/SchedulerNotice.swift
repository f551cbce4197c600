/// A change in a scheduler's endpoints worth telling the user and the run's log: an ejection,
/// a recovery, or giving up because no endpoint has been usable for too long.
///
/// A scheduler created with a notice continuation yields one per change (see
/// ``RolloutScheduler/init(configuration:client:logger:role:notices:)``); the run engine records
/// them as events and prints them.
public struct SchedulerNotice: Sendable, Hashable {
    /// What happened.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An endpoint was ejected after consecutive failures; it is probed with `/health`.
        case ejected
        /// An ejected endpoint passed its probe.
        case restored
        /// Every endpoint stayed ejected past the breaker's `giveUpAfter`: waiting requests failed.
        case gaveUp = "gave_up"
    }

    /// The scheduler's role ("policy", "judge", "reference").
    public var role: String
    /// What happened.
    public var kind: Kind
    /// The endpoint's base URL (nil when the notice concerns every endpoint).
    public var endpoint: String?
    /// A one-line explanation starting with what happened ("ejected after …", "restored: …",
    /// "gave up after …"), with the last error for an ejection.
    public var message: String

    /// Creates a notice.
    public init(role: String, kind: Kind, endpoint: String?, message: String) {
        self.role = role
        self.kind = kind
        self.endpoint = endpoint
        self.message = message
    }
}
