import CVectorKernels

/// The row-wise kernels a BERT encoder needs around its matrix multiplies, on row-major float matrices.
///
/// They work in place on raw pointers so a forward pass reuses one set of buffers; every loop runs eight lanes at a
/// time with a partial vector for the tail, so any column count works.
public enum Kernels {
    /// The lane vector every kernel works in.
    public typealias Vector = VectorMath.Vector
    private static let width = Vector.scalarCount

    /// Which implementation of the softmax and GELU kernels runs.
    public enum Path: Sendable, CaseIterable {
        /// Swift SIMD, for any CPU (the default build targets plain x86-64: SSE2, no FMA).
        case portable
        /// C with AVX2 and FMA (`CVectorKernels`), on CPUs that have them.
        case avx2FMA

        /// The fastest path this CPU runs.
        public static let best: Path = folio_cpu_has_avx2_fma() != 0 ? .avx2FMA : .portable
        /// The paths this CPU can run.
        public static var available: [Path] { best == .avx2FMA ? [.portable, .avx2FMA] : [.portable] }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int, padding: Float) -> Vector {
        var v = Vector(repeating: padding)
        for i in 0 ..< count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count { p[i] = v[i] }
    }

    /// Copies `row` into every row of `matrix`, e.g. a bias before a GEMM that accumulates (`beta: 1`).
    ///
    /// - Parameters:
    ///   - row: `[columns]`.
    ///   - matrix: `[rows, rowStride]`, of which the first `columns` of each row are written.
    public static func broadcast(row: UnsafePointer<Float>, into matrix: UnsafeMutablePointer<Float>,
                                 rows: Int, columns: Int, rowStride: Int) {
        for r in 0 ..< rows {
            (matrix + r * rowStride).update(from: row, count: columns)
        }
    }

    /// `out[i] = (a[i] + b[i]) + c[i]`, e.g. word + token-type + position embeddings in PyTorch's order.
    public static func sum(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + width <= count {
            store((load(a + i) + load(b + i)) + load(c + i), out + i)
            i += width
        }
        while i < count {
            out[i] = (a[i] + b[i]) + c[i]
            i += 1
        }
    }

    /// `x = gelu(x + bias)` row by row, GELU in its exact erf form.
    ///
    /// - Parameters:
    ///   - x: `[rows, columns]`, contiguous.
    ///   - bias: `[columns]`.
    ///   - path: the implementation (tests compare them).
    public static func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                   bias: UnsafePointer<Float>, path: Path = .best) {
        if path == .avx2FMA {
            folio_add_bias_gelu_avx2(x, rows, columns, bias)
            return
        }
        for r in 0 ..< rows {
            let row = x + r * columns
            var j = 0
            while j + width <= columns {
                store(VectorMath.gelu(load(row + j) + load(bias + j)), row + j)
                j += width
            }
            if j < columns {
                let n = columns - j
                store(VectorMath.gelu(load(row + j, count: n, padding: 0) + load(bias + j, count: n, padding: 0)),
                      row + j, count: n)
            }
        }
    }

    /// `x = LayerNorm(x + bias)` row by row: `(v - mean) / sqrt(variance + epsilon) * gamma + beta` with the
    /// biased variance, as PyTorch's `nn.LayerNorm`.
    ///
    /// - Parameters:
    ///   - x: `[rows, columns]`, contiguous.
    ///   - bias: `[columns]` added before normalizing (the preceding `Linear`'s bias), or nil.
    ///   - gamma, beta: `[columns]`.
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                                 bias: UnsafePointer<Float>?, gamma: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, epsilon: Float) {
        precondition(columns > 0, "LayerNorm over zero columns")
        let count = Float(columns)
        for r in 0 ..< rows {
            let row = x + r * columns
            var sum = Vector()
            var tail: Float = 0
            var j = 0
            while j + width <= columns {
                var v = load(row + j)
                if let bias { v += load(bias + j); store(v, row + j) }
                sum += v
                j += width
            }
            while j < columns {
                if let bias { row[j] += bias[j] }
                tail += row[j]
                j += 1
            }
            let mean = (sum.sum() + tail) / count
            let meanVector = Vector(repeating: mean)
            var squares = Vector()
            tail = 0
            j = 0
            while j + width <= columns {
                let d = load(row + j) - meanVector
                squares += d * d
                j += width
            }
            while j < columns {
                let d = row[j] - mean
                tail += d * d
                j += 1
            }
            let variance = (squares.sum() + tail) / count
            let scale = 1 / (variance + epsilon).squareRoot()
            let scaleVector = Vector(repeating: scale)
            j = 0
            while j + width <= columns {
                store((load(row + j) - meanVector) * scaleVector * load(gamma + j) + load(beta + j), row + j)
                j += width
            }
            while j < columns {
                row[j] = (row[j] - mean) * scale * gamma[j] + beta[j]
                j += 1
            }
        }
    }

    /// Softmax of each row in place: `exp(v - max) / sum`.
    ///
    /// - Parameters:
    ///   - x: `[rows, rowStride]`, of which the first `columns` of each row take part.
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int) {
        let inverseSums = UnsafeMutablePointer<Float>.allocate(capacity: max(rows, 1)) // [rows]
        defer { inverseSums.deallocate() }
        exponentiateRows(x, rows: rows, columns: columns, rowStride: rowStride, inverseSums: inverseSums)
        scaleRows(x, rows: rows, columns: columns, rowStride: rowStride, by: inverseSums)
    }

    /// The unnormalized half of a softmax: each row becomes `exp(v - max)` in place and `inverseSums[r]` receives
    /// `1 / Σ exp(v - max)`. Attention multiplies the unnormalized rows by V and scales the (much narrower) product
    /// instead, `(E·V) / sum` rather than `(E / sum)·V`, which saves a pass over the `[length, length]` scores.
    ///
    /// - Parameters:
    ///   - x: `[rows, rowStride]`, of which the first `columns` of each row take part.
    ///   - inverseSums: `[rows]`.
    ///   - path: the implementation (tests compare them).
    public static func exponentiateRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int,
                                        inverseSums: UnsafeMutablePointer<Float>, path: Path = .best) {
        precondition(columns > 0, "softmax over zero columns")
        if path == .avx2FMA {
            folio_exponentiate_rows_avx2(x, rows, columns, rowStride, inverseSums)
            return
        }
        for r in 0 ..< rows {
            let row = x + r * rowStride
            var maxVector = Vector(repeating: -.infinity)
            var j = 0
            while j + width <= columns {
                maxVector = VectorMath.maximum(maxVector, load(row + j))
                j += width
            }
            var maximum = maxVector.max()
            while j < columns {
                maximum = Swift.max(maximum, row[j])
                j += 1
            }
            let shift = Vector(repeating: maximum)
            var sum = Vector()
            j = 0
            while j + width <= columns {
                let e = VectorMath.expNonPositive(load(row + j) - shift)
                store(e, row + j)
                sum += e
                j += width
            }
            if j < columns {
                let n = columns - j
                // Padding lanes get exp(-inf) = 0, so they add nothing to the sum.
                let e = VectorMath.expNonPositive(load(row + j, count: n, padding: -.infinity) - shift)
                store(e, row + j, count: n)
                sum += e
            }
            inverseSums[r] = 1 / sum.sum()
        }
    }

    /// Multiplies row `r` of `x` by `factors[r]`.
    ///
    /// - Parameters:
    ///   - x: `[rows, rowStride]`, of which the first `columns` of each row are scaled.
    ///   - factors: `[rows]`.
    public static func scaleRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int,
                                 by factors: UnsafePointer<Float>) {
        for r in 0 ..< rows {
            let row = x + r * rowStride
            let factor = Vector(repeating: factors[r])
            var j = 0
            while j + width <= columns {
                store(load(row + j) * factor, row + j)
                j += width
            }
            while j < columns {
                row[j] *= factors[r]
                j += 1
            }
        }
    }

    /// The mean of the rows of `x`: mean pooling of token vectors into one sentence vector.
    ///
    /// - Parameters:
    ///   - x: `[rows, columns]`, contiguous; `rows` > 0.
    ///   - out: `[columns]`.
    public static func meanRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                into out: UnsafeMutablePointer<Float>) {
        precondition(rows > 0, "mean of zero rows")
        out.update(repeating: 0, count: columns)
        for r in 0 ..< rows {
            let row = x + r * columns
            var j = 0
            while j + width <= columns {
                store(load(out + j) + load(row + j), out + j)
                j += width
            }
            while j < columns {
                out[j] += row[j]
                j += 1
            }
        }
        let count = Float(rows)
        for j in 0 ..< columns { out[j] /= count }
    }

    /// Scales `x` to unit Euclidean length, `x / max(‖x‖, 1e-12)` like PyTorch's `F.normalize`.
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var squares: Float = 0
        for i in 0 ..< count { squares += x[i] * x[i] }
        let norm = Swift.max(squares.squareRoot(), 1e-12)
        for i in 0 ..< count { x[i] /= norm }
    }
}
