import ArbiterNumerics
import Testing

@Suite("Diversity")
struct DiversityTests {
    @Test("identical embeddings: Vendi 1, cosine 1")
    func identical() throws {
        var c = DiversityCalculator()
        let m = try c.metrics(Array(repeating: [0.3, -1.2, 4, 0.5], count: 6))
        #expect(close(m.vendi, 1, relative: 1e-9))
        #expect(close(m.meanPairwiseCosine, 1))
        // Parallel vectors of different lengths are the same direction.
        let scaled = try c.metrics([[1, 2, 3], [2, 4, 6], [0.1, 0.2, 0.3]])
        #expect(close(scaled.vendi, 1, relative: 1e-9) && close(scaled.meanPairwiseCosine, 1))
    }

    @Test("orthogonal embeddings: Vendi n, cosine 0")
    func orthogonal() throws {
        var c = DiversityCalculator()
        for n in [2, 5, 16] {
            let rows = (0 ..< n).map { i in (0 ..< (n + 3)).map { $0 == i ? Double(i + 1) : 0 } }
            let m = try c.metrics(rows)
            #expect(close(m.vendi, Double(n)), "n = \(n): \(m.vendi)")
            #expect(abs(m.meanPairwiseCosine) < 1e-15)
        }
    }

    @Test("two clusters: Vendi 2")
    func twoClusters() throws {
        var c = DiversityCalculator()
        let m = try c.metrics([[1, 0], [1, 0], [0, 1], [0, 1]])
        #expect(close(m.vendi, 2))
        #expect(close(m.meanPairwiseCosine, 2.0 / 6))
    }

    @Test("batch API matches the per-group API; bad groups are errors")
    func batchAndErrors() throws {
        var rng = TestRNG(5)
        let groups = (0 ..< 4).map { _ in (0 ..< 5).map { _ in (0 ..< 7).map { _ in rng.unit() - 0.5 } } }
        var c = DiversityCalculator()
        let batch = try c.metrics(for: EmbeddingBatch(groups: groups))
        for (g, rows) in groups.enumerated() { #expect(batch[g] == (try c.metrics(rows))) }
        #expect(try c.metrics([[1, 2]]) == DiversityMetrics(meanPairwiseCosine: 1, vendi: 1))
        #expect(throws: NumericsError.self) { try c.metrics([]) }
        #expect(throws: NumericsError.self) { try c.metrics([[1, 0], [0, 0]]) }
        #expect(throws: NumericsError.self) { try c.metrics([[1, 0], [0, 1, 2]]) }
        #expect(throws: NumericsError.self) { try c.metrics([[1, .nan], [0, 1]]) }
    }

    @Test("the vectorised and BLAS Gram paths agree", arguments: [1, 3, 15, 16, 17, 40])
    func gramMethodsAgree(dimension: Int) throws {
        var rng = TestRNG(UInt64(dimension))
        let rows = (0 ..< 7).map { _ in (0 ..< dimension).map { _ in rng.unit() - 0.5 } }
        var v = DiversityCalculator(gramMethod: .vectorized)
        var b = DiversityCalculator(gramMethod: .blas)
        let mv = try v.metrics(rows)
        let mb = try b.metrics(rows)
        #expect(close(mv.meanPairwiseCosine, mb.meanPairwiseCosine, relative: 1e-12, absolute: 1e-14))
        #expect(close(mv.vendi, mb.vendi, relative: 1e-12))
    }

    @Test("distinct-n")
    func distinctN() throws {
        let d1 = try DistinctN(n: 1)
        let d2 = try DistinctN(n: 2)
        #expect(d1.score(tokenSequences: [[1, 2, 3], [1, 2, 4]]) == 4.0 / 6)
        #expect(d2.score(tokenSequences: [[1, 2, 3], [1, 2, 4]]) == 3.0 / 4)
        #expect(d2.score(tokenSequences: [[1], []]) == 0)
        #expect(d1.score(texts: ["the cat sat", "the  dog\tsat"]) == 4.0 / 6)
        #expect(d2.score(texts: ["a b a b"]) == 2.0 / 3)
        #expect(throws: NumericsError.self) { try DistinctN(n: 0) }
    }
}
