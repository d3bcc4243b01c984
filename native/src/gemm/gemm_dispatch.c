/* What every GEMM user shares around the micro-kernels: the kernel for the active ISA level (chosen
 * once per call, a cached atomic read; NEON CPUs use the generic kernel), the cache blocks, edge
 * tiles, and packing B into NR-column panels. */
#include "gemm.h"

#include <stdio.h>
#include <string.h>

#define KERNELS_OF(isa, columns, pair, pair_4)                                                                 \
    {"gemm_ukernel_6x16_" #isa, gemm_ukernel_6x16_##isa,   gemm_ukernel_6x8_##isa,   gemm_ukernel_4x16_##isa,      \
     gemm_indirect_6x16_##isa,  gemm_indirect_6x8_##isa,   gemm_indirect_4x16_##isa, columns, pair, pair_4}

const gemm_kernels *gemm_kernels_active(void) {
    static const gemm_kernels generic = KERNELS_OF(generic, gemm_columns_generic, NULL, NULL);
#if defined(__x86_64__) || defined(__i386__)
    static const gemm_kernels avx2 = KERNELS_OF(avx2, gemm_columns_avx2, NULL, NULL),
                              avx512 = KERNELS_OF(avx512, gemm_columns_even_odd_avx2, gemm_pair_6x32_avx512,
                                                  gemm_pair_4x32_avx512);
    if (jconv_isa_level_active() == JCONV_ISA_AVX512) return &avx512;
    if (jconv_isa_runs_avx2()) return &avx2;
#endif
    return &generic;
}

static int64_t round_down_clamped(int64_t value, int64_t multiple, int64_t lo, int64_t hi) {
    value = value / multiple * multiple;
    return value < lo ? lo : value > hi ? hi : value;
}

gemm_blocking gemm_blocks(void) {
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t bytes = (int64_t)sizeof(float);
    const int64_t kc_a = l1d / 4 / (GEMM_MR * bytes), kc_b = l1d / 2 / (GEMM_NR * bytes);
    gemm_blocking blocks;
    blocks.kc = round_down_clamped(kc_a < kc_b ? kc_a : kc_b, 16, 16, 1024);
    blocks.nc = round_down_clamped(l2 / (blocks.kc * bytes), GEMM_NR, GEMM_NR, 4096);
    blocks.kc_packed = round_down_clamped(l1d * 3 / 8 / (GEMM_MR * bytes), 16, 16, 1024);
    blocks.nc_packed = round_down_clamped(l2 / (blocks.kc_packed * bytes), GEMM_NR, GEMM_NR, 4096);
    blocks.kc_streaming = round_down_clamped(l2 / 2 / (8 * GEMM_NR * bytes), 16, 16, 4096);
    blocks.nc_streaming = round_down_clamped(l2 / 2 / (blocks.kc_streaming * bytes), GEMM_NR, GEMM_NR, 4096);
    return blocks;
}

const char *jconv_gemm_info(void) {
    static const char *const sources[] = {"detected", "from JCONV_CACHE", "defaults: not detected"};
    static JCONV_THREAD_LOCAL char line[256];
    int64_t l1d, l2;
    const jconv_cache_source source = jconv_cache_sizes(&l1d, &l2);
    const gemm_blocking blocks = gemm_blocks();
    snprintf(line, sizeof line,
             "%s, MR %d NR %d, kc %lld nc %lld, B packed: kc %lld nc %lld, A streaming: kc %lld nc %lld (L1d %lld "
             "KiB, L2 %lld KiB, %s)%s",
             gemm_kernels_active()->name, GEMM_MR, GEMM_NR, (long long)blocks.kc, (long long)blocks.nc,
             (long long)blocks.kc_packed, (long long)blocks.nc_packed, (long long)blocks.kc_streaming,
             (long long)blocks.nc_streaming, (long long)(l1d / 1024),
             (long long)(l2 / 1024), sources[source],
             gemm_kernels_active()->pair != NULL ? "; tiles in pairs: 6 x 32 and 4 x 32" : "");
    return line;
}

/* The valid rows x cols of a scratch tile (the bare product) into c, by the epilogue (gemm.h): the
 * same additions and clamp the kernel makes on a whole tile. */
static void finish_partial_tile(const float *tile, int64_t ld, float *c, int64_t ldc, int64_t rows, int64_t cols,
                                const gemm_epilogue *e) {
    const int start = e != NULL && e->start, clamp = e != NULL && e->clamp;
    const float lo = clamp ? e->lo : 0.0f, hi = clamp ? e->hi : 0.0f;
    for (int64_t r = 0; r < rows; r++) { /* the bias of the rows there are only: a last panel's may end */
        const float bias = start && e->bias != NULL ? e->bias[r] : 0.0f;
        for (int64_t j = 0; j < cols; j++) {
            float v = start ? tile[r * ld + j] + bias : c[r * ldc + j] + tile[r * ld + j];
            if (clamp) v = v < lo ? lo : v > hi ? hi : v;
            c[r * ldc + j] = v;
        }
    }
}

void gemm_partial_tile_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b,
                              const int64_t *offsets, float *c, int64_t ldc, int64_t rows, int64_t cols,
                              const gemm_epilogue *epilogue) {
    /* At most 4 rows of more than 8 columns: the 4 x 16 kernel (2/3 of the 6 x 16's time), in place
     * for 4 x 16. (At most 8 columns the 6 x 8 kernel takes as long as a 4 x 8 one would: one
     * k per FMA latency either way.) */
    const int four = rows <= 4 && cols > 8, in_place = four && rows == 4 && cols == GEMM_NR;
    float tile[GEMM_MR * GEMM_NR];
    const gemm_epilogue product = GEMM_EPILOGUE_PRODUCT; /* no zeroing */
    float *to = in_place ? c : tile;
    const int64_t ld = in_place ? ldc : GEMM_NR;
    const gemm_epilogue *how = in_place ? epilogue : &product;
    if (offsets != NULL)
        (four ? kernels->indirect_4 : cols <= 8 ? kernels->indirect_8 : kernels->indirect)(kc, a, b, offsets, to, ld, how);
    else (four ? kernels->packed_4 : cols <= 8 ? kernels->packed_8 : kernels->packed)(kc, a, b, to, ld, how);
    if (!in_place) finish_partial_tile(tile, GEMM_NR, c, ldc, rows, cols, epilogue);
}

void gemm_pair_partial_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b, const float *b2,
                              const int64_t *offsets, float *c, int64_t cols, float *c2, int64_t cols2, int64_t ldc,
                              int64_t rows, const gemm_epilogue *epilogue) {
    float tile[GEMM_MR * 2 * GEMM_NR];
    const gemm_epilogue product = GEMM_EPILOGUE_PRODUCT; /* no zeroing */
    (rows <= 4 ? kernels->pair_4 : kernels->pair)(kc, a, b, b2, offsets, tile, 2 * GEMM_NR, GEMM_NR, &product, NULL, 0);
    finish_partial_tile(tile, 2 * GEMM_NR, c, ldc, rows, cols, epilogue);
    finish_partial_tile(tile + GEMM_NR, 2 * GEMM_NR, c2, ldc, rows, cols2, epilogue);
}

void gemm_columns_update(const gemm_kernels *kernels, int64_t kc, int panels, const float *a, int64_t panel_stride,
                         const float *b, const int64_t *offsets, float *c, int64_t ldc, int64_t rows, int64_t cols,
                         const gemm_epilogue *epilogue) {
    float product[GEMM_COLUMN_PANELS * GEMM_COLUMNS_MAX * 8], tile[GEMM_MR * GEMM_NR];
    kernels->columns(kc, panels, a, panel_stride, b, offsets, (int)cols, product);
    gemm_epilogue e = epilogue != NULL ? *epilogue : (gemm_epilogue){NULL, 0, 0, 0.0f, 0.0f};
    for (int p = 0; p < panels; p++) {
        const int64_t panel_rows = rows - p * GEMM_MR < GEMM_MR ? rows - p * GEMM_MR : GEMM_MR;
        for (int64_t r = 0; r < panel_rows; r++)
            for (int64_t j = 0; j < cols; j++) tile[r * GEMM_NR + j] = product[(p * cols + j) * 8 + r];
        finish_partial_tile(tile, GEMM_NR, c + p * GEMM_MR * ldc, ldc, panel_rows, cols, &e);
        if (e.bias != NULL) e.bias += GEMM_MR;
    }
}

/* One row of one panel: width (<= NR) floats, zeros after them. */
static inline void put_panel_row(float *to, const float *from, int64_t width) {
    if (width == GEMM_NR) {
        memcpy(to, from, GEMM_NR * sizeof(float));
        return;
    }
    memcpy(to, from, (size_t)width * sizeof(float));
    memset(to + width, 0, (size_t)(GEMM_NR - width) * sizeof(float));
}

void gemm_pack_b_row(const float *row, int64_t pn, int64_t kc, int64_t k, float *b) {
    const int64_t full = pn / GEMM_NR * GEMM_NR; /* whole panels in a loop of fixed-size copies */
    float *to = b + k * GEMM_NR;
    for (int64_t column = 0; column < full; column += GEMM_NR)
        memcpy(to + column * kc, row + column, GEMM_NR * sizeof(float));
    if (full < pn) put_panel_row(to + full * kc, row + full, pn - full);
}

/* Rows a packing pass takes together (see gemm_pack_b). */
#define PACK_ROW_GROUP 8

/* Rows [k0, k0 + rows) of columns [column, column + width) (width <= NR) into their panel, zeros
 * after width; the same rows of the next group are asked for, to be there when it comes. */
static inline void pack_panel_rows(const float *src, int64_t ld, int64_t kc, int64_t k0, int64_t rows,
                                   int64_t column, int64_t width, float *b) {
    float *to = b + column * kc + k0 * GEMM_NR;
    const float *from = src + k0 * ld + column;
    const int64_t ahead = kc - (k0 + PACK_ROW_GROUP); /* rows in the next group */
    for (int64_t k = 0; k < rows; k++) {
        if (k < ahead) __builtin_prefetch(from + (k + PACK_ROW_GROUP) * ld);
        put_panel_row(to + k * GEMM_NR, from + k * ld, width);
    }
}

void gemm_pack_b(const float *src, int64_t ld, int64_t kc, int64_t pn, float *b) {
    /* A group of 8 rows at a time, across every panel: 8 sequential streams of reads that the
     * hardware prefetchers follow, and 512 contiguous bytes written per panel, while the next
     * group's rows are prefetched. (Panel by panel, each load was a row apart: the input,
     * usually out of cache by now, came at 8-13 GB/s. Measured on a 256 x 3136 input out of
     * cache: 0.25 ms per pass against 0.62, means of 40.) */
    for (int64_t k0 = 0; k0 < kc; k0 += PACK_ROW_GROUP) {
        const int64_t rows = kc - k0 < PACK_ROW_GROUP ? kc - k0 : PACK_ROW_GROUP;
        for (int64_t column = 0; column < pn; column += GEMM_NR)
            pack_panel_rows(src, ld, kc, k0, rows, column, pn - column < GEMM_NR ? pn - column : GEMM_NR, b);
    }
}
