import CBLAS

/// The BLAS formulation of token-weighted whitening, kept to measure against the fused loop
/// (see docs/performance.md): mask into x and w (0 where missing), Σw by `dasum`, Σwx by
/// `ddot`, y = diag(w)·x by `dsbmv` with bandwidth 0, Σwx² by `ddot`, then one output loop.
struct BLASWhitening {
    var x: [Double]
    var w: [Double]
    var y: [Double]

    init(count: Int) {
        x = [Double](repeating: 0, count: count)
        w = x
        y = x
    }

    mutating func whiten(_ batch: RewardBatch, epsilon: Double, into out: inout [Double]) {
        let n = batch.sampleCount
        let nn = Int32(n)
        batch.rewards.withUnsafeBufferPointer { r in
            batch.lengths.withUnsafeBufferPointer { len in
                x.withUnsafeMutableBufferPointer { x in
                    w.withUnsafeMutableBufferPointer { w in
                        y.withUnsafeMutableBufferPointer { y in
                            out.withUnsafeMutableBufferPointer { out in
                                for i in 0 ..< n {
                                    let v = r[i]
                                    let valid = v == v
                                    x[i] = valid ? v : 0
                                    w[i] = valid ? len[i] : 0
                                }
                                let sw = cblas_dasum(nn, w.baseAddress, 1)
                                let swx = cblas_ddot(nn, w.baseAddress, 1, x.baseAddress, 1)
                                cblas_dsbmv(CblasRowMajor, CblasUpper, nn, 0, 1, w.baseAddress, 1, x.baseAddress, 1, 0, y.baseAddress, 1)
                                let swx2 = cblas_ddot(nn, y.baseAddress, 1, x.baseAddress, 1)
                                let mu = sw > 0 ? swx / sw : 0
                                let variance = sw > 0 ? max(swx2 / sw - mu * mu, 0) : 0
                                let inv = 1 / (variance + epsilon).squareRoot()
                                for i in 0 ..< n {
                                    let v = r[i]
                                    out[i] = v == v ? (v - mu) * inv : 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Ways to form the n×n Gram matrix of a group, timed against each other.
struct GramVariants {
    enum Method: String, CaseIterable {
        case dsyrk = "cblas_dsyrk"
        case dgemm = "cblas_dgemm"
        case loop = "Swift loop"
        case simd = "Swift SIMD4 kernel"
    }

    var gram: [Double]
    let n: Int

    init(n: Int) {
        self.n = n
        gram = [Double](repeating: 0, count: n * n)
    }

    mutating func run(_ method: Method, _ batch: EmbeddingBatch) {
        let d = batch.dimension
        let nn = Int32(n)
        let dd = Int32(d)
        batch.values.withUnsafeBufferPointer { v in
            gram.withUnsafeMutableBufferPointer { k in
                for g in 0 ..< batch.groupCount {
                    let e = v.baseAddress! + batch.groupOffsets[g] * d
                    switch method {
                    case .dsyrk:
                        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, nn, dd, 1, e, dd, 0, k.baseAddress, nn)
                    case .dgemm:
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nn, nn, dd, 1, e, dd, e, dd, 0, k.baseAddress, nn)
                    case .simd:
                        GramKernel.upper(e, n: n, d: d, k: k.baseAddress!)
                    case .loop:
                        for i in 0 ..< n {
                            for j in i ..< n {
                                var s = 0.0
                                let a = e + i * d
                                let b = e + j * d
                                for t in 0 ..< d { s += a[t] * b[t] }
                                k[i * n + j] = s
                            }
                        }
                    }
                }
            }
        }
    }
}
