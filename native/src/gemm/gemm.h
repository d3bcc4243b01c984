/* The packed single-precision GEMM's micro-kernels and block sizes (BLIS's structure). The contract
 * is in native/docs/KERNELS.md:
 *
 *   c[i * ldc + j] += sum over k < kc of a[k * MR + i] * b[k * NR + j],  i < MR, j < NR
 *
 * a: an MR-row panel of A packed column by column; b: an NR-column panel of B packed row by row;
 * c: a full MR x NR tile of row stride ldc, read and written (the caller initialises it). Rows or
 * columns beyond the matrix are zeros in the panels; for a partial tile the caller passes a
 * scratch tile and copies the valid part. */
#ifndef JCONV_GEMM_H
#define JCONV_GEMM_H

#include "../core/internal.h"

#define GEMM_MR 6  /* rows of a micro-tile: 6 x 2 ymm accumulators + 2 loads + 1 broadcast of 16 */
#define GEMM_NR 16 /* columns: two 8-wide AVX2 vectors */

/* The cache blocks around the micro-kernel, derived once from this core's cache sizes
 * (jconv_cache_sizes; JCONV_CACHE overrides them), for two loop orders.
 * A in L1 (im2col's packed way and band way, convT): columns in chunks of nc_packed, k in blocks
 * of kc_packed (the packed way: a kc x nc block of B packed into L2; the band way: B rows read in
 * place from a band of the input in L2), output-channel panels of MR (an MR x kc A micro-panel
 * stays in L1 while every B micro-panel of the block or band streams past it), NR-column panels.
 *   kc_packed: an A micro-panel within 3/8 of L1d; a multiple of 16 in [16, 1024]. 32 KiB L1d:
 *       512; 48 KiB: 768. Each k block adds into the output once more (convT scatters every
 *       block's product), so longer ones pay: against 256, dcgan_up 1.32-1.39x, r50_s5_1x1up
 *       1.08-1.12x, the other 1x1 and transposed layers and a 1024^3 GEMM 0.96-1.06x.
 *   nc_packed: the packed kc x nc B block within L2; a multiple of NR in [NR, 4096]. With kc 512:
 *       512 KiB L2: 256; 1 MiB: 512.
 * A streaming (im2col's packed way when the panels over a k block outgrow L2, as the 1024^3 SGEMM's
 * 2 MiB of A per block do): A comes from L3 whatever kc, so k blocks are longer and each output
 * tile is written fewer times, while B's block of 8 tiles keeps half of L2.
 *   kc_streaming: 8 x NR columns of B within half of L2; a multiple of 16 in [16, 4096]. 1 MiB: 1024.
 *   nc_streaming: kc_streaming x nc within half of L2; a multiple of NR in [NR, 4096]. 1 MiB: 128.
 * B in L1 (Winograd's batched GEMMs): the kc x NR B rows of a tile stay in L1 while the A panels
 * stream past them.
 *   kc: an A micro-panel within a quarter of L1d and a B micro-panel (kc x NR) within half of it;
 *       a multiple of 16 in [16, 1024]. 32 KiB L1d: 256; 48 KiB: 384.
 *   nc: the columns an im2col band chunk aims at: kc x nc within L2 as above (512 KiB L2: 512).
 * Every ISA shares MR and NR (the weights are packed once, at plan time, for whichever kernel
 * runs), so the blocks depend on the caches alone. */
typedef struct gemm_blocking {
    int64_t kc, nc;
    int64_t kc_packed, nc_packed;
    int64_t kc_streaming, nc_streaming;
} gemm_blocking;

gemm_blocking gemm_blocks(void);

/* The k block for a sum of K terms in blocks of at most kc_max: as many blocks as kc_max needs, of
 * even size (a multiple of 16), so that no short last block pays a kernel call's fixed costs on
 * a few k (mb2_pw_14, K 576: 288 + 288 rather than 512 + 64: 1.02-1.05x, about the noise). */
static inline int64_t gemm_k_block(int64_t K, int64_t kc_max) {
    const int64_t blocks = (K + kc_max - 1) / kc_max, even = ((K + blocks - 1) / blocks + 15) / 16 * 16;
    return even < kc_max ? even : kc_max;
}

/* What a kernel does with its MR x NR product instead of c += product (NULL: just that), so that
 * a convolution's bias and activation cost no passes over the output:
 *   start:    c = product + bias[r] for row r (bias NULL: 0); c is not read;
 *   otherwise c = c + product;
 *   then, when clamp: c = c < lo ? lo : c > hi ? hi : c (NaN stays NaN; lo <= hi; ReLU: 0, inf).
 * The sums are the same additions as c += product after c = bias, so the bits are too. */
typedef struct gemm_epilogue {
    const float *bias;
    int start, clamp;
    float lo, hi;
} gemm_epilogue;

/* c = product, c not read: a scratch tile needs no zeroing. */
#define GEMM_EPILOGUE_PRODUCT {NULL, 1, 0, 0.0f, 0.0f}

/* The bias of a start without one: + 0.0f, as the scalar sum (a -0.0f product becomes +0.0f). */
static const float gemm_no_bias[GEMM_MR] = {0};

/* An epilogue read once by a kernel, before its first store to c (which the compiler must assume
 * could alias the epilogue): NULL reads as start 0, clamp 0. The bias stays a pointer, each row's
 * broadcast straight from memory (a copy went through six general registers: a tenth of a 6 x
 * 16 call's instructions at kc 64). It never aliases c. */
typedef struct gemm_epilogue_values {
    int start, clamp;
    const float *bias; /* MR of them when start */
    float lo, hi;
} gemm_epilogue_values;

static inline gemm_epilogue_values gemm_epilogue_read(const gemm_epilogue *e) {
    gemm_epilogue_values v = {e != NULL && e->start, e != NULL && e->clamp, gemm_no_bias, 0.0f, 0.0f};
    if (v.start && e->bias != NULL) v.bias = e->bias;
    if (v.clamp) v.lo = e->lo, v.hi = e->hi;
    return v;
}

typedef void (*gemm_ukernel_fn)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                                const gemm_epilogue *epilogue);

/* The indirect micro-kernel: the same product with B's row k read in place, the NR floats at
 * b + offsets[k] (im2col_rows.c points them into a padded band of the input, so that the im2col
 * rows are never gathered). */
typedef void (*gemm_indirect_fn)(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c,
                                 int64_t ldc, const gemm_epilogue *epilogue);

/* The columns kernel, for the last few columns of B (a partial tile of at most GEMM_COLUMNS_MAX)
 * against up to GEMM_COLUMN_PANELS panels of A at once: a column's MR rows in one vector, a chain
 * per panel and column, each of A's rows read once for all the columns. There the 6 x 8 kernel
 * takes 2/3 of a whole tile's time, however few the columns (six FMA chains, latency-bound); this
 * takes about cols/12 of it per panel (6 of a vector's 8 lanes used). mb2_pw_14's 4-column tail
 * (2% of its work) took 5.5% of its time when A was read once per column, 3.3% now (perf, 1
 * thread).
 *   product[(p * cols + j) * 8 + r] = sum over k < kc of a[p * panel_stride + k * MR + r] * B[k][j]
 * for r < MR (lanes 6 and 7 are scratch), B[k][j] at b + k * NR + j, or at b + offsets[k] + j. Each
 * lane makes the same operations in the same order as its ISA's tile kernels, so the bits are
 * theirs. A is loaded 8 floats at a time: GEMM_A_SLACK floats after the last panel must be
 * readable. */
#define GEMM_COLUMN_PANELS 8
#define GEMM_COLUMNS_MAX 4
#define GEMM_A_SLACK 2
typedef void (*gemm_columns_fn)(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                                const int64_t *offsets, int cols, float *product);

/* The kernels of one ISA: 6 x 16; 6 x 8 for edge tiles of at most 8 columns (the first 8 columns
 * of the 6 x 16 tile with the same operations in the same order, so the bits of a column do not
 * depend on which kernel computed it); 4 x 16 for a last panel of at most 4 rows (the first 4 rows
 * of the 6 x 16 tile, the same way: it reads the MR-row panel, writes 4 rows of c, and takes 2/3
 * of the 6 x 16's time where the 6 x 16 into a scratch tile took all of it); each packed and
 * indirect; and the columns kernel. Its file defines kernel_6x16, kernel_6x8 and kernel_4x16
 * (always inlined, offsets NULL for the packed form) and ends with GEMM_KERNEL_ENTRY_POINTS(isa). */
/* The pair kernels: two tiles side by side, a whole one and one of cols2 (1-16) columns: c's NR +
 * cols2 columns, nothing past them read or written, with the bits of two 6 x 16 calls (4 x 16 for
 * pair_4: the first 4 rows), the same operations in the same order in each lane; the first tile's
 * B row k at b + k * NR and the second's at b2 + k * NR, or, indirect (offsets not NULL), at b +
 * offsets[k] and b2 + offsets[k] (NR floats read for each, whatever cols2). Only where they are
 * faster than two tile calls: AVX-512, whose 6 x 16 tile is six zmm rows (a broadcast of A per
 * FMA); NULL elsewhere. ahead: ahead_lines cache lines from there that the kernel asks for
 * (prefetches) one at a time, spread over its k loop (a piece of a later A micro-panel:
 * gemm_ahead_piece); ahead_lines 0 asks for none. */
typedef void (*gemm_pair_fn)(int64_t kc, const float *a, const float *b, const float *b2, const int64_t *offsets,
                             float *c, int64_t ldc, int64_t cols2, const gemm_epilogue *epilogue, const char *ahead,
                             int64_t ahead_lines);

typedef struct gemm_kernels {
    const char *name;
    gemm_ukernel_fn packed, packed_8, packed_4;
    gemm_indirect_fn indirect, indirect_8, indirect_4;
    gemm_columns_fn columns;
    gemm_pair_fn pair, pair_4; /* NULL: none */
} gemm_kernels;

#define GEMM_KERNEL_SIGNATURES(isa, tile)                                                                       \
    void gemm_ukernel_##tile##_##isa(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,          \
                                     const gemm_epilogue *epilogue);                                             \
    void gemm_indirect_##tile##_##isa(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c, \
                                      int64_t ldc, const gemm_epilogue *epilogue);
#define GEMM_KERNELS(isa) \
    GEMM_KERNEL_SIGNATURES(isa, 6x16) GEMM_KERNEL_SIGNATURES(isa, 6x8) GEMM_KERNEL_SIGNATURES(isa, 4x16)
#define GEMM_KERNEL_ENTRY_POINT(isa, tile, body)                                                                \
    void gemm_ukernel_##tile##_##isa(int64_t kc, const float *a, const float *b, float *c, int64_t ldc,          \
                                     const gemm_epilogue *epilogue) {                                            \
        body(kc, a, b, NULL, c, ldc, epilogue);                                                                  \
    }                                                                                                            \
    void gemm_indirect_##tile##_##isa(int64_t kc, const float *a, const float *b, const int64_t *offsets, float *c, \
                                      int64_t ldc, const gemm_epilogue *epilogue) {                              \
        body(kc, a, b, offsets, c, ldc, epilogue);                                                               \
    }
#define GEMM_KERNEL_ENTRY_POINTS(isa)                                                                           \
    GEMM_KERNEL_ENTRY_POINT(isa, 6x16, kernel_6x16)                                                            \
    GEMM_KERNEL_ENTRY_POINT(isa, 6x8, kernel_6x8) GEMM_KERNEL_ENTRY_POINT(isa, 4x16, kernel_4x16)

#define GEMM_PAIR_SIGNATURES(isa)                                                                              \
    void gemm_pair_6x32_##isa(int64_t kc, const float *a, const float *b, const float *b2, const int64_t *offsets, \
                              float *c, int64_t ldc, int64_t cols2, const gemm_epilogue *epilogue, const char *ahead, \
                              int64_t ahead_lines);                                                              \
    void gemm_pair_4x32_##isa(int64_t kc, const float *a, const float *b, const float *b2, const int64_t *offsets, \
                              float *c, int64_t ldc, int64_t cols2, const gemm_epilogue *epilogue, const char *ahead, \
                              int64_t ahead_lines);
#define GEMM_PAIR_ENTRY_POINTS(isa, body)                                                                      \
    void gemm_pair_6x32_##isa(int64_t kc, const float *a, const float *b, const float *b2, const int64_t *offsets, \
                              float *c, int64_t ldc, int64_t cols2, const gemm_epilogue *epilogue, const char *ahead, \
                              int64_t ahead_lines) {                                                             \
        body(GEMM_MR, kc, a, b, b2, offsets, c, ldc, cols2, epilogue, ahead, ahead_lines);                        \
    }                                                                                                           \
    void gemm_pair_4x32_##isa(int64_t kc, const float *a, const float *b, const float *b2, const int64_t *offsets, \
                              float *c, int64_t ldc, int64_t cols2, const gemm_epilogue *epilogue, const char *ahead, \
                              int64_t ahead_lines) {                                                             \
        body(4, kc, a, b, b2, offsets, c, ldc, cols2, epilogue, ahead, ahead_lines);                              \
    }

GEMM_KERNELS(generic)
void gemm_columns_generic(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                          const int64_t *offsets, int cols, float *product);
#if defined(__x86_64__) || defined(__i386__)
GEMM_KERNELS(avx2)
GEMM_KERNELS(avx512)
GEMM_PAIR_SIGNATURES(avx512)
/* With AVX2 instructions, the lane order of each: one chain over k (the AVX2 kernels), or even and
 * odd k in two chains added at the end (the AVX-512 kernels). */
void gemm_columns_avx2(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                       const int64_t *offsets, int cols, float *product);
void gemm_columns_even_odd_avx2(int64_t kc, int panels, const float *a, int64_t panel_stride, const float *b,
                                const int64_t *offsets, int cols, float *product);
#endif

/* The kernels for the active ISA level (JCONV_ISA lowers it; NEON CPUs use the generic ones). */
const gemm_kernels *gemm_kernels_active(void);

/* The tiles gemm_tile_update and gemm_indirect_tile_update cannot give the 6 x 16 or 6 x 8 kernel:
 * 4 rows of 16 columns in place by the 4 x 16 kernel, the others through a scratch tile (by the
 * 4 x 16 kernel when they have at most 4 rows and more than 8 columns), so that nothing outside
 * rows x cols is touched (gemm_dispatch.c). */
void gemm_partial_tile_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b,
                              const int64_t *offsets, float *c, int64_t ldc, int64_t rows, int64_t cols,
                              const gemm_epilogue *epilogue);

/* Two tiles of one panel by the pair kernels (kernels->pair not NULL) through a scratch tile: the
 * first's product (B at b) into rows x cols at c, the second's (B at b2) into rows x cols2 at c2,
 * each by the epilogue, the bits of the 6 x 16 kernel there. B is read whole (NR floats a row:
 * zeros, or values nobody stores, past cols). gemm_pair_update's other case. */
void gemm_pair_partial_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b, const float *b2,
                              const int64_t *offsets, float *c, int64_t cols, float *c2, int64_t cols2, int64_t ldc,
                              int64_t rows, const gemm_epilogue *epilogue);

/* Asks for (prefetches) lines cache lines from `from`, one after the other. */
static inline void gemm_prefetch_lines(const char *from, int64_t lines) {
    for (int64_t line = 0; line < lines; line++) __builtin_prefetch(from + line * 64);
}

/* The same, in place by one pair kernel call when the first tile is whole (NR columns), the second
 * beside it (c2 == c + NR) and the rows MR or 4: tiles of two output rows, or a short first one,
 * go through scratch. The ahead lines are asked for by the kernel, or all at once first. */
static inline void gemm_pair_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b,
                                    const float *b2, const int64_t *offsets, float *c, int64_t cols, float *c2,
                                    int64_t cols2, int64_t ldc, int64_t rows, const gemm_epilogue *epilogue,
                                    const char *ahead, int64_t ahead_lines) {
    if (cols == GEMM_NR && c2 == c + GEMM_NR && (rows == GEMM_MR || rows == 4)) {
        (rows == GEMM_MR ? kernels->pair : kernels->pair_4)(kc, a, b, b2, offsets, c, ldc, cols2, epilogue, ahead,
                                                            ahead_lines);
        return;
    }
    gemm_prefetch_lines(ahead, ahead_lines);
    gemm_pair_partial_update(kernels, kc, a, b, b2, offsets, c, cols, c2, cols2, ldc, rows, epilogue);
}

/* Whether the kernel for cols columns (6 x 8 up to 8, else 6 x 16) writes exactly rows x cols. */
static inline int gemm_whole_tile(int64_t rows, int64_t cols) {
    return rows == GEMM_MR && (cols == GEMM_NR || cols == 8);
}

/* One micro-tile's product into c by the epilogue (NULL: c += product): in place when the tile
 * is whole (rows == MR and cols == NR, or cols == 8 for the 6 x 8 kernel), else through a scratch
 * tile. The epilogue's bias is read for the rows given only. Inline: a call per tile cost 2% of a
 * 1024^3 GEMM. */
static inline void gemm_tile_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b, float *c,
                                    int64_t ldc, int64_t rows, int64_t cols, const gemm_epilogue *epilogue) {
    if (gemm_whole_tile(rows, cols)) (cols == 8 ? kernels->packed_8 : kernels->packed)(kc, a, b, c, ldc, epilogue);
    else gemm_partial_tile_update(kernels, kc, a, b, NULL, c, ldc, rows, cols, epilogue);
}

/* The same with the indirect kernels. */
static inline void gemm_indirect_tile_update(const gemm_kernels *kernels, int64_t kc, const float *a, const float *b,
                                             const int64_t *offsets, float *c, int64_t ldc, int64_t rows,
                                             int64_t cols, const gemm_epilogue *epilogue) {
    if (gemm_whole_tile(rows, cols))
        (cols == 8 ? kernels->indirect_8 : kernels->indirect)(kc, a, b, offsets, c, ldc, epilogue);
    else gemm_partial_tile_update(kernels, kc, a, b, offsets, c, ldc, rows, cols, epilogue);
}

/* The columns kernel's product for `panels` panels of A (panel p at a + p * panel_stride, its tile
 * at c + p * MR * ldc, its bias at epilogue->bias + p * MR) into c by the epilogue, as
 * gemm_partial_tile_update does: rows in all (the last panel's may end early), cols <=
 * GEMM_COLUMNS_MAX. */
void gemm_columns_update(const gemm_kernels *kernels, int64_t kc, int panels, const float *a, int64_t panel_stride,
                         const float *b, const int64_t *offsets, float *c, int64_t ldc, int64_t rows, int64_t cols,
                         const gemm_epilogue *epilogue);

/* An A micro-panel of kc rows asked for ahead of its use (prefetched) in pieces of whole cache
 * lines, one piece with each of `calls` kernel calls of an earlier panel, so that no burst of a
 * whole panel's lines stalls one call (conv_im2col.c and conv_transpose_gemm.c say how far ahead,
 * and measure it): next NULL asks for nothing. A piece is asked for before the call
 * (gemm_ahead_step), or handed to a pair kernel, which spreads its lines over its k loop
 * (gemm_ahead_piece): 24 prefetches in a row before each call held the 1024^3 SGEMM's loop for
 * 2% of its samples (perf). */
typedef struct gemm_ahead {
    const char *next;
    int64_t bytes, piece, done;
} gemm_ahead;

static inline gemm_ahead gemm_ahead_start(const float *next, int64_t kc, int64_t calls) {
    gemm_ahead ahead = {NULL, 0, 0, 0};
    if (next == NULL || calls < 1) return ahead;
    ahead.next = (const char *)next;
    ahead.bytes = kc * GEMM_MR * (int64_t)sizeof(float);
    ahead.piece = (ahead.bytes / calls + 63) / 64 * 64;
    return ahead;
}

/* The next piece: *lines cache lines from the pointer returned (0 when nothing is asked for). */
static inline const char *gemm_ahead_piece(gemm_ahead *ahead, int64_t *lines) {
    const int64_t end = ahead->done + ahead->piece < ahead->bytes ? ahead->done + ahead->piece : ahead->bytes;
    *lines = end > ahead->done ? (end - ahead->done + 63) / 64 : 0;
    if (*lines == 0) return NULL;
    const char *from = ahead->next + ahead->done;
    ahead->done = end;
    return from;
}

/* The next piece asked for before a kernel call. */
static inline void gemm_ahead_step(gemm_ahead *ahead) {
    int64_t lines;
    const char *from = gemm_ahead_piece(ahead, &lines);
    gemm_prefetch_lines(from, lines);
}

/* Packs one row k of B (pn columns from `row`) into its place in the NR-column panels of a block of
 * kc rows starting at b: panel jp holds b[jp * kc * NR + k * NR + j]; the last panel's missing
 * columns are zeros. */
void gemm_pack_b_row(const float *row, int64_t pn, int64_t kc, int64_t k, float *b);

/* Packs a whole block: kc rows of pn columns at src (row stride ld) into NR-column panels, one
 * panel at a time so that the writes are sequential (row by row, every row's store lands 16 KiB
 * from the last, and the panels alias in L1). */
void gemm_pack_b(const float *src, int64_t ld, int64_t kc, int64_t pn, float *b);

#endif
