/* The portable micro-kernel: plain C the compiler may vectorise for the baseline ISA. */
#include "gemm.h"

void gemm_ukernel_6x16_generic(int64_t kc, const float *a, const float *b, float *c, int64_t ldc) {
    float acc[GEMM_MR][GEMM_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {
        const float *ak = a + k * GEMM_MR, *bk = b + k * GEMM_NR;
        for (int i = 0; i < GEMM_MR; i++)
            for (int j = 0; j < GEMM_NR; j++) acc[i][j] += ak[i] * bk[j];
    }
    for (int i = 0; i < GEMM_MR; i++)
        for (int j = 0; j < GEMM_NR; j++) c[i * ldc + j] += acc[i][j];
}
