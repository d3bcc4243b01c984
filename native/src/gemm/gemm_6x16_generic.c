/* The portable micro-kernels: plain C the compiler may vectorise for the baseline ISA, packed
 * (B row k at b + k * NR) and indirect (B row k at b + offsets[k]). */
#include "gemm.h"

static inline void kernel_6x16(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                               int64_t ldc, const gemm_epilogue *e) {
    float acc[GEMM_MR][GEMM_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {
        const float *ak = a + k * GEMM_MR, *bk = offsets != NULL ? b + offsets[k] : b + k * GEMM_NR;
        for (int i = 0; i < GEMM_MR; i++)
            for (int j = 0; j < GEMM_NR; j++) acc[i][j] += ak[i] * bk[j];
    }
    for (int i = 0; i < GEMM_MR; i++) {
        const float start = e != NULL && e->start && e->bias != NULL ? e->bias[i] : 0.0f;
        for (int j = 0; j < GEMM_NR; j++) {
            float v = e != NULL && e->start ? acc[i][j] + start : c[i * ldc + j] + acc[i][j];
            if (e != NULL && e->clamp) v = v < e->lo ? e->lo : v > e->hi ? e->hi : v;
            c[i * ldc + j] = v;
        }
    }
}

void gemm_ukernel_6x16_generic(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                               const gemm_epilogue *epilogue) {
    kernel_6x16(kc, a, b, NULL, c, ldc, epilogue);
}

void gemm_indirect_6x16_generic(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                                int64_t ldc, const gemm_epilogue *epilogue) {
    kernel_6x16(kc, a, b, offsets, c, ldc, epilogue);
}
