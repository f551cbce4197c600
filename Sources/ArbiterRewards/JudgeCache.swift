import ArbiterCore

/// What identifies a judge answer: the same judged text, criterion, template, model and
/// sampling always get the same (cached) verdict.
public struct JudgeCacheKey: Sendable, Hashable, Codable {
    /// SHA-256 of the judged text (after `judged_text` selection and `<think>` stripping).
    public var judgedTextHash: String
    /// The criterion: `"<id>#<first 16 hex of SHA-256(title)>"` (ids such as `b-1` repeat across
    /// scenarios), or a component name (`structure`, `content`).
    public var subject: String
    /// The template hash.
    public var templateHash: String
    /// Judge model.
    public var model: String
    /// Judge sampling parameters.
    public var sampling: SamplingParams

    /// Creates a key.
    public init(judgedTextHash: String, subject: String, templateHash: String, model: String, sampling: SamplingParams) {
        self.judgedTextHash = judgedTextHash
        self.subject = subject
        self.templateHash = templateHash
        self.model = model
        self.sampling = sampling
    }

    /// The cache subject of a rubric criterion.
    public static func subject(for criterion: RubricCriterion) -> String {
        "\(criterion.id)#\(SHA256.hex(criterion.title).prefix(16))"
    }
}

/// A cached judge answer. Only answers that parsed are cached, so an unreadable answer is
/// asked again next time rather than replayed.
public struct JudgeCacheEntry: Sendable, Hashable, Codable {
    /// The raw judge text (for a batched call: the whole answer).
    public var rawText: String
    /// Parse status.
    public var status: VerdictStatus
    /// The criterion verdict (rubric judges).
    public var met: Bool?
    /// The score in [0, 1] (whole-response judges).
    public var score: Double?

    /// Creates an entry.
    public init(rawText: String, status: VerdictStatus, met: Bool? = nil, score: Double? = nil) {
        self.rawText = rawText
        self.status = status
        self.met = met
        self.score = score
    }
}

/// An in-memory judge cache with hit counting and optional first-in-first-out eviction.
public struct JudgeCache: Sendable {
    private var entries: [JudgeCacheKey: JudgeCacheEntry] = [:]
    private var order: [JudgeCacheKey] = []
    private var head = 0
    /// Maximum number of entries (nil: unbounded); the oldest insertions are evicted first.
    public let capacity: Int?
    /// Lookups answered from the cache.
    public private(set) var hits = 0
    /// Lookups not in the cache.
    public private(set) var misses = 0

    /// Creates an empty cache.
    public init(capacity: Int? = nil) {
        self.capacity = capacity.map { max(1, $0) }
    }

    /// The number of entries held.
    public var count: Int { entries.count }

    /// The entry for `key`, counting a hit or a miss.
    public mutating func lookup(_ key: JudgeCacheKey) -> JudgeCacheEntry? {
        lookup(key, where: { _ in true })
    }

    /// The entry for `key` if `accept` takes it (a hit), else nil (a miss).
    public mutating func lookup(_ key: JudgeCacheKey, where accept: (JudgeCacheEntry) -> Bool) -> JudgeCacheEntry? {
        if let e = entries[key], accept(e) {
            hits += 1
            return e
        }
        misses += 1
        return nil
    }

    /// The entry for `key` without counting.
    public func peek(_ key: JudgeCacheKey) -> JudgeCacheEntry? { entries[key] }

    /// Stores an entry (replacing any previous one for the key).
    public mutating func insert(_ entry: JudgeCacheEntry, for key: JudgeCacheKey) {
        if entries.updateValue(entry, forKey: key) == nil { order.append(key) }
        guard let capacity else { return }
        while entries.count > capacity, head < order.count {
            entries.removeValue(forKey: order[head])
            head += 1
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}

/// The answer of the judge-call budget guard.
public enum JudgeBudgetDecision: String, Sendable, Hashable, Codable {
    /// The call may go out.
    case allow
    /// The run's judge-call budget is spent: the call must not be made.
    case deny
}

/// A per-run judge-call budget (``ArbiterCore/JudgeConfig/callBudget``): a value type that
/// counts admitted calls and says allow or deny.
public struct JudgeCallBudget: Sendable, Hashable, Codable {
    /// Maximum calls per run; nil means unlimited.
    public var limit: Int?
    /// Calls admitted so far.
    public private(set) var used = 0
    /// Calls refused so far.
    public private(set) var denied = 0

    /// Creates a budget.
    public init(limit: Int?) {
        self.limit = limit
    }

    /// Calls still allowed (nil when unlimited).
    public var remaining: Int? { limit.map { max(0, $0 - used) } }

    /// Whether `calls` more calls would fit, without admitting them.
    public func wouldAllow(_ calls: Int = 1) -> Bool {
        guard let limit else { return true }
        return used + calls <= limit
    }

    /// Admits `calls` calls if they fit (counting them), else denies them (counting the denial).
    public mutating func admit(_ calls: Int = 1) -> JudgeBudgetDecision {
        if wouldAllow(calls) {
            used += calls
            return .allow
        }
        denied += calls
        return .deny
    }
}
