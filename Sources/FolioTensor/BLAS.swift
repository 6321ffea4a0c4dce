import COpenBLAS

/// The one door to OpenBLAS: single-precision matrix multiply on row-major matrices.
public enum BLAS {
    /// Callers parallelize over independent batches themselves, so OpenBLAS runs each call on the calling thread:
    /// for this model's shapes two single-threaded GEMMs side by side beat one GEMM split over two threads (and
    /// per-head attention GEMMs lose half their speed to OpenBLAS's threading).
    private static let singleThreaded: Void = {
        openblas_set_num_threads(1)
    }()

    /// Makes OpenBLAS run on the calling thread. Called by ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``;
    /// call it before timing code so the first GEMM is not charged for it.
    public static func prepare() {
        _ = singleThreaded
    }

    /// `C = alpha * op(A) * op(B) + beta * C` with row-major storage, where `op(X)` is `X` or its transpose.
    ///
    /// - Parameters:
    ///   - transposeA: use Aᵀ; A is then stored `[k, m]`, else `[m, k]`.
    ///   - transposeB: use Bᵀ; B is then stored `[n, k]` (a PyTorch `Linear` weight `[out, in]`), else `[k, n]`.
    ///   - m, n, k: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, C is `[m, n]`.
    ///   - lda, ldb, ldc: row strides in elements, so a matrix can be a column slice of a wider one.
    ///   - beta: 0 overwrites C (which may then hold garbage); 1 accumulates into it.
    /// - Complexity: O(m·n·k).
    @inline(__always)
    public static func sgemm(transposeA: Bool = false, transposeB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0,
                             c: UnsafeMutablePointer<Float>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative GEMM dimension")
        precondition(lda >= max(1, transposeA ? m : k), "lda too small")
        precondition(ldb >= max(1, transposeB ? k : n), "ldb too small")
        precondition(ldc >= max(1, n), "ldc too small")
        if m == 0 || n == 0 { return }
        prepare()
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}
