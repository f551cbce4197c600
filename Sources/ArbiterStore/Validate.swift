/// Input checks shared by the backends.
enum Validate {
    /// Ids must be non-empty and free of NUL characters.
    static func id(_ s: String, _ what: String, context: String? = nil) throws(StoreError) {
        if s.isEmpty { throw StoreError(.invalidInput, "\(what) is empty", context: context) }
        if s.utf8.contains(0) { throw StoreError(.invalidInput, "\(what) contains a NUL character", context: context) }
    }

    /// NaN is stored as null (SQLite cannot store it), so it is normalized before hashing.
    static func real(_ v: Double?) -> Double? {
        guard let v, !v.isNaN else { return nil }
        return v
    }
}

extension StoredBatch {
    /// Validates a batch record.
    init(record b: BatchRecord) throws(StoreError) {
        try Validate.id(b.runID, "run id")
        try Validate.id(b.id, "batch id", context: b.runID)
        guard b.step >= 0 else { throw StoreError(.invalidInput, "step \(b.step) is negative", context: b.id) }
        for s in b.samples { try Validate.id(s.rolloutID, "batch sample rollout id", context: b.id) }
        self.init(
            batchID: b.id, step: b.step, payloadHash: b.payloadHash, createdAt: b.createdAt,
            samples: b.samples.map { BatchSampleRef(rolloutID: $0.rolloutID, lossWeight: $0.lossWeight.isNaN ? 0 : $0.lossWeight) })
    }
}
