/* What every GEMM user shares around the micro-kernels: the kernel for the active ISA level (chosen
 * once per call, a cached atomic read; AVX-512 CPUs use the AVX2 kernel until an AVX-512 one
 * exists, NEON ones the generic kernel), edge tiles, and packing B into NR-column panels. */
#include "gemm.h"

#include <string.h>

gemm_ukernel_fn gemm_ukernel(void) {
#if defined(__x86_64__) || defined(__i386__)
    if (jconv_isa_runs_avx2())
        return gemm_ukernel_6x16_avx2;
#endif
    return gemm_ukernel_6x16_generic;
}

const char *gemm_ukernel_name(void) {
    return gemm_ukernel() == gemm_ukernel_6x16_generic ? "gemm_ukernel_6x16_generic" : "gemm_ukernel_6x16_avx2";
}

void gemm_tile_update(gemm_ukernel_fn ukernel, int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                      int64_t rows, int64_t cols) {
    if (rows == GEMM_MR && cols == GEMM_NR) {
        ukernel(kc, a, b, c, ldc);
        return;
    }
    float tile[GEMM_MR * GEMM_NR] = {0};
    ukernel(kc, a, b, tile, GEMM_NR);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < cols; j++) c[r * ldc + j] += tile[r * GEMM_NR + j];
}

void gemm_pack_b_row(const float *row, int64_t pn, int64_t kc, int64_t k, float *b) {
    const int64_t full = pn / GEMM_NR, tail = pn % GEMM_NR;
    float *to = b + k * GEMM_NR;
    for (int64_t jp = 0; jp < full; jp++) memcpy(to + jp * kc * GEMM_NR, row + jp * GEMM_NR, GEMM_NR * sizeof(float));
    if (tail > 0) {
        float *last = to + full * kc * GEMM_NR;
        memcpy(last, row + full * GEMM_NR, (size_t)tail * sizeof(float));
        memset(last + tail, 0, (size_t)(GEMM_NR - tail) * sizeof(float));
    }
}

void gemm_pack_b(const float *src, int64_t ld, int64_t kc, int64_t pn, float *b) {
    const int64_t full = pn / GEMM_NR, tail = pn % GEMM_NR;
    for (int64_t jp = 0; jp < full; jp++) {
        float *to = b + jp * kc * GEMM_NR;
        const float *from = src + jp * GEMM_NR;
        for (int64_t k = 0; k < kc; k++) memcpy(to + k * GEMM_NR, from + k * ld, GEMM_NR * sizeof(float));
    }
    if (tail > 0) {
        float *to = b + full * kc * GEMM_NR;
        const float *from = src + full * GEMM_NR;
        for (int64_t k = 0; k < kc; k++) {
            memcpy(to + k * GEMM_NR, from + k * ld, (size_t)tail * sizeof(float));
            memset(to + k * GEMM_NR + tail, 0, (size_t)(GEMM_NR - tail) * sizeof(float));
        }
    }
}
