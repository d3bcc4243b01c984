/* The AVX2 + FMA micro-kernels. 6 x 16: 12 ymm accumulators (6 rows x 2 vectors of 8), per k two
 * loads of B and six broadcasts of A; 6 x 8, for edge tiles of at most 8 columns. Each body serves
 * the packed kernel (B row k at b + k * NR) and the indirect one (B row k at b + offsets[k]).
 * Compiled with -mavx2 -mfma for this file only (CMake); called only when the CPU has both. */
#include "gemm.h"

#include <immintrin.h>

#define B_ROW(k) (offsets != NULL ? b + offsets[k] : b + (k) * GEMM_NR)

/* One finished vector of row r: the product acc started at the bias or added to what is at to,
 * clamped, stored (gemm.h). max(lo, v) and min(hi, v) return v when v is NaN (the second operand),
 * as the scalar clamp. */
static inline __attribute__((always_inline)) void finish(__m256 acc, float *to, const gemm_epilogue_values *e, int r) {
    __m256 v = e->start ? _mm256_add_ps(acc, _mm256_set1_ps(e->bias[r])) : _mm256_add_ps(_mm256_loadu_ps(to), acc);
    if (e->clamp) v = _mm256_min_ps(_mm256_set1_ps(e->hi), _mm256_max_ps(_mm256_set1_ps(e->lo), v));
    _mm256_storeu_ps(to, v);
}

static inline __attribute__((always_inline)) void kernel_6x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    /* Unrolled by 4: the loop's own adds and branch per 12 FMAs cost a quarter of the FMA rate
     * on Zen 5 (measured: 70 -> 98 GFLOP/s on one core, panels in L1). */
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; k++) {
        const float *bk = B_ROW(k);
        const __m256 b0 = _mm256_loadu_ps(bk), b1 = _mm256_loadu_ps(bk + 8);
        __m256 ai = _mm256_broadcast_ss(a + 0);
        c00 = _mm256_fmadd_ps(ai, b0, c00), c01 = _mm256_fmadd_ps(ai, b1, c01);
        ai = _mm256_broadcast_ss(a + 1);
        c10 = _mm256_fmadd_ps(ai, b0, c10), c11 = _mm256_fmadd_ps(ai, b1, c11);
        ai = _mm256_broadcast_ss(a + 2);
        c20 = _mm256_fmadd_ps(ai, b0, c20), c21 = _mm256_fmadd_ps(ai, b1, c21);
        ai = _mm256_broadcast_ss(a + 3);
        c30 = _mm256_fmadd_ps(ai, b0, c30), c31 = _mm256_fmadd_ps(ai, b1, c31);
        ai = _mm256_broadcast_ss(a + 4);
        c40 = _mm256_fmadd_ps(ai, b0, c40), c41 = _mm256_fmadd_ps(ai, b1, c41);
        ai = _mm256_broadcast_ss(a + 5);
        c50 = _mm256_fmadd_ps(ai, b0, c50), c51 = _mm256_fmadd_ps(ai, b1, c51);
        a += GEMM_MR;
    }
    const __m256 rows[GEMM_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const gemm_epilogue_values values = gemm_epilogue_read(e);
#pragma GCC unroll 6
    for (int r = 0; r < GEMM_MR; r++)
        finish(rows[r][0], c + r * ldc, &values, r), finish(rows[r][1], c + r * ldc + 8, &values, r);
}

/* The first 8 columns of kernel_6x16, with the same operations in the same order (so a column
 * has the same bits whichever kernel computed it, whatever the thread split): six dependent FMA
 * chains, latency-bound at about 2/3 of the 6 x 16 tile's time for half its work. */
static inline __attribute__((always_inline)) void kernel_6x8(int64_t kc, const float *a, const float *b,
                                                             const int64_t *offsets, float *c, int64_t ldc,
                                                             const gemm_epilogue *e) {
    __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps();
    __m256 c3 = _mm256_setzero_ps(), c4 = _mm256_setzero_ps(), c5 = _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(B_ROW(k));
        c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 0), b0, c0);
        c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 1), b0, c1);
        c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 2), b0, c2);
        c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 3), b0, c3);
        c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 4), b0, c4);
        c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + 5), b0, c5);
        a += GEMM_MR;
    }
    const __m256 rows[GEMM_MR] = {c0, c1, c2, c3, c4, c5};
    const gemm_epilogue_values values = gemm_epilogue_read(e);
#pragma GCC unroll 6
    for (int r = 0; r < GEMM_MR; r++) finish(rows[r], c + r * ldc, &values, r);
}

GEMM_KERNEL_ENTRY_POINTS(avx2)
