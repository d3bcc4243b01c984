/* An FMA loop: 12 independent accumulators hide the FMA latency, nothing touches memory. 8 floats
 * wide with AVX2 + FMA, 16 with AVX-512 when the library runs its AVX-512 kernels (JCONV_ISA
 * lowers both). Compiled with -mavx2 -mfma on x86-64 (CMake), the AVX-512 loop with a target
 * attribute; each used only when the library says the CPU runs it. */
#include "fma_peak.h"

#include "bench_time.h"
#include "jconv.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/* acc += a * b: the accumulator is the addend, as in a GEMM micro-kernel (AMD forwards the addend
 * late, so chaining through the multiplicand would measure latency, not throughput). */
static float fma_loop_avx2(int64_t iterations) {
    const __m256 a = _mm256_set1_ps(1e-8f), b = _mm256_set1_ps(1e-8f);
    __m256 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_ps();
    for (int64_t it = 0; it < iterations; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(a, b, acc[i]);
    __m256 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm256_add_ps(sum, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, sum);
    return out[0];
}

__attribute__((target("avx512f"))) static float fma_loop_avx512(int64_t iterations) {
    const __m512 a = _mm512_set1_ps(1e-8f), b = _mm512_set1_ps(1e-8f);
    __m512 acc[12];
    for (int i = 0; i < 12; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t it = 0; it < iterations; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(a, b, acc[i]);
    __m512 sum = acc[0];
    for (int i = 1; i < 12; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

/* The library's ISA: the FMAs its kernels run. */
static int wide(void) { return strcmp(jconv_isa(), "avx512") == 0; }

static float fma_loop(int64_t iterations) {
    return wide() ? fma_loop_avx512(iterations) : fma_loop_avx2(iterations);
}
#else
static int wide(void) { return 0; }

static float fma_loop(int64_t iterations) {
    float acc[12][8];
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 8; j++) acc[i][j] = (float)i;
    for (int64_t it = 0; it < iterations; it++)
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 8; j++) acc[i][j] += 1e-8f * 1e-8f;
    return acc[3][5];
}
#endif

double fma_loop_flops_per_iteration(void) { return 12.0 * (wide() ? 16 : 8) * 2; }

double fma_peak_run(int threads, int64_t iterations) {
    volatile float sink = 0;
    (void)threads;
#pragma omp parallel num_threads(threads)
    {
        const float r = fma_loop(iterations);
#pragma omp critical
        sink += r;
    }
    (void)sink;
    return fma_loop_flops_per_iteration() * (double)iterations * threads;
}

double fma_peak_gflops(int threads) {
    const int64_t iterations = 50 * 1000 * 1000;
    double best = 0;
    for (int trial = 0; trial < 3; trial++) {
        const double start = bench_now_seconds();
        const double flops = fma_peak_run(threads, iterations);
        const double gflops = flops / (bench_now_seconds() - start) * 1e-9;
        if (gflops > best) best = gflops;
    }
    return best;
}
