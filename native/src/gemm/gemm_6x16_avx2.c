/* The AVX2 + FMA micro-kernels. 6 x 16: 12 ymm accumulators (6 rows x 2 vectors of 8), per k two
 * loads of B and six broadcasts of A; 6 x 8, for edge tiles of at most 8 columns; 4 x 16, for a
 * last panel of at most 4 rows. Each body serves the packed kernel (B row k at b + k * NR) and
 * the indirect one (B row k at b + offsets[k]).
 * Compiled with -mavx2 -mfma for this file only (CMake); called only when the CPU has both. */
#include "gemm.h"

#include <immintrin.h>

#define B_ROW(k) (offsets != NULL ? b + offsets[k] : b + (k) * GEMM_NR)

/* One finished vector of row r: the product acc started at the bias or added to what is at to,
 * clamped, stored (gemm.h). max(lo, v) and min(hi, v) return v when v is NaN (the second operand),
 * as the scalar clamp. */
static inline __attribute__((always_inline)) void finish(__m256 acc, float *to, const gemm_epilogue_values *e, int r) {
    __m256 v = e->start ? _mm256_add_ps(acc, _mm256_broadcast_ss(e->bias + r)) : _mm256_add_ps(_mm256_loadu_ps(to), acc);
    if (e->clamp) v = _mm256_min_ps(_mm256_set1_ps(e->hi), _mm256_max_ps(_mm256_set1_ps(e->lo), v));
    _mm256_storeu_ps(to, v);
}

/* The first `rows` (6, or 4 for a last panel's few rows) rows of the 6 x 16 product: the same
 * operations in the same order for each lane, rows 4 and 5 left out (rows is a constant once
 * inlined). */
static inline __attribute__((always_inline)) void kernel_rows_x16(int rows, int64_t kc, const float *a,
                                                                  const float *b, const int64_t *offsets, float *c,
                                                                  int64_t ldc, const gemm_epilogue *e) {
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
        if (rows > 4) {
            ai = _mm256_broadcast_ss(a + 4);
            c40 = _mm256_fmadd_ps(ai, b0, c40), c41 = _mm256_fmadd_ps(ai, b1, c41);
            ai = _mm256_broadcast_ss(a + 5);
            c50 = _mm256_fmadd_ps(ai, b0, c50), c51 = _mm256_fmadd_ps(ai, b1, c51);
        }
        a += GEMM_MR;
    }
    const __m256 sums[GEMM_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    const gemm_epilogue_values values = gemm_epilogue_read(e);
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++)
        finish(sums[r][0], c + r * ldc, &values, r), finish(sums[r][1], c + r * ldc + 8, &values, r);
}

static inline __attribute__((always_inline)) void kernel_6x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    kernel_rows_x16(GEMM_MR, kc, a, b, offsets, c, ldc, e);
}

/* Eight chains, as many as two 4-cycle FMA pipes need: 4 cycles per k against the 6 x 16's 6. */
static inline __attribute__((always_inline)) void kernel_4x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    kernel_rows_x16(4, kc, a, b, offsets, c, ldc, e);
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

/* Panels [0, np) of A against all `nc` columns of B at once (np and nc constants once inlined, so
 * the chains stay in registers), each A row loaded once for every column: a chain per panel and
 * column as kernel_6x16's lane, A's value times B's added to it k after k; even_odd: as the
 * AVX-512 kernel's, even and odd k in two chains (an odd kc's last k in the even one), even + odd
 * at the end. */
static inline __attribute__((always_inline)) void panels_by_columns(int np, int nc, int even_odd, int64_t kc,
                                                                    const float *a, int64_t stride, const float *b,
                                                                    const int64_t *offsets, float *out) {
    __m256 even[GEMM_COLUMN_PANELS][GEMM_COLUMNS_MAX], odd[GEMM_COLUMN_PANELS][GEMM_COLUMNS_MAX];
    for (int p = 0; p < np; p++)
        for (int j = 0; j < nc; j++) even[p][j] = odd[p][j] = _mm256_setzero_ps();
    int64_t k = 0;
    if (even_odd)
        for (; k + 2 <= kc; k += 2) {
            __m256 bj[GEMM_COLUMNS_MAX];
            for (int j = 0; j < nc; j++) bj[j] = _mm256_broadcast_ss(B_ROW(k) + j);
            for (int p = 0; p < np; p++) {
                const __m256 ap = _mm256_loadu_ps(a + p * stride + k * GEMM_MR);
                for (int j = 0; j < nc; j++) even[p][j] = _mm256_fmadd_ps(ap, bj[j], even[p][j]);
            }
            for (int j = 0; j < nc; j++) bj[j] = _mm256_broadcast_ss(B_ROW(k + 1) + j);
            for (int p = 0; p < np; p++) {
                const __m256 ap = _mm256_loadu_ps(a + p * stride + (k + 1) * GEMM_MR);
                for (int j = 0; j < nc; j++) odd[p][j] = _mm256_fmadd_ps(ap, bj[j], odd[p][j]);
            }
        }
    for (; k < kc; k++) {
        __m256 bj[GEMM_COLUMNS_MAX];
        for (int j = 0; j < nc; j++) bj[j] = _mm256_broadcast_ss(B_ROW(k) + j);
        for (int p = 0; p < np; p++) {
            const __m256 ap = _mm256_loadu_ps(a + p * stride + k * GEMM_MR);
            for (int j = 0; j < nc; j++) even[p][j] = _mm256_fmadd_ps(ap, bj[j], even[p][j]);
        }
    }
    for (int p = 0; p < np; p++)
        for (int j = 0; j < nc; j++)
            _mm256_storeu_ps(out + (p * nc + j) * 8, even_odd ? _mm256_add_ps(even[p][j], odd[p][j]) : even[p][j]);
}

/* The panels whose chains fit in 16 registers beside the operands (nc broadcasts of B and an A
 * row): at most 12 chains, 15 - nc. Fewer panels at once only re-read B's broadcasts from L1; A's
 * rows, which stream from L2, are read once whatever the count. */
static inline int panels_per_block(int nc, int even_odd) {
    const int chains = 15 - nc < 12 ? 15 - nc : 12, fit = chains / (nc * (even_odd ? 2 : 1));
    return fit < GEMM_COLUMN_PANELS ? fit : GEMM_COLUMN_PANELS;
}

static inline __attribute__((always_inline)) void columns_of(int nc, int even_odd, int64_t kc, int panels,
                                                             const float *a, int64_t stride, const float *b,
                                                             const int64_t *offsets, float *product) {
    const int step = panels_per_block(nc, even_odd);
    for (int p0 = 0; p0 < panels; p0 += step) {
        const float *ap = a + p0 * stride;
        float *out = product + p0 * nc * 8;
        switch (panels - p0 < step ? panels - p0 : step) {
        case 1: panels_by_columns(1, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 2: panels_by_columns(2, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 3: panels_by_columns(3, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 4: panels_by_columns(4, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 5: panels_by_columns(5, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 6: panels_by_columns(6, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        case 7: panels_by_columns(7, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        default: panels_by_columns(8, nc, even_odd, kc, ap, stride, b, offsets, out); break;
        }
    }
}

_Static_assert(GEMM_COLUMNS_MAX == 4, "columns() takes 1-4 columns");

static inline __attribute__((always_inline)) void columns(int even_odd, int64_t kc, int panels, const float *a,
                                                          int64_t stride, const float *b, const int64_t *offsets,
                                                          int cols, float *product) {
    switch (cols) {
    case 1: columns_of(1, even_odd, kc, panels, a, stride, b, offsets, product); break;
    case 2: columns_of(2, even_odd, kc, panels, a, stride, b, offsets, product); break;
    case 3: columns_of(3, even_odd, kc, panels, a, stride, b, offsets, product); break;
    default: columns_of(4, even_odd, kc, panels, a, stride, b, offsets, product); break;
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
