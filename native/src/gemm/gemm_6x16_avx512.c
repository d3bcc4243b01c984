/* The AVX-512 micro-kernels (packed and indirect, one body as in the AVX2 file): one zmm of 16
 * floats per tile row. Six rows give only six FMA chains,
 * fewer than the 8-10 in flight that two FMA pipes of 4-cycle latency need, so even and odd k
 * accumulate into separate registers (12 chains) summed at the end. Per k: one load of B and six
 * FMAs whose A operand is a broadcast from memory. Compiled with -mavx512f for this file only
 * (CMake); called only when the CPU and the OS have AVX-512.
 *
 * The tests also compile this file against SIMDe's portable AVX-512 (JCONV_AVX512_EMULATED), so
 * that the kernel is checked on machines without AVX-512 too. */
#include "gemm.h"

#ifdef JCONV_AVX512_EMULATED
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#define gemm_ukernel_6x16_avx512 gemm_ukernel_6x16_avx512_emulated
#define gemm_indirect_6x16_avx512 gemm_indirect_6x16_avx512_emulated
GEMM_KERNELS(avx512)
#else
#include <immintrin.h>
#endif

#define FMA_ROW(acc, a_row, bk) acc = _mm512_fmadd_ps(_mm512_set1_ps(a_row), bk, acc)

static inline __attribute__((always_inline)) void kernel_6x16(int64_t kc, const float *a, const float *b,
                                                              const int64_t *offsets, float *c, int64_t ldc,
                                                              const gemm_epilogue *e) {
    __m512 e0 = _mm512_setzero_ps(), e1 = _mm512_setzero_ps(), e2 = _mm512_setzero_ps();
    __m512 e3 = _mm512_setzero_ps(), e4 = _mm512_setzero_ps(), e5 = _mm512_setzero_ps();
    __m512 o0 = _mm512_setzero_ps(), o1 = _mm512_setzero_ps(), o2 = _mm512_setzero_ps();
    __m512 o3 = _mm512_setzero_ps(), o4 = _mm512_setzero_ps(), o5 = _mm512_setzero_ps();
    int64_t k = 0;
#pragma GCC unroll 2
    for (; k + 2 <= kc; k += 2) {
        const __m512 even = _mm512_loadu_ps(offsets != NULL ? b + offsets[k] : b + k * GEMM_NR);
        const __m512 odd = _mm512_loadu_ps(offsets != NULL ? b + offsets[k + 1] : b + (k + 1) * GEMM_NR);
        FMA_ROW(e0, a[0], even), FMA_ROW(e1, a[1], even), FMA_ROW(e2, a[2], even);
        FMA_ROW(e3, a[3], even), FMA_ROW(e4, a[4], even), FMA_ROW(e5, a[5], even);
        FMA_ROW(o0, a[6], odd), FMA_ROW(o1, a[7], odd), FMA_ROW(o2, a[8], odd);
        FMA_ROW(o3, a[9], odd), FMA_ROW(o4, a[10], odd), FMA_ROW(o5, a[11], odd);
        a += 2 * GEMM_MR;
    }
    if (k < kc) {
        const __m512 last = _mm512_loadu_ps(offsets != NULL ? b + offsets[k] : b + k * GEMM_NR);
        FMA_ROW(e0, a[0], last), FMA_ROW(e1, a[1], last), FMA_ROW(e2, a[2], last);
        FMA_ROW(e3, a[3], last), FMA_ROW(e4, a[4], last), FMA_ROW(e5, a[5], last);
    }
    const __m512 rows[GEMM_MR] = {_mm512_add_ps(e0, o0), _mm512_add_ps(e1, o1), _mm512_add_ps(e2, o2),
                                  _mm512_add_ps(e3, o3), _mm512_add_ps(e4, o4), _mm512_add_ps(e5, o5)};
    if (e == NULL) {
        for (int r = 0; r < GEMM_MR; r++)
            _mm512_storeu_ps(c + r * ldc, _mm512_add_ps(_mm512_loadu_ps(c + r * ldc), rows[r]));
        return;
    }
    /* max(lo, v) and min(hi, v) return v when v is NaN (the second operand), as the scalar clamp */
    const __m512 lo = _mm512_set1_ps(e->lo), hi = _mm512_set1_ps(e->hi);
    for (int r = 0; r < GEMM_MR; r++) {
        __m512 v = e->start ? _mm512_add_ps(rows[r], _mm512_set1_ps(e->bias != NULL ? e->bias[r] : 0.0f))
                            : _mm512_add_ps(_mm512_loadu_ps(c + r * ldc), rows[r]);
        if (e->clamp) v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));
        _mm512_storeu_ps(c + r * ldc, v);
    }
}

void gemm_ukernel_6x16_avx512(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                              const gemm_epilogue *epilogue) {
    kernel_6x16(kc, a, b, NULL, c, ldc, epilogue);
}

void gemm_indirect_6x16_avx512(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                               int64_t ldc, const gemm_epilogue *epilogue) {
    kernel_6x16(kc, a, b, offsets, c, ldc, epilogue);
}
