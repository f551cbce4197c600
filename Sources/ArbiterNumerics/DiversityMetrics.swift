/// Diversity of one group of response embeddings.
///
/// With u_i = e_i / ‖e_i‖ and K = U Uᵀ (the cosine Gram matrix):
/// - `meanPairwiseCosine` is the mean of the off-diagonal entries of K;
/// - `vendi` is exp(−Σ λ log λ) over the eigenvalues λ > 1e-12 of K / n: 1 when all
///   responses point the same way, n when they are mutually orthogonal.
///
/// A group of one response has `meanPairwiseCosine` 1 (no diversity to measure, like its
/// Vendi score of 1).
public struct DiversityMetrics: Sendable, Hashable, Codable {
    /// Mean off-diagonal cosine similarity.
    public var meanPairwiseCosine: Double
    /// Vendi score (effective number of distinct responses).
    public var vendi: Double

    enum CodingKeys: String, CodingKey {
        case meanPairwiseCosine = "mean_pairwise_cosine"
        case vendi
    }

    /// Creates metrics.
    public init(meanPairwiseCosine: Double, vendi: Double) {
        self.meanPairwiseCosine = meanPairwiseCosine
        self.vendi = vendi
    }
}

/// Groups of embeddings in one contiguous row-major buffer.
public struct EmbeddingBatch: Sendable, Hashable {
    /// All embeddings back to back, `rowCount × dimension`.
    public var values: [Double]
    /// Embedding dimension.
    public var dimension: Int
    /// Start row of each group, plus a final entry equal to the row count.
    public var groupOffsets: [Int]

    /// Creates a batch, checking shapes.
    public init(values: [Double], dimension: Int, groupOffsets: [Int]) throws {
        guard dimension > 0 else {
            throw NumericsError(.inconsistentShape, "dimension must be > 0, got \(dimension)", context: "dimension")
        }
        guard values.count % dimension == 0 else {
            throw NumericsError(.inconsistentShape, "\(values.count) values are not rows of \(dimension)", context: "values")
        }
        let rows = values.count / dimension
        guard groupOffsets.first == 0, groupOffsets.last == rows,
            zip(groupOffsets, groupOffsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw NumericsError(
                .inconsistentShape, "group offsets must rise from 0 to the row count \(rows)", context: "groupOffsets")
        }
        self.values = values
        self.dimension = dimension
        self.groupOffsets = groupOffsets
    }

    /// Packs groups of embeddings (every embedding must have the same dimension).
    public init(groups: [[[Double]]]) throws {
        let d = groups.lazy.compactMap { $0.first?.count }.first ?? 1
        var values: [Double] = []
        values.reserveCapacity(groups.reduce(0) { $0 + $1.count } * d)
        var offsets = [0]
        for (g, group) in groups.enumerated() {
            for (i, e) in group.enumerated() {
                guard e.count == d else {
                    throw NumericsError(
                        .inconsistentShape, "has dimension \(e.count), expected \(d)", context: "groups[\(g)].embeddings[\(i)]")
                }
                values.append(contentsOf: e)
            }
            offsets.append(offsets.last! + group.count)
        }
        try self.init(values: values, dimension: d, groupOffsets: offsets)
    }

    /// Number of groups.
    public var groupCount: Int { groupOffsets.count - 1 }
}
