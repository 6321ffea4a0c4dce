#ifndef FOLIO_CINTRINSICS_SHIM_H
#define FOLIO_CINTRINSICS_SHIM_H
/* What Swift does not expose and FolioIndex's hot loops need. Header only, imported only by FolioIndex. */

/* One prefetcht0: the graph walk jumps between random records, so it asks for the next one early. */
static inline __attribute__((always_inline)) void folio_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/* Which vector instructions the build may use (FOLIO_TARGET_CPU passes -march to this header too). Swift's SIMD
 * `addingProduct` is one vfmadd with FMA and a libm fmaf call per lane without it. */
#if defined(__FMA__)
#define FOLIO_TARGET_HAS_FMA 1
#else
#define FOLIO_TARGET_HAS_FMA 0
#endif
#if defined(__AVX512F__)
#define FOLIO_TARGET_HAS_AVX512 1
#else
#define FOLIO_TARGET_HAS_AVX512 0
#endif
#endif
