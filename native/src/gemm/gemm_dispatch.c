/* Chooses the micro-kernel once per call from the active ISA level (cheap: a cached atomic read).
 * AVX-512 CPUs use the AVX2 kernel until an AVX-512 one exists; NEON ones the generic kernel. */
#include "gemm.h"

gemm_ukernel_fn gemm_ukernel(void) {
#if defined(__x86_64__) || defined(__i386__)
    if (jconv_isa_level_active() >= JCONV_ISA_AVX2 && jconv_isa_level_active() <= JCONV_ISA_AVX512)
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
