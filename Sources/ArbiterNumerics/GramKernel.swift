/// A vectorised Gram kernel: the upper triangle of E Eᵀ for a small group (n rows of d doubles).
///
/// Each pair of rows is reduced with four independent `SIMD4<Double>` accumulators over
/// 16-element steps, which keeps baseline x86-64 (SSE2) loads and adds busy. Same arithmetic
/// as `cblas_dsyrk`, in another summation order. It exists because Debian's reference BLAS
/// runs `dsyrk` unvectorised (about 4× slower here); docs/performance.md has the measurements.
/// A 2×2 register-blocked variant measured slower on this machine and was dropped.
enum GramKernel {
    /// Writes G_ij = e_i · e_j for j ≥ i into `k` (row-major n×n, upper triangle).
    static func upper(_ e: UnsafePointer<Double>, n: Int, d: Int, k: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(e)
        let rowBytes = d * MemoryLayout<Double>.stride
        let blocks = d / 16
        let tail = blocks * 16
        for i in 0 ..< n {
            let a = raw + i * rowBytes
            for j in i ..< n {
                let b = raw + j * rowBytes
                var s0 = SIMD4<Double>()
                var s1 = SIMD4<Double>()
                var s2 = SIMD4<Double>()
                var s3 = SIMD4<Double>()
                var off = 0
                for _ in 0 ..< blocks {
                    s0 += a.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                        * b.loadUnaligned(fromByteOffset: off, as: SIMD4<Double>.self)
                    s1 += a.loadUnaligned(fromByteOffset: off + 32, as: SIMD4<Double>.self)
                        * b.loadUnaligned(fromByteOffset: off + 32, as: SIMD4<Double>.self)
                    s2 += a.loadUnaligned(fromByteOffset: off + 64, as: SIMD4<Double>.self)
                        * b.loadUnaligned(fromByteOffset: off + 64, as: SIMD4<Double>.self)
                    s3 += a.loadUnaligned(fromByteOffset: off + 96, as: SIMD4<Double>.self)
                        * b.loadUnaligned(fromByteOffset: off + 96, as: SIMD4<Double>.self)
                    off += 128
                }
                var s = ((s0 + s1) + (s2 + s3)).sum()
                let pa = e + i * d
                let pb = e + j * d
                for t in tail ..< d { s += pa[t] * pb[t] }
                k[i * n + j] = s
            }
        }
    }
}
