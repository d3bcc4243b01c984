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

/* Column j of B against np panels (np a constant once inlined, so the chains stay in registers):
 * each lane's chain as kernel_6x16's, A's value times B's added to it k after k; even_odd: as the
 * AVX-512 kernel's, even and odd k in two chains (an odd kc's last k in the even one), even + odd
 * at the end. */
static inline __attribute__((always_inline)) void column_of_panels(int np, int even_odd, int64_t kc, const float *a,
                                                                   int64_t stride, const float *b,
                                                                   const int64_t *offsets, int j, float *out,
                                                                   int cols) {
    __m256 even[GEMM_COLUMN_PANELS], odd[GEMM_COLUMN_PANELS];
    for (int p = 0; p < np; p++) even[p] = odd[p] = _mm256_setzero_ps();
    int64_t k = 0;
    if (even_odd)
        for (; k + 2 <= kc; k += 2) {
            const __m256 be = _mm256_broadcast_ss(B_ROW(k) + j), bo = _mm256_broadcast_ss(B_ROW(k + 1) + j);
            for (int p = 0; p < np; p++) {
                even[p] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p * stride + k * GEMM_MR), be, even[p]);
                odd[p] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p * stride + (k + 1) * GEMM_MR), bo, odd[p]);
            }
        }
    for (; k < kc; k++) {
        const __m256 bk = _mm256_broadcast_ss(B_ROW(k) + j);
        for (int p = 0; p < np; p++)
            even[p] = _mm256_fmadd_ps(_mm256_loadu_ps(a + p * stride + k * GEMM_MR), bk, even[p]);
    }
    for (int p = 0; p < np; p++)
        _mm256_storeu_ps(out + (p * cols + j) * 8, even_odd ? _mm256_add_ps(even[p], odd[p]) : even[p]);
}

static inline __attribute__((always_inline)) void columns(int even_odd, int64_t kc, int panels, const float *a,
                                                          int64_t stride, const float *b, const int64_t *offsets,
                                                          int cols, float *product) {
    /* the chains that fit in 16 registers beside the operands: 8 panels, or 4 with two chains each
     * (so the cases past 4 are never even_odd) */
    const int step = even_odd ? 4 : 8;
    for (int j = 0; j < cols; j++)
        for (int p0 = 0; p0 < panels; p0 += step) {
            const float *ap = a + p0 * stride;
            float *out = product + p0 * cols * 8;
            switch (panels - p0 < step ? panels - p0 : step) {
            case 1: column_of_panels(1, even_odd, kc, ap, stride, b, offsets, j, out, cols); break;
            case 2: column_of_panels(2, even_odd, kc, ap, stride, b, offsets, j, out, cols); break;
            case 3: column_of_panels(3, even_odd, kc, ap, stride, b, offsets, j, out, cols); break;
            case 4: column_of_panels(4, even_odd, kc, ap, stride, b, offsets, j, out, cols); break;
            case 5: column_of_panels(5, 0, kc, ap, stride, b, offsets, j, out, cols); break;
            case 6: column_of_panels(6, 0, kc, ap, stride, b, offsets, j, out, cols); break;
            case 7: column_of_panels(7, 0, kc, ap, stride, b, offsets, j, out, cols); break;
            default: column_of_panels(8, 0, kc, ap, stride, b, offsets, j, out, cols); break;
            }
        }
}

void gemm_columns_avx2(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                       const int64_t *offsets, int cols, float *product) {
    columns(0, kc, panels, a, panel_stride, b, offsets, cols, product);
}

void gemm_columns_even_odd_avx2(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                                const int64_t *offsets, int cols, float *product) {
    columns(1, kc, panels, a, panel_stride, b, offsets, cols, product);
}
