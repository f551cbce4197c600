/// Counters of a judge session.
public struct JudgeSessionStats: Sendable, Hashable, Codable {
    /// Calls admitted by the budget (made or about to be made).
    public var calls: Int
    /// Calls refused by the budget.
    public var denied: Int
    /// Cache hits.
    public var cacheHits: Int
    /// Cache misses.
    public var cacheMisses: Int
    /// Entries in the cache.
    public var cacheEntries: Int
}

/// The run-scoped judge state shared by concurrent scorers: the cache and the call budget.
public actor JudgeSession {
    /// The cache.
    public private(set) var cache: JudgeCache
    /// The budget.
    public private(set) var budget: JudgeCallBudget

    /// Creates a session with a call budget (nil: unlimited) and an optional cache capacity.
    public init(callBudget: Int? = nil, cacheCapacity: Int? = nil) {
        self.cache = JudgeCache(capacity: cacheCapacity)
        self.budget = JudgeCallBudget(limit: callBudget)
    }

    /// Looks up a cached answer (counting a hit or miss).
    public func lookup(_ key: JudgeCacheKey) -> JudgeCacheEntry? {
        cache.lookup(key)
    }

    /// Looks up a cached answer that `accept` takes (counting a hit), else counts a miss.
    public func lookup(_ key: JudgeCacheKey, where accept: @Sendable (JudgeCacheEntry) -> Bool) -> JudgeCacheEntry? {
        cache.lookup(key, where: accept)
    }

    /// Caches an answer.
    public func store(_ entry: JudgeCacheEntry, for key: JudgeCacheKey) {
        cache.insert(entry, for: key)
    }

    /// Asks the budget for one call.
    public func admitCall() -> JudgeBudgetDecision {
        budget.admit()
    }

    /// Current counters.
    public var stats: JudgeSessionStats {
        JudgeSessionStats(
            calls: budget.used, denied: budget.denied, cacheHits: cache.hits, cacheMisses: cache.misses, cacheEntries: cache.count)
    }
}
