/* The AVX-512 micro-kernels (6 x 16, 6 x 8 and 4 x 16, packed and indirect, one body): one zmm of 16
 * floats per tile row (the 6 x 8 kernel reads and writes only the first 8 columns of c). Six rows
 * give only six FMA chains, fewer than the 8-10 in flight that two FMA pipes of 4-cycle latency
 * need, so even and odd k accumulate into separate registers (12 chains) summed at the end. Per k: one load of B and six FMAs whose A operand is a broadcast from
 * memory. Compiled with -mavx512f -mfma for this file only (CMake); called only when the CPU and
 * the OS have AVX-512.
 *
 * The tests also compile this file against SIMDe's portable AVX-512 (JCONV_AVX512_EMULATED), so
 * that the kernel is checked on machines without AVX-512 too. */
#include "gemm.h"

#include <string.h>

#ifdef JCONV_AVX512_EMULATED
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif

#define FMA_ROW(acc, a_row, bk) acc = _mm512_fmadd_ps(_mm512_set1_ps(a_row), bk, acc)

/* The 6 x 16 product; c is read and written in all 16 columns, or (narrow) in the first 8 only,
 * from the low halves of the same registers (B's rows are 16 floats wide in the panels and the
 * band alike, so the loads stay inside); in the first `rows` rows (6, or 4 for a last panel's
 * few: rows 4 and 5 left out, the other lanes' operations unchanged). */
static inline __attribute__((always_inline)) void kernel_6xn(int rows, int narrow, int64_t kc, const float *a,
                                                             const float *b, const int64_t *offsets, float *c,
                                                             int64_t ldc, const gemm_epilogue *e) {
    __m512 e0 = _mm512_setzero_ps(), e1 = _mm512_setzero_ps(), e2 = _mm512_setzero_ps();
    __m512 e3 = _mm512_setzero_ps(), e4 = _mm512_setzero_ps(), e5 = _mm512_setzero_ps();
    __m512 o0 = _mm512_setzero_ps(), o1 = _mm512_setzero_ps(), o2 = _mm512_setzero_ps();
    __m512 o3 = _mm512_setzero_ps(), o4 = _mm512_setzero_ps(), o5 = _mm512_setzero_ps();
    int64_t k = 0;
#pragma GCC unroll 2
    for (; k + 2 <= kc; k += 2) {
        const __m512 even = _mm512_loadu_ps(offsets != NULL ? b + offsets[k] : b + k * GEMM_NR);
        const __m512 odd = _mm512_loadu_ps(offsets != NULL ? b + offsets[k + 1] : b + (k + 1) * GEMM_NR);
        FMA_ROW(e0, a[0], even), FMA_ROW(e1, a[1], even), FMA_ROW(e2, a[2], even), FMA_ROW(e3, a[3], even);
        if (rows > 4) FMA_ROW(e4, a[4], even), FMA_ROW(e5, a[5], even);
        FMA_ROW(o0, a[6], odd), FMA_ROW(o1, a[7], odd), FMA_ROW(o2, a[8], odd), FMA_ROW(o3, a[9], odd);
        if (rows > 4) FMA_ROW(o4, a[10], odd), FMA_ROW(o5, a[11], odd);
        a += 2 * GEMM_MR;
    }
    if (k < kc) {
        const __m512 last = _mm512_loadu_ps(offsets != NULL ? b + offsets[k] : b + k * GEMM_NR);
        FMA_ROW(e0, a[0], last), FMA_ROW(e1, a[1], last), FMA_ROW(e2, a[2], last), FMA_ROW(e3, a[3], last);
        if (rows > 4) FMA_ROW(e4, a[4], last), FMA_ROW(e5, a[5], last);
    }
    const __m512 sums[GEMM_MR] = {_mm512_add_ps(e0, o0), _mm512_add_ps(e1, o1), _mm512_add_ps(e2, o2),
                                  _mm512_add_ps(e3, o3), _mm512_add_ps(e4, o4), _mm512_add_ps(e5, o5)};
    /* the epilogue (gemm.h); max(lo, v) and min(hi, v) return v when v is NaN, as the scalar clamp */
    const gemm_epilogue_values values = gemm_epilogue_read(e);
    const __m512 lo = _mm512_set1_ps(values.lo), hi = _mm512_set1_ps(values.hi);
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++) {
        float *to = c + r * ldc;
        if (narrow) { /* the same lane operations on the low 8 lanes */
            const __m256 acc = _mm512_castps512_ps256(sums[r]);
            __m256 v = values.start ? _mm256_add_ps(acc, _mm256_set1_ps(values.bias[r]))
                                    : _mm256_add_ps(_mm256_loadu_ps(to), acc);
            if (values.clamp) v = _mm256_min_ps(_mm512_castps512_ps256(hi), _mm256_max_ps(_mm512_castps512_ps256(lo), v));
            _mm256_storeu_ps(to, v);
            continue;
        }
        __m512 v = values.start ? _mm512_add_ps(sums[r], _mm512_set1_ps(values.bias[r]))
                                : _mm512_add_ps(_mm512_loadu_ps(to), sums[r]);
        if (values.clamp) v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
        _mm512_storeu_ps(to, v);
    }
}

static inline __attribute__((always_inline)) void kernel_6x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    kernel_6xn(GEMM_MR, 0, kc, a, b, offsets, c, ldc, e);
}

/* The first 8 columns of the same lanes, so the bits are those of kernel_6x16. A ymm k loop
 * would not be faster here: a zmm FMA costs what a ymm one does. */
static inline __attribute__((always_inline)) void kernel_6x8(int64_t kc, const float *a, const float *b,
                                                             const int64_t *offsets, float *c, int64_t ldc,
                                                             const gemm_epilogue *e) {
    kernel_6xn(GEMM_MR, 1, kc, a, b, offsets, c, ldc, e);
}

/* The first 4 rows of the same lanes: 8 chains (even and odd k of 4 rows), as many as two 4-cycle
 * FMA pipes need. */
static inline __attribute__((always_inline)) void kernel_4x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    kernel_6xn(4, 0, kc, a, b, offsets, c, ldc, e);
}

/* Two whole tiles side by side: c's 32 columns, the first tile's B row k at b + k * NR (or b +
 * offsets[k]), the second's at b2 + the same; the first `rows` rows (6, or 4 for a last panel's
 * few: rows 4 and 5 left out). Each lane makes the same operations in the same order as in
 * kernel_6xn (even and odd k apart, summed at the end), so the bits are that kernel's; the
 * broadcasts of A serve both tiles. Per two k: 4 loads of B, 12 broadcasts and 24 FMAs into 24
 * accumulators, where kernel_6xn needs 7 loads per 6 FMAs and stalls on them. */
#define PAIR_ROW(r, even_b0, even_b1, odd_b0, odd_b1)                                \
    do {                                                                           \
        const __m512 ae = _mm512_set1_ps(a[r]), ao = _mm512_set1_ps(a[GEMM_MR + r]); \
        e##r##0 = _mm512_fmadd_ps(ae, even_b0, e##r##0);                           \
        e##r##1 = _mm512_fmadd_ps(ae, even_b1, e##r##1);                           \
        o##r##0 = _mm512_fmadd_ps(ao, odd_b0, o##r##0);                            \
        o##r##1 = _mm512_fmadd_ps(ao, odd_b1, o##r##1);                            \
    } while (0)
#define LAST_ROW(r)                                                  \
    e##r##0 = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), lb0, e##r##0), \
    e##r##1 = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), lb1, e##r##1)

/* The first n (1-15) floats at p, the others 0; and the first n lanes of v stored to p: nothing past
 * them is read or written. (SIMDe has no masked 512-bit loads and stores: a copy there.) */
static inline __attribute__((always_inline)) __m512 load_first(const float *p, int n) {
#ifdef JCONV_AVX512_EMULATED
    float lanes[16] = {0};
    memcpy(lanes, p, (size_t)n * sizeof(float));
    return _mm512_loadu_ps(lanes);
#else
    return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#endif
}

static inline __attribute__((always_inline)) void store_first(float *p, __m512 v, int n) {
#ifdef JCONV_AVX512_EMULATED
    float lanes[16];
    _mm512_storeu_ps(lanes, v);
    memcpy(p, lanes, (size_t)n * sizeof(float));
#else
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
#endif
}

/* Two k of the pair: B's rows at b + even and b2 + even, then at odd; A's two rows of MR at a. */
#define PAIR_STEP(even, odd)                                                           \
    do {                                                                               \
        const __m512 eb0 = _mm512_loadu_ps(b + (even)), eb1 = _mm512_loadu_ps(b2 + (even)); \
        const __m512 ob0 = _mm512_loadu_ps(b + (odd)), ob1 = _mm512_loadu_ps(b2 + (odd));    \
        PAIR_ROW(0, eb0, eb1, ob0, ob1);                                               \
        PAIR_ROW(1, eb0, eb1, ob0, ob1);                                               \
        PAIR_ROW(2, eb0, eb1, ob0, ob1);                                               \
        PAIR_ROW(3, eb0, eb1, ob0, ob1);                                               \
        if (rows > 4) {                                                                \
            PAIR_ROW(4, eb0, eb1, ob0, ob1);                                           \
            PAIR_ROW(5, eb0, eb1, ob0, ob1);                                           \
        }                                                                              \
        a += 2 * GEMM_MR;                                                              \
    } while (0)
#define PAIR_STEP_AT(k)                                                                \
    PAIR_STEP(offsets != NULL ? offsets[k] : (k) * GEMM_NR, offsets != NULL ? offsets[(k) + 1] : ((k) + 1) * GEMM_NR)

/* The pair's body; kernel_rows_x32 instantiates it with offsets NULL and not, so that neither k
 * loop tests it. The ahead lines go one every `every` steps of two k, from the first: an outer
 * loop of them around runs of steps that test nothing (a test per step, and the offsets test
 * with it, made the loop 4 taken branches a step). */
static inline __attribute__((always_inline)) void pair_body(int rows, int64_t kc, const float *a, const float *b,
                                                            const float *b2, const int64_t *offsets, float *c,
                                                            int64_t ldc, int64_t cols2, const gemm_epilogue *e,
                                                            const char *ahead, int64_t ahead_lines) {
    __m512 e00 = _mm512_setzero_ps(), e01 = e00, e10 = e00, e11 = e00, e20 = e00, e21 = e00;
    __m512 e30 = e00, e31 = e00, e40 = e00, e41 = e00, e50 = e00, e51 = e00;
    __m512 o00 = e00, o01 = e00, o10 = e00, o11 = e00, o20 = e00, o21 = e00;
    __m512 o30 = e00, o31 = e00, o40 = e00, o41 = e00, o50 = e00, o51 = e00;
    const int64_t steps_end = kc / 2 * 2; /* the k of two-k steps: [0, steps_end) */
    const int64_t every = ahead_lines > 0 && kc / 2 > ahead_lines ? kc / 2 / ahead_lines : 1;
    int64_t k = 0;
    for (; ahead_lines > 0 && k < steps_end; ahead_lines--, ahead += 64) {
        __builtin_prefetch(ahead);
        const int64_t stop = steps_end - k > 2 * every ? k + 2 * every : steps_end;
        for (; k < stop; k += 2) PAIR_STEP_AT(k);
    }
    for (; k < steps_end; k += 2) PAIR_STEP_AT(k);
    if (k < kc) { /* an odd kc's last k, into the even sums as kernel_6xn does */
        const int64_t last = offsets != NULL ? offsets[k] : k * GEMM_NR;
        const __m512 lb0 = _mm512_loadu_ps(b + last), lb1 = _mm512_loadu_ps(b2 + last);
        LAST_ROW(0), LAST_ROW(1), LAST_ROW(2), LAST_ROW(3);
        if (rows > 4) LAST_ROW(4), LAST_ROW(5);
    }
    const __m512 sums[GEMM_MR][2] = {
        {_mm512_add_ps(e00, o00), _mm512_add_ps(e01, o01)}, {_mm512_add_ps(e10, o10), _mm512_add_ps(e11, o11)},
        {_mm512_add_ps(e20, o20), _mm512_add_ps(e21, o21)}, {_mm512_add_ps(e30, o30), _mm512_add_ps(e31, o31)},
        {_mm512_add_ps(e40, o40), _mm512_add_ps(e41, o41)}, {_mm512_add_ps(e50, o50), _mm512_add_ps(e51, o51)}};
    const gemm_epilogue_values values = gemm_epilogue_read(e);
    const __m512 lo = _mm512_set1_ps(values.lo), hi = _mm512_set1_ps(values.hi);
    const int partial = cols2 < GEMM_NR; /* the second tile's first cols2 columns only, by masks */
#pragma GCC unroll 6
    for (int r = 0; r < rows; r++)
        for (int half = 0; half < 2; half++) {
            float *to = c + r * ldc + half * GEMM_NR;
            const int masked = half == 1 && partial;
            __m512 v = values.start ? _mm512_add_ps(sums[r][half], _mm512_set1_ps(values.bias[r]))
                                    : _mm512_add_ps(masked ? load_first(to, (int)cols2) : _mm512_loadu_ps(to),
                                                    sums[r][half]);
            if (values.clamp) v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
            if (masked) store_first(to, v, (int)cols2);
            else _mm512_storeu_ps(to, v);
        }
}

static inline __attribute__((always_inline)) void kernel_rows_x32(int rows, int64_t kc, const float *a,
                                                                  const float *b, const float *b2,
                                                                  const int64_t *offsets, float *c, int64_t ldc,
                                                                  int64_t cols2, const gemm_epilogue *e,
                                                                  const char *ahead, int64_t ahead_lines) {
    if (offsets == NULL) pair_body(rows, kc, a, b, b2, NULL, c, ldc, cols2, e, ahead, ahead_lines);
    else pair_body(rows, kc, a, b, b2, offsets, c, ldc, cols2, e, ahead, ahead_lines);
}
#undef PAIR_STEP_AT
#undef PAIR_STEP
#undef LAST_ROW
#undef PAIR_ROW

#ifdef JCONV_AVX512_EMULATED
GEMM_KERNELS(avx512_emulated)
GEMM_KERNEL_ENTRY_POINTS(avx512_emulated)
GEMM_PAIR_ENTRY_POINTS(avx512_emulated, kernel_rows_x32)
#else
GEMM_KERNEL_ENTRY_POINTS(avx512)
GEMM_PAIR_ENTRY_POINTS(avx512, kernel_rows_x32)
#endif
