#ifndef FOLIO_CVECTORKERNELS_SHIM_H
#define FOLIO_CVECTORKERNELS_SHIM_H
/* AVX2 + FMA versions of FolioTensor's softmax and GELU kernels, chosen at run time by CPUID. Header only, imported
 * only by FolioTensor.
 *
 * Swift compiles a function for one target CPU per module; the default build targets any x86-64 (SSE2, no FMA),
 * where FolioTensor's eight-lane Swift kernels run as pairs of 128-bit operations. Clang's `target` attribute
 * compiles just these functions for AVX2 and FMA, so one binary still runs everywhere and uses the wider units
 * where they exist. The arithmetic is the Swift kernels' (same Cephes exp and Eigen erf polynomials), with fused
 * multiply-adds, which round once instead of twice. */

#include <stddef.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define FOLIO_AVX2_FMA __attribute__((target("avx2,fma")))

/* 1 when the CPU and the OS (saved YMM state) support AVX2 and FMA, else 0. */
static inline int folio_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & fma) == 0 || (c & osxsave) == 0 || (c & avx) == 0) return 0;
    unsigned xcr0, xcr0High;
    __asm__ volatile("xgetbv" : "=a"(xcr0), "=d"(xcr0High) : "c"(0));
    if ((xcr0 & 6) != 6) return 0; /* XMM and YMM state */
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) != 0; /* AVX2 */
}

/* Lanes 0..<n set (n in 0...8). */
static inline FOLIO_AVX2_FMA __m256i folio_tail_mask(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline FOLIO_AVX2_FMA float folio_horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline FOLIO_AVX2_FMA float folio_horizontal_max(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* e^x per lane for x <= 0 (and -inf): Cody-Waite reduction x = n ln2 + r, Cephes' degree-6 polynomial, 2^n through
 * the exponent bits; below -87.34 the result is 0. */
static inline FOLIO_AVX2_FMA __m256 folio_exp_nonpositive8(__m256 a) {
    const __m256 low = _mm256_set1_ps(-87.33654f);
    const __m256 x = _mm256_max_ps(a, low);
    const __m256 magic = _mm256_set1_ps(12582912.0f); /* 1.5 * 2^23: rounds to an integer in the low bits */
    const __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), magic);
    const __m256 n = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(1.98756915e-4f), r, _mm256_set1_ps(1.39819995e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.33345190e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.16657959e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.66666655e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.00000012e-1f));
    p = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000 - 127));
    const __m256 scaled = _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)));
    return _mm256_andnot_ps(_mm256_cmp_ps(a, low, _CMP_LT_OQ), scaled);
}

/* erf per lane: x P(x^2) / Q(x^2) on [-4, 4], +-1 outside (the minimax rational approximation Eigen and XLA use). */
static inline FOLIO_AVX2_FMA __m256 folio_erf8(__m256 a) {
    const __m256 x = _mm256_max_ps(_mm256_min_ps(a, _mm256_set1_ps(4.0f)), _mm256_set1_ps(-4.0f));
    const __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.72614225801306e-10f), _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-1.60960333262415e-02f));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(-1.45660718464996e-05f), _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.42647390514189e-02f));
    return _mm256_div_ps(p, q);
}

/* GELU in its exact form, x/2 (1 + erf(x / sqrt 2)). */
static inline FOLIO_AVX2_FMA __m256 folio_gelu8(__m256 x) {
    const __m256 e = folio_erf8(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* x = gelu(x + bias) for x [rows, columns] (contiguous), bias [columns]. */
static inline FOLIO_AVX2_FMA void folio_add_bias_gelu_avx2(float *x, long rows, long columns, const float *bias) {
    const long whole = columns & ~7L;
    const __m256i tail = folio_tail_mask(columns - whole);
    for (long r = 0; r < rows; r++) {
        float *row = x + r * columns;
        long j = 0;
        for (; j < whole; j += 8) {
            _mm256_storeu_ps(row + j, folio_gelu8(_mm256_add_ps(_mm256_loadu_ps(row + j), _mm256_loadu_ps(bias + j))));
        }
        if (j < columns) {
            const __m256 v = _mm256_add_ps(_mm256_maskload_ps(row + j, tail), _mm256_maskload_ps(bias + j, tail));
            _mm256_maskstore_ps(row + j, tail, folio_gelu8(v));
        }
    }
}

/* Each row of x [rows, stride] (its first `columns`) becomes exp(v - max) in place; inverse_sums[r] = 1 / sum. */
static inline FOLIO_AVX2_FMA void folio_exponentiate_rows_avx2(float *x, long rows, long columns, long stride,
                                                               float *inverse_sums) {
    const long whole = columns & ~7L;
    const __m256i tail = folio_tail_mask(columns - whole);
    const __m256 negativeInfinity = _mm256_set1_ps(-__builtin_inff());
    for (long r = 0; r < rows; r++) {
        float *row = x + r * stride;
        __m256 maxima = negativeInfinity;
        long j = 0;
        for (; j < whole; j += 8) maxima = _mm256_max_ps(maxima, _mm256_loadu_ps(row + j));
        /* Masked-off lanes load as 0; -inf takes their place so they neither raise the maximum nor add to the sum. */
        const __m256 last = _mm256_blendv_ps(negativeInfinity, _mm256_maskload_ps(row + whole, tail),
                                             _mm256_castsi256_ps(tail));
        maxima = _mm256_max_ps(maxima, last);
        const __m256 shift = _mm256_set1_ps(folio_horizontal_max(maxima));
        __m256 sum = _mm256_setzero_ps();
        for (j = 0; j < whole; j += 8) {
            const __m256 e = folio_exp_nonpositive8(_mm256_sub_ps(_mm256_loadu_ps(row + j), shift));
            _mm256_storeu_ps(row + j, e);
            sum = _mm256_add_ps(sum, e);
        }
        if (whole < columns) {
            const __m256 e = folio_exp_nonpositive8(_mm256_sub_ps(last, shift));
            _mm256_maskstore_ps(row + whole, tail, e);
            sum = _mm256_add_ps(sum, e);
        }
        inverse_sums[r] = 1.0f / folio_horizontal_sum(sum);
    }
}

#else /* Not x86-64: the portable Swift kernels run; these are never called. */
static inline int folio_cpu_has_avx2_fma(void) { return 0; }
static inline void folio_add_bias_gelu_avx2(float *x, long rows, long columns, const float *bias) {
    (void)x; (void)rows; (void)columns; (void)bias;
}
static inline void folio_exponentiate_rows_avx2(float *x, long rows, long columns, long stride, float *inverse_sums) {
    (void)x; (void)rows; (void)columns; (void)stride; (void)inverse_sums;
}
#endif
#endif
