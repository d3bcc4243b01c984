/* The portable micro-kernels: plain C the compiler may vectorise for the baseline ISA, packed
 * (B row k at b + k * NR) and indirect (B row k at b + offsets[k]). */
#include "gemm.h"

static inline void kernel_6x16(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                               int64_t ldc) {
    float acc[GEMM_MR][GEMM_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {
        const float *ak = a + k * GEMM_MR, *bk = offsets != NULL ? b + offsets[k] : b + k * GEMM_NR;
        for (int i = 0; i < GEMM_MR; i++)
            for (int j = 0; j < GEMM_NR; j++) acc[i][j] += ak[i] * bk[j];
    }
    for (int i = 0; i < GEMM_MR; i++)
        for (int j = 0; j < GEMM_NR; j++) c[i * ldc + j] += acc[i][j];
}

void gemm_ukernel_6x16_generic(int64_t kc, const float *a, const float *b, float *c, int64_t ldc) {
    kernel_6x16(kc, a, b, NULL, c, ldc);
}

void gemm_indirect_6x16_generic(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                                int64_t ldc) {
    kernel_6x16(kc, a, b, offsets, c, ldc);
}
