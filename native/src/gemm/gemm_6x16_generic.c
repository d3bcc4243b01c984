/* The portable micro-kernels: plain C the compiler may vectorise for the baseline ISA, 6 x 16, 6 x 8
 * and 4 x 16, packed (B row k at b + k * NR) and indirect (B row k at b + offsets[k]). */
#include "gemm.h"

/* The product of the first `rows` rows (6, or 4 for a last panel's few) and `width` columns (16,
 * or 8 for the edge kernel): the same operations in the same order. */
static inline void kernel_rxn(int rows, int width, int64_t kc, const float *a, const float *b,
                              const int64_t *offsets, float *c, int64_t ldc, const gemm_epilogue *e) {
    float acc[GEMM_MR][GEMM_NR] = {{0}};
    for (int64_t k = 0; k < kc; k++) {
        const float *ak = a + k * GEMM_MR, *bk = offsets != NULL ? b + offsets[k] : b + k * GEMM_NR;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < width; j++) acc[i][j] += ak[i] * bk[j];
    }
    const gemm_epilogue_values values = gemm_epilogue_read(e);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < width; j++) {
            float v = values.start ? acc[i][j] + values.bias[i] : c[i * ldc + j] + acc[i][j];
            if (values.clamp) v = v < values.lo ? values.lo : v > values.hi ? values.hi : v;
            c[i * ldc + j] = v;
        }
}

static inline void kernel_6x16(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                               int64_t ldc, const gemm_epilogue *e) {
    kernel_rxn(GEMM_MR, GEMM_NR, kc, a, b, offsets, c, ldc, e);
}

static inline void kernel_6x8(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                              int64_t ldc, const gemm_epilogue *e) {
    kernel_rxn(GEMM_MR, 8, kc, a, b, offsets, c, ldc, e);
}

static inline void kernel_4x16(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                               int64_t ldc, const gemm_epilogue *e) {
    kernel_rxn(4, GEMM_NR, kc, a, b, offsets, c, ldc, e);
}

GEMM_KERNEL_ENTRY_POINTS(generic)

/* The same sum as kernel_rxn's for each of the panels' rows and the columns (gemm.h). */
void gemm_columns_generic(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                          const int64_t *offsets, int cols, float *product) {
    for (int p = 0; p < panels; p++)
        for (int j = 0; j < cols; j++) {
            float acc[GEMM_MR] = {0};
            for (int64_t k = 0; k < kc; k++) {
                const float *ak = a + p * panel_stride + k * GEMM_MR;
                const float bk = offsets != NULL ? b[offsets[k] + j] : b[k * GEMM_NR + j];
                for (int i = 0; i < GEMM_MR; i++) acc[i] += ak[i] * bk;
            }
            for (int i = 0; i < GEMM_MR; i++) product[(p * cols + j) * 8 + i] = acc[i];
        }
}
