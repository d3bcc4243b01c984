/* Convolution as a GEMM per image and group, BLIS's loops around a register-blocked micro-kernel:
 *
 *   C[OC/g][P] = A[OC/g][K] x B[K][P],  K = IC/g * KD*KH*KW,  P = OD*OH*OW,
 *   B[k][p] = x[n][g*IC/g + ic(k)][in position of output p and tap k] (0 in the padding).
 *
 * A (the weights) is packed into MR-row panels once, at plan time. B is never materialised: each
 * kc x nc block (gemm.h: kc_packed x nc_packed) is gathered from the input straight into NR-column
 * panels (the im2col is fused into the packing), so scratch is one such block per thread whatever
 * the layer, or a band of input rows read in place (im2col_rows.h). Either way an A micro-panel
 * stays in L1 while the B micro-panels pass it. A 1x1 stride-1
 * unpadded convolution packs plain rows of the input. Threads split the output columns (and
 * images and groups), so both cores work at batch 1; a small map splits the output channels or K
 * (then at most K_SUMS_MAX_FLOATS more of scratch); where A's block streams from L3, the threads
 * pass each other groups of panels one k block at a time (the ordered way). Bias, residual and
 * activation are applied as each micro-tile is written. */
#include "../core/work_ranges.h"
#include "../gemm/gemm.h"
#include "conv.h"
#include "im2col_pieces.h"
#include "im2col_rows.h"

#include <string.h>

#include <math.h>

static int64_t gemm_k(const conv_geometry *g) {
    return g->in_channels_per_group * g->kernel[0] * g->kernel[1] * g->kernel[2];
}

static int64_t m_panels(const conv_geometry *g) { return (g->out_channels_per_group + GEMM_MR - 1) / GEMM_MR; }

jconv_status conv_im2col_prepare(struct jconv_conv_plan *plan) {
    const conv_geometry *g = &plan->geometry;
    const int64_t K = gemm_k(g), M = g->out_channels_per_group, panels = m_panels(g);
    int64_t count;
    if (!jconv_multiply_checked(g->groups * panels * GEMM_MR, K, &count))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "packed weights overflow");
    float *packed = jconv_alloc((size_t)(count + GEMM_A_SLACK) * sizeof(float));
    if (packed == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate %lld bytes of packed weights",
                                          (long long)(count * (int64_t)sizeof(float)));
    /* Panel (group, i) holds rows i*MR.. of the group's [M][K] weights column by column: [K][MR]. */
    for (int64_t group = 0; group < g->groups; group++)
        for (int64_t i = 0; i < panels; i++) {
            float *panel = packed + (group * panels + i) * K * GEMM_MR;
            for (int64_t k = 0; k < K; k++)
                for (int r = 0; r < GEMM_MR; r++) {
                    const int64_t row = i * GEMM_MR + r;
                    panel[k * GEMM_MR + r] = row < M ? plan->weights[(group * M + row) * K + k] : 0.0f;
                }
        }
    for (int i = 0; i < GEMM_A_SLACK; i++) packed[count + i] = 0.0f;
    plan->packed_weights = packed;
    return JCONV_OK;
}

/* One run of B's columns along W (outputs ow.. of one (od, oh)) for one tap: columns [to, to +
 * len) of the row, of which [to + first, to + end) read the input at channel + from, from + SW, ..
 * and the others are padding (zeros). Every input channel has the same runs for the same tap. */
typedef struct gather_run {
    int64_t to, len, first, end, from;
} gather_run;

/* The runs of columns [p0, p0 + pn) for tap (kd, kh, kw) = tap; at most pn / OW + 2 of them. */
static int64_t tap_runs(const conv_geometry *g, int64_t tap, int64_t p0, int64_t pn, gather_run *runs) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], OH = g->out[1], OW = g->out[2];
    const int64_t KH = g->kernel[1], KW = g->kernel[2];
    const int64_t kd = tap / (KH * KW), kh = (tap / KW) % KH, kw = tap % KW;
    const int64_t off_w = kw * g->dilation[2] - g->pad_begin[2], SW = g->stride[2];
    /* the first column's output position; later runs step it without dividing */
    int64_t ow = p0 % OW, oh = (p0 / OW) % OH, od = p0 / (OW * OH), count = 0;
    for (int64_t j = 0; j < pn; ow = 0, oh = oh + 1 == OH ? 0 : oh + 1, od += oh == 0) {
        gather_run *run = &runs[count++];
        run->to = j, run->len = OW - ow < pn - j ? OW - ow : pn - j;
        run->first = run->end = run->from = 0;
        const int64_t id = od * g->stride[0] - g->pad_begin[0] + kd * g->dilation[0];
        const int64_t ih = oh * g->stride[1] - g->pad_begin[1] + kh * g->dilation[1];
        if (id >= 0 && id < ID && ih >= 0 && ih < IH) {
            /* outputs ow + t, t in [first, end), read inside the row: iw = (ow + t) * SW + off_w */
            jconv_valid_range(ow * SW + off_w, SW, IW, run->len, &run->first, &run->end);
            if (run->end > run->first) run->from = (id * IH + ih) * IW + (ow + run->first) * SW + off_w;
        }
        j += run->len;
    }
    return count;
}

/* Plain loops, not memset and memcpy: the runs are short (a row of 28, pads of 0-2), and with the
 * calls dl3_atrous ran 0.95-0.98x (jconv_ab, both orders). */
static void copy_floats(float *restrict to, const float *restrict from, int64_t n) {
    for (int64_t t = 0; t < n; t++) to[t] = from[t];
}

static void zero_floats(float *to, int64_t n) {
    for (int64_t t = 0; t < n; t++) to[t] = 0.0f;
}

/* Every other float: a constant stride the compiler vectorises (even lanes of pairs), restrict so
 * that it does without a run-time overlap check per run. */
static void copy_even_floats(float *restrict to, const float *restrict from, int64_t n) {
    for (int64_t t = 0; t < n; t++) to[t] = from[2 * t];
}

/* B's row for one input channel and the tap of `runs`: the runs' input values, 0 in the padding.
 * (No pointer into the channel is formed for a run that reads nothing of it: UBSan, huge
 * paddings.) */
static void gather_row(const float *channel, const gather_run *runs, int64_t count, int64_t SW, float *row) {
    for (const gather_run *run = runs; run < runs + count; run++) {
        float *to = row + run->to;
        zero_floats(to, run->first);
        const int64_t n = run->end - run->first;
        if (n > 0) {
            const float *from = channel + run->from;
            if (SW == 1) {
                copy_floats(to + run->first, from, n);
            } else if (SW == 2) {
                copy_even_floats(to + run->first, from, n);
            } else {
                for (int64_t t = 0; t < n; t++) to[run->first + t] = from[t * SW];
            }
        }
        zero_floats(to + run->end, run->len - run->end);
    }
}

/* A 1x1 kernel, stride 1 and no padding at either end: the output plane is the input plane.
 * (pad_end matters: the fuzzer found a 1x1 with end padding reading past the input.) */
static int plain_pointwise(const conv_geometry *g) {
    int pointwise = g->kernel[0] * g->kernel[1] * g->kernel[2] == 1;
    for (int dim = 0; dim < 3; dim++)
        pointwise = pointwise && g->stride[dim] == 1 && g->pad_begin[dim] == 0 && g->pad_end[dim] == 0;
    return pointwise;
}

/* The most runs tap_runs gives for pn columns. */
static int64_t max_runs(const conv_geometry *g, int64_t pn) {
    const int64_t runs = pn / g->out[2] + 2;
    return runs < pn ? runs : pn;
}

#if defined(__x86_64__) || defined(__i386__)
typedef void (*pieces_rows_fn)(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                               const uint8_t *counts, int64_t panels, int64_t SW, float *to, int64_t row_step,
                               int64_t panel_floats);

/* The kernel that builds B's rows as pieces (im2col_pieces.h) for the active ISA, with stride 1 or
 * 2 along W; NULL: the gather. */
static pieces_rows_fn pieces_kernel(const conv_geometry *g) {
    if (g->stride[2] != 1 && g->stride[2] != 2) return NULL;
    if (jconv_isa_level_active() == JCONV_ISA_AVX512) return im2col_pieces_rows_avx512;
    return jconv_isa_runs_avx2() ? im2col_pieces_rows_avx2 : NULL;
}

/* The pieces of each of the panels of pn columns for one tap's runs, or 0 if a panel needs more
 * than IM2COL_PIECES_MAX. A run's valid columns [to + first, to + end) read from + t * SW. */
static int tap_pieces(const gather_run *runs, int64_t count, int64_t pn, int64_t SW, im2col_piece *pieces,
                      uint8_t *counts) {
    const int64_t panels = (pn + GEMM_NR - 1) / GEMM_NR;
    memset(counts, 0, (size_t)panels);
    for (const gather_run *run = runs; run < runs + count; run++) {
        const int64_t c0 = run->to + run->first, c1 = run->to + run->end;
        for (int64_t jp = c0 / GEMM_NR; jp * GEMM_NR < c1; jp++) {
            if (counts[jp] == IM2COL_PIECES_MAX) return 0;
            const int64_t base = jp * GEMM_NR, a = c0 > base ? c0 - base : 0;
            const int64_t b = c1 < base + GEMM_NR ? c1 - base : GEMM_NR;
            im2col_piece *piece = &pieces[jp * IM2COL_PIECES_MAX + counts[jp]++];
            piece->from = run->from + (base - c0) * SW;
            piece->lanes = piece->load_lo = piece->load_hi = 0;
            for (int64_t j = a; j < b; j++) {
                piece->lanes |= (uint16_t)(1u << j);
                if (j < 8) piece->load_lo |= (uint16_t)(1u << (2 * j));
                else piece->load_hi |= (uint16_t)(1u << (2 * j - 16));
            }
        }
    }
    return 1;
}
#endif

/* Packs B[pc .. pc+kc)[p0 .. p0+pn) of one image and group into NR-column panels (panel jp holds
 * b[kk * NR + j] for its 16 columns), zero-padding the last one. A plain pointwise convolution's
 * rows are input rows as they are; others go tap by tap: the rows of one tap (every input
 * channel's) share its runs, worked out once per block (that per-row work was about 40% of
 * dl3_atrous's gather: perf, 15% of the layer before, 9% after), and on AVX-512 and AVX2 its
 * pieces, from which each panel's rows are filled in place; else each row is gathered into a row first and
 * copied into the panels. scratch: the runs, then the pieces and their counts (panels of each). */
static void pack_b(const conv_geometry *g, const float *src_group, int64_t pc, int64_t kc, int64_t p0, int64_t pn,
                   float *b, float *row, gather_run *runs) {
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    if (plain_pointwise(g)) {
        gemm_pack_b(src_group + pc * plane + p0, plane, kc, pn, b);
        return;
    }
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    for (int64_t tap = 0; tap < kvol; tap++) {
        /* the block's first row of this tap: k = ic * kvol + tap */
        const int64_t k0 = pc + ((tap - pc % kvol) + kvol) % kvol;
        if (k0 >= pc + kc) continue;
        const int64_t count = tap_runs(g, tap, p0, pn, runs);
        const float *channel = src_group + k0 / kvol * plane;
#if defined(__x86_64__) || defined(__i386__)
        const int64_t panels = (pn + GEMM_NR - 1) / GEMM_NR;
        im2col_piece *pieces = (im2col_piece *)(void *)(runs + max_runs(g, pn));
        uint8_t *counts = (uint8_t *)(pieces + panels * IM2COL_PIECES_MAX);
        const pieces_rows_fn kernel = pieces_kernel(g);
        if (kernel != NULL && tap_pieces(runs, count, pn, g->stride[2], pieces, counts)) {
            kernel(channel, plane, (pc + kc - k0 + kvol - 1) / kvol, pieces, counts, panels, g->stride[2],
                   b + (k0 - pc) * GEMM_NR, kvol * GEMM_NR, kc * GEMM_NR);
            continue;
        }
#endif
        for (int64_t k = k0; k < pc + kc; k += kvol, channel += plane) {
            gather_row(channel, runs, count, g->stride[2], row);
            gemm_pack_b_row(row, pn, kc, k - pc, b);
        }
    }
}

/* One work item: output-channel panels [first, last) of one image and group, over a chunk of the
 * output plane. The packed way the chunk is columns [start, start + columns) of the flattened
 * plane, tile jp its columns jp * NR..; the band way (rows != NULL) it is tiles t0 .. t0 +
 * row_tiles - 1 (columns t * NR..) of output rows oh0.. of depth plane od, tile jp the
 * (jp % row_tiles)-th of row oh0 + jp / row_tiles. start: the first tile's output position. */
typedef struct chunk {
    int64_t n, group, first, last, start, columns, tiles;
    int64_t block; /* one k block: the one this chunk sums (k_sums) or, ordered, adds to the output */
    int ordered;   /* the ordered way's item: block is one k block in order, into the output */
    const im2col_rows_layout *rows;
    const int64_t *offsets; /* the band way's B row offsets, K of them */
    int64_t od, oh0, t0, row_tiles; /* row_tiles: this chunk's tiles per row (the last piece may be short) */
} chunk;

/* The post-ops' activation as the kernels' clamp (none: clamp 0). */
static gemm_epilogue conv_clamp_epilogue(const jconv_post_ops *post_ops) {
    gemm_epilogue e = {NULL, 0, 0, 0.0f, 0.0f};
    e.clamp = conv_clamp_bounds(post_ops, &e.lo, &e.hi);
    return e;
}

/* What every micro-tile of one k block of a chunk shares. */
typedef struct tile_block {
    const gemm_kernels *kernels;
    const float *a;       /* the chunk's group's packed weights at k = pc */
    const float *bias;    /* the group's bias, or NULL */
    const float *residual;
    const int64_t *offsets; /* the band way's B row offsets from k = pc, else NULL */
    float *dst, *c;       /* c: the chunk's first output (row m at c + m * P) */
    int64_t K, M, P, pc, kc;
    int first_block;      /* pc == 0: tiles start at the bias (and residual) */
    int last_block;       /* pc + kc == K: tiles take the activation */
    gemm_epilogue clamp;
} tile_block;

/* The epilogue of the output rows x cols at tile, panel i's first row on, in this k block: in the
 * first block it starts at the bias, or, with a residual, the rows are set to bias + residual here
 * (each element reads its own before writing: the residual may be the output) and accumulated; in
 * the last it clamps. */
static inline gemm_epilogue start_tile(const tile_block *t, int64_t i, float *tile, int64_t rows, int64_t cols) {
    const float *bias = t->bias != NULL ? t->bias + i * GEMM_MR : NULL;
    if (t->first_block && t->residual != NULL)
        for (int64_t r = 0; r < rows; r++)
            conv_row_init(tile + r * t->P, cols, bias != NULL ? bias[r] : 0.0f, t->residual + (tile + r * t->P - t->dst));
    const gemm_epilogue epilogue = {bias, t->first_block && t->residual == NULL, t->last_block && t->clamp.clamp,
                                    t->clamp.lo, t->clamp.hi};
    return epilogue;
}

/* Panel i times the B panel at b into output columns [column, column + cols) of the chunk, by the
 * kernel or, for an edge tile, through a scratch tile. next: how far the next tile's output is, to
 * prefetch it (missed in cache on first touch). */
static inline void update_tile(const tile_block *t, int64_t i, const float *b, int64_t column, int64_t cols,
                               int64_t next) {
    const float *a = t->a + i * t->K * GEMM_MR;
    const int64_t rows = t->M - i * GEMM_MR < GEMM_MR ? t->M - i * GEMM_MR : GEMM_MR;
    float *tile = t->c + i * GEMM_MR * t->P + column;
    for (int64_t r = 0; r < rows; r++) __builtin_prefetch(tile + r * t->P + next, 1);
    const gemm_epilogue epilogue = start_tile(t, i, tile, rows, cols);
    if (t->offsets != NULL)
        gemm_indirect_tile_update(t->kernels, t->kc, a, b, t->offsets, tile, t->P, rows, cols, &epilogue);
    else
        gemm_tile_update(t->kernels, t->kc, a, b, tile, t->P, rows, cols, &epilogue);
}

/* Panel i times two B panels, the one at b into output columns [column, column + cols) of the
 * chunk and the one at b2 into [column2, column2 + cols2), by the pair kernels (gemm.h), the bits
 * of two update_tile calls: in place when the two are whole and side by side, else through a
 * scratch tile. next: how far the next pair's output is. */
static inline void update_pair(const tile_block *t, int64_t i, const float *b, int64_t column, int64_t cols,
                               const float *b2, int64_t column2, int64_t cols2, int64_t next, const char *ahead,
                               int64_t ahead_lines) {
    const int64_t rows = t->M - i * GEMM_MR < GEMM_MR ? t->M - i * GEMM_MR : GEMM_MR;
    float *tile = t->c + i * GEMM_MR * t->P + column, *tile2 = t->c + i * GEMM_MR * t->P + column2;
    for (int64_t r = 0; r < rows; r++)
        __builtin_prefetch(tile + r * t->P + next, 1), __builtin_prefetch(tile2 + r * t->P + next, 1);
    const gemm_epilogue epilogue = start_tile(t, i, tile, rows, cols);
    start_tile(t, i, tile2, rows, cols2); /* the same epilogue; a residual's rows set */
    gemm_pair_update(t->kernels, t->kc, t->a + i * t->K * GEMM_MR, b, b2, t->offsets, tile, cols, tile2, cols2, t->P,
                     rows, &epilogue, ahead, ahead_lines);
}

/* The same for the last cols (<= GEMM_COLUMNS_MAX) columns of panels [i, i + panels), together. */
static void update_columns(const tile_block *t, int64_t i, int panels, const float *b, int64_t column,
                           int64_t cols) {
    const int64_t rows = t->M - i * GEMM_MR < panels * GEMM_MR ? t->M - i * GEMM_MR : panels * GEMM_MR;
    float *tile = t->c + i * GEMM_MR * t->P + column;
    const gemm_epilogue epilogue = start_tile(t, i, tile, rows, cols);
    gemm_columns_update(t->kernels, t->kc, panels, t->a + i * t->K * GEMM_MR, t->K * GEMM_MR, b, t->offsets, tile,
                        t->P, rows, cols, &epilogue);
}

/* How many of the chunk's panels from i0 on the columns kernel takes together. */
static int column_group(const chunk *ch, int64_t i0) {
    return (int)(ch->last - i0 < GEMM_COLUMN_PANELS ? ch->last - i0 : GEMM_COLUMN_PANELS);
}

/* Whether the packed way's A block (the chunk's panels over one k block) is larger than L2, so
 * that each A micro-panel comes from L3 or memory on its first call. */
static int a_block_streams(int64_t panels, int64_t kc) {
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    return panels * kc * GEMM_MR * (int64_t)sizeof(float) > l2;
}

/* The next panel's A micro-panel asked for a piece before each pair call of the current panel
 * (gemm_ahead, when A streams, with A_AHEAD_MIN_PAIRS pairs or more), so that it is in cache when
 * its first call runs: the 1024^3 SGEMM (2 MiB of A per k block, 8 pairs per panel) 1.05-1.06x
 * (jconv_ab, both orders), 87-88% -> 89.5-91% of the FMA peak (bench, builds alternating, five
 * rounds); a whole panel asked for at once before r50_s5_1x1up's one pair per panel was slower
 * (0.95x). */
#define A_AHEAD_MIN_PAIRS 4

/* Split by k (a small map, see split_work): the k blocks after the first are summed apart, each
 * into its own copy of the output, sums[(block - 1) * floats + the output's index], and added to
 * the output in block order at the end (add_k_sums). Their epilogue starts at a bias of -0.0f,
 * which leaves every product's bits as they are (x + -0 = x, -0 included). */
typedef struct k_sums {
    float *sums;
    int64_t floats;
    const float *minus_zero; /* a bias of panels x MR of them */
} k_sums;

/* The band row that the chunk's output row r starts at: r * SH rows in, formed per row (SH x
 * row_stride alone overflows with a huge stride, which the fuzzer found). */
static inline const float *band_row_of(const conv_geometry *g, const chunk *ch, const float *band, int64_t r) {
    return band + r * g->stride[1] * ch->rows->row_stride;
}

/* Each micro-tile of the output starts as bias (+ residual) in the first k block and takes the
 * activation in the last, in the kernels' epilogue: no passes over the output. buffer: the packed
 * block, a gathered row and its runs, or the band. The loops count tiles and panels without
 * dividing. A chunk of one k block (ch->block >= 0) runs that block alone: the first into the
 * output, without the activation, a later one into its sum (k_sums); an ordered chunk runs its
 * block into the output, after the earlier blocks of its panels (run_ordered). packed: which
 * block of B the buffer holds (NULL: none kept), packing: this chunk's block (the ordered way's
 * items of one block over groups of panels pack it once). */
static void compute_chunk(const struct jconv_conv_plan *plan, const chunk *ch, int64_t kc_max, const float *src,
                          const float *residual, float *dst, float *buffer, const k_sums *split, int64_t *packed,
                          int64_t packing) {
    const conv_geometry *g = &plan->geometry;
    const int64_t K = gemm_k(g), M = g->out_channels_per_group, P = g->out[0] * g->out[1] * g->out[2];
    const int64_t panels = m_panels(g), OW = g->out[2];
    const float *src_group =
        src + (ch->n * g->in_channels + ch->group * g->in_channels_per_group) * g->in[0] * g->in[1] * g->in[2];
    tile_block t = {gemm_kernels_active(), NULL, plan->bias != NULL ? plan->bias + ch->group * M : NULL, residual,
                    NULL, dst, dst + (ch->n * g->out_channels + ch->group * M) * P + ch->start, K, M, P, 0, 0, 0, 0,
                    conv_clamp_epilogue(&plan->post_ops)};
    if (ch->rows != NULL) im2col_rows_fill_band(g, ch->rows, src_group, ch->od, ch->oh0, ch->t0, buffer);
    const int64_t k_block = gemm_k_block(K, kc_max);
    const int64_t first_pc = ch->block >= 0 ? ch->block * k_block : 0;
    const int64_t end_pc = ch->block >= 0 && first_pc + k_block < K ? first_pc + k_block : K;
    if (ch->block > 0 && !ch->ordered) { /* a later k block: into its sum, as a first block with no bias of its own */
        float *sum = split->sums + (ch->block - 1) * split->floats;
        t.c = sum + (t.c - dst), t.dst = sum;
        t.bias = split->minus_zero, t.residual = NULL;
    }
    for (int64_t pc = first_pc; pc < end_pc; pc += k_block) {
        const int64_t kc = K - pc < k_block ? K - pc : k_block;
        t.a = plan->packed_weights + (ch->group * panels * K + pc) * GEMM_MR;
        t.pc = pc, t.kc = kc, t.first_block = ch->ordered ? pc == 0 : pc == first_pc;
        t.last_block = pc + kc == K && (ch->block < 0 || ch->ordered);
        if (ch->rows == NULL) {
            /* The packed way runs the tiles of a panel in turn: its A micro-panel stays in L1 and
             * the packed B streams from L2. The gathered row and the runs go after the widest
             * packed block. */
            float *row = buffer + kc_max * ch->tiles * GEMM_NR;
            if (packed == NULL || *packed != packing)
                pack_b(g, src_group, pc, kc, ch->start, ch->columns, buffer, row,
                       (gather_run *)(void *)(row + ch->tiles * GEMM_NR));
            if (packed != NULL) *packed = packing;
            /* an ordered chunk's panels are a group of the block's: A streams as the block does,
             * and the next group's first panel is asked for too */
            const int64_t ahead_end = ch->ordered ? panels : ch->last;
            const int a_streams = a_block_streams(ch->ordered ? panels : ch->last - ch->first, kc);
            /* a last tile of a few columns goes to the columns kernel, 8 panels at a time */
            const int64_t tail = ch->columns % GEMM_NR;
            const int64_t tiles = tail != 0 && tail <= GEMM_COLUMNS_MAX ? ch->tiles - 1 : ch->tiles;
            for (int64_t i0 = ch->first; i0 < ch->last; i0 += GEMM_COLUMN_PANELS) {
                const int group = column_group(ch, i0);
                for (int64_t i = i0; i < i0 + group; i++) {
                    int64_t jp = 0, column = 0;
                    const int ahead_wanted = a_streams && i + 1 < ahead_end && tiles / 2 >= A_AHEAD_MIN_PAIRS;
                    gemm_ahead ahead =
                        gemm_ahead_start(ahead_wanted ? t.a + (i + 1) * K * GEMM_MR : NULL, kc, tiles / 2);
                    if (t.kernels->pair != NULL) /* tiles two at a time, the last two even if the second is short */
                        for (; jp + 1 < tiles; jp += 2, column += 2 * GEMM_NR) {
                            int64_t ahead_lines;
                            const char *piece = gemm_ahead_piece(&ahead, &ahead_lines);
                            const int64_t cols2 = ch->columns - column - GEMM_NR < GEMM_NR ? ch->columns - column - GEMM_NR
                                                                                          : GEMM_NR;
                            update_pair(&t, i, buffer + jp * kc * GEMM_NR, column, GEMM_NR,
                                        buffer + (jp + 1) * kc * GEMM_NR, column + GEMM_NR, cols2, 2 * GEMM_NR, piece,
                                        ahead_lines);
                        }
                    for (; jp < tiles; jp++, column += GEMM_NR) {
                        const int64_t cols = ch->columns - column < GEMM_NR ? ch->columns - column : GEMM_NR;
                        update_tile(&t, i, buffer + jp * kc * GEMM_NR, column, cols, GEMM_NR);
                    }
                }
                if (tiles < ch->tiles)
                    update_columns(&t, i0, group, buffer + tiles * kc * GEMM_NR, tiles * GEMM_NR, tail);
            }
        } else {
            /* The band way too runs the tiles of a panel in turn, its A micro-panel in L1 while
             * the tiles' B rows, scattered over the band (in L2), stream past it (against a
             * tile's B rows kept in L1 while the panels streamed: 1.00-1.04x at 2 threads, up to
             * 1.07x at 1). Tile t of the chunk's row r is output columns r * OW + t * NR.. and
             * reads the band at row r * SH; a row's last few columns go to the columns kernel. */
            t.offsets = ch->offsets + pc;
            const int64_t rows = ch->tiles / ch->row_tiles;
            const int64_t last = OW - (ch->t0 + ch->row_tiles - 1) * GEMM_NR; /* the last tile's columns */
            const int64_t tail = last <= GEMM_COLUMNS_MAX ? last : 0;
            const int64_t tiles = tail != 0 ? ch->row_tiles - 1 : ch->row_tiles;
            /* the row's whole tiles (all but a short last one); with pair kernels the chunk's
             * tiles go two at a time in order, a row's last with the next row's first (r50_conv1's
             * rows of 7 tiles) */
            const int64_t whole = last >= GEMM_NR ? ch->row_tiles : ch->row_tiles - 1;
            const int pairs = t.kernels->pair != NULL;
            for (int64_t i0 = ch->first; i0 < ch->last; i0 += GEMM_COLUMN_PANELS) {
                const int group = column_group(ch, i0);
                for (int64_t i = i0; i < i0 + group; i++) {
                    const float *held = NULL; /* a tile waiting for its pair: its B, column, columns */
                    int64_t held_column = 0, held_cols = 0;
                    for (int64_t r = 0; r < rows; r++) {
                        const float *band_row = band_row_of(g, ch, buffer, r);
                        for (int64_t tile = 0; tile < tiles; tile++) {
                            const float *b = band_row + tile * GEMM_NR;
                            const int64_t column = r * OW + tile * GEMM_NR, cols = tile < whole ? GEMM_NR : last;
                            if (!pairs) {
                                update_tile(&t, i, b, column, cols, GEMM_NR);
                            } else if (held == NULL) {
                                held = b, held_column = column, held_cols = cols;
                            } else {
                                update_pair(&t, i, held, held_column, held_cols, b, column, cols, 2 * GEMM_NR, NULL, 0);
                                held = NULL;
                            }
                        }
                    }
                    if (held != NULL) update_tile(&t, i, held, held_column, held_cols, GEMM_NR);
                }
                if (tail != 0)
                    for (int64_t r = 0; r < rows; r++)
                        update_columns(&t, i0, group, band_row_of(g, ch, buffer, r) + tiles * GEMM_NR,
                                       r * OW + tiles * GEMM_NR, tail);
            }
        }
    }
}

/* How the work is cut: (image and group) x chunks x parts of the output channels, as many items
 * as a multiple of the threads where possible so that every thread gets an even share. Chunks are
 * made smaller while they keep 8 tiles or more; a small map at batch 1 (7x7, 14x14) splits the
 * channels instead, each part forming the same B (small there), or, the packed way, when K has
 * blocks enough and the output is smaller than B, splits K: each item one k block of all the
 * channels, the blocks after the first summed apart (k_sums). Splitting the channels packs the
 * whole B once per part, splitting K adds one copy of the output per block: mb2_pw_14 (K 576, M
 * 96 of 196 columns) 1.00-1.07x at 2 threads (median of six runs 1.05x). */
typedef struct work_split {
    int64_t chunks, parts, items;
    int64_t k_blocks;    /* > 0: split by k into this many blocks (chunk.block) */
    int64_t nc;          /* the packed way: the widest chunk's columns, a multiple of NR */
    int64_t rows, tiles; /* the band way: output rows per chunk and tiles of each */
    int64_t tail, own;   /* tail > 1: each thread's last of its `own` chunks cut into this many */
    int64_t panel_groups, blocks; /* > 0: the ordered way, an item per chunk, k block and group of panels */
} work_split;

/* The band way's chunks: per depth plane, row groups x pieces of a row. */
static int64_t band_chunks(const conv_geometry *g, const im2col_rows_layout *band, int64_t rows, int64_t tiles) {
    return g->out[0] * ((g->out[1] + rows - 1) / rows) * ((band->row_tiles + tiles - 1) / tiles);
}

/* How small split_work makes the packed way's chunks for the threads to share (see there). */
#define MIN_CHUNKS_PER_THREAD 4
#define MIN_CHUNK_TILES 6

/* Each thread's last chunk in at most TAIL_PIECES pieces of TAIL_TILES tiles or more (split_work). */
#define TAIL_PIECES 4
#define TAIL_TILES 4

/* The ordered way's groups of panels: about 2% of a thread's share of the 1024^3 SGEMM (4 chunks
 * of 171 panels in one k block), the most another thread can be left waiting for. */
#define ORDERED_GROUP_PANELS 12

/* The most floats the sums of a split by k may take: a small map's copies of the output. */
#define K_SUMS_MAX_FLOATS ((int64_t)1 << 20)

static work_split split_work(const conv_geometry *g, const im2col_rows_layout *band, int64_t nc_max, int64_t kc_max,
                             int threads) {
    const int64_t P = g->out[0] * g->out[1] * g->out[2], K = gemm_k(g), M = g->out_channels_per_group;
    const int64_t images = g->batch * g->groups, panels = m_panels(g);
    work_split w = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (band != NULL) {
        w.rows = band->rows_per_chunk, w.tiles = band->chunk_tiles;
        w.chunks = band_chunks(g, band, w.rows, w.tiles);
    } else {
        w.chunks = (P + nc_max - 1) / nc_max;
    }
    for (int steps = 0; steps < 256 && (images * w.chunks * w.parts) % threads != 0; steps++) {
        /* fewer rows or tiles per chunk, the chunks kept even */
        const int64_t fewer_rows = band != NULL && w.rows > 1 ? jconv_smaller_even_part(g->out[1], w.rows) : 0;
        const int64_t fewer_tiles =
            band != NULL && w.rows == 1 && w.tiles > 1 ? jconv_smaller_even_part(band->row_tiles, w.tiles) : 0;
        if (fewer_rows * w.tiles >= 8) {
            w.rows = fewer_rows;
        } else if (fewer_tiles >= 8) {
            w.tiles = fewer_tiles;
        } else if (band == NULL && (P + w.chunks) / (w.chunks + 1) >= 8 * GEMM_NR) {
            w.chunks++;
            continue;
        } else if (panels / (w.parts + 1) >= 2) {
            w.parts++;
            continue;
        } else {
            break;
        }
        w.chunks = band_chunks(g, band, w.rows, w.tiles);
    }
    if (band == NULL) {
        /* the chunks share the tiles evenly (chunk_of); nc: the widest one's columns */
        const int64_t tiles = (P + GEMM_NR - 1) / GEMM_NR;
        /* at least MIN_CHUNKS_PER_THREAD chunks each where they keep MIN_CHUNK_TILES tiles, added
         * threads at a time so that the share stays even: r50_s3_3x3s2 in 8 chunks rather than 4
         * ran 1.5-2% faster (its slower thread 1.37-1.38 M TSC cycles per call against 1.40-1.44,
         * rdtsc per thread; smaller chunks keep B's block beside A's in L2 and leave less to the
         * slower core at the end). Not when A's block is larger than L2: each chunk streams it
         * again (the 1024^3 SGEMM in 8 chunks: 85-86% of the FMA peak against 88% in 4, in k
         * blocks of kc_packed; its blocks and chunks are the streaming ones now, gemm.h). */
        const int64_t k_block = gemm_k_block(K, kc_max), blocks = (K + k_block - 1) / k_block;
        const int a_streams = a_block_streams(panels, k_block);
        const int more_chunks = (images * w.chunks) % threads == 0 && !a_streams;
        while (more_chunks && images * w.chunks < MIN_CHUNKS_PER_THREAD * threads &&
               tiles / (w.chunks + threads) >= MIN_CHUNK_TILES)
            w.chunks += threads;
        if (w.chunks > tiles) w.chunks = tiles;
        w.nc = (tiles + w.chunks - 1) / w.chunks * GEMM_NR;
        if (w.parts > 1 && blocks > 1 && M <= K && (images * w.chunks * blocks) % threads == 0 &&
            blocks - 1 <= K_SUMS_MAX_FLOATS / (images * M * P))
            w.parts = 1, w.k_blocks = blocks;
        if (images == 1 && w.parts == 1 && w.k_blocks == 0 && w.chunks % threads == 0 && w.chunks / threads >= 2 &&
            !a_streams) {
            /* each thread's last chunk in pieces of TAIL_TILES or more, which a thread that is done
             * takes from the other's range (work_ranges.h): a core that runs a few percent slower
             * than the other then hands its last pieces over instead of keeping it waiting */
            const int64_t most = tiles / w.chunks / TAIL_TILES;
            w.tail = most < TAIL_PIECES ? most : TAIL_PIECES, w.own = w.chunks / threads;
            if (w.tail < 2) w.tail = 0;
        }
        if (threads > 1 && a_streams && w.parts == 1 && w.k_blocks == 0)
            w.panel_groups = (panels + ORDERED_GROUP_PANELS - 1) / ORDERED_GROUP_PANELS, w.blocks = blocks;
    }
    w.items = images * w.chunks * w.parts * (w.k_blocks > 0 ? w.k_blocks : 1) *
              (w.panel_groups > 0 ? w.blocks * w.panel_groups : 1);
    if (w.tail > 0) w.items = threads * (w.chunks / threads - 1 + w.tail);
    return w;
}

/* The chunk of work item `item`. */
static chunk chunk_of(const conv_geometry *g, const work_split *w, const im2col_rows_layout *band,
                      const int64_t *offsets, int64_t item) {
    const int64_t P = g->out[0] * g->out[1] * g->out[2], OH = g->out[1], OW = g->out[2], panels = m_panels(g);
    chunk ch = {0};
    ch.block = -1;
    int64_t panel_group = 0;
    if (w->panel_groups > 0) {
        panel_group = item % w->panel_groups, ch.block = item / w->panel_groups % w->blocks, ch.ordered = 1;
        item /= w->panel_groups * w->blocks;
    }
    if (w->k_blocks > 0) ch.block = item % w->k_blocks, item /= w->k_blocks;
    const int64_t part = item % w->parts, index = item / w->parts % w->chunks;
    ch.group = w->tail > 0 ? 0 : item / (w->parts * w->chunks) % g->groups;
    ch.n = w->tail > 0 ? 0 : item / (w->parts * w->chunks * g->groups);
    ch.first = panels * part / w->parts, ch.last = panels * (part + 1) / w->parts;
    if (ch.ordered)
        ch.first = panels * panel_group / w->panel_groups, ch.last = panels * (panel_group + 1) / w->panel_groups;
    if (band == NULL) {
        /* the first tiles % chunks chunks take one tile more than the others: chunks differ by one
         * tile at most, so that the threads' shares are even (P 784 in 4 chunks of 13, 13, 13 and
         * 10 tiles, as chunks of nc columns were, left one thread 26 tiles and the other 23) */
        int64_t chunk_index = index, piece = -1;
        if (w->tail > 0) { /* one image and part: thread t's items are its chunks but the last, then
                            * the last's pieces (work ranges give each thread `per` items) */
            const int64_t per = w->own - 1 + w->tail, thread = item / per, local = item % per;
            chunk_index = thread * w->own + (local < w->own - 1 ? local : w->own - 1);
            if (local >= w->own - 1) piece = local - (w->own - 1);
        }
        const int64_t tiles = (P + GEMM_NR - 1) / GEMM_NR, each = tiles / w->chunks, more = tiles % w->chunks;
        int64_t first = chunk_index * each + (chunk_index < more ? chunk_index : more);
        ch.tiles = each + (chunk_index < more);
        if (piece >= 0) { /* cut between pairs of tiles, so that no piece adds a lone tile */
            const int64_t pairs = (ch.tiles + 1) / 2, from = 2 * (pairs * piece / w->tail);
            const int64_t to = 2 * (pairs * (piece + 1) / w->tail) < ch.tiles ? 2 * (pairs * (piece + 1) / w->tail)
                                                                               : ch.tiles;
            first += from, ch.tiles = to - from;
        }
        ch.start = first * GEMM_NR;
        ch.columns = P - ch.start < ch.tiles * GEMM_NR ? P - ch.start : ch.tiles * GEMM_NR;
        return ch;
    }
    const int64_t pieces = (band->row_tiles + w->tiles - 1) / w->tiles, groups = (OH + w->rows - 1) / w->rows;
    ch.rows = band, ch.offsets = offsets;
    ch.od = index / (groups * pieces);
    ch.oh0 = index / pieces % groups * w->rows;
    ch.t0 = index % pieces * w->tiles;
    const int64_t rows = OH - ch.oh0 < w->rows ? OH - ch.oh0 : w->rows;
    const int64_t tiles = band->row_tiles - ch.t0 < w->tiles ? band->row_tiles - ch.t0 : w->tiles;
    ch.start = (ch.od * OH + ch.oh0) * OW + ch.t0 * GEMM_NR;
    ch.row_tiles = tiles;
    ch.tiles = rows * tiles;
    return ch;
}

/* Output rows [first, end) (of P floats each) plus their k blocks' sums, in block order, then the
 * activation: the additions and clamp the kernels make on the k blocks in turn, so the bits are
 * those of the same convolution run without the split. */
static void add_k_sums(const k_sums *split, int64_t k_blocks, const gemm_epilogue *clamp, int64_t P, int64_t first,
                       int64_t end, float *dst) {
    const float lo = clamp->lo, hi = clamp->hi;
    float *restrict out = dst + first * P;
    const int64_t n = (end - first) * P;
    for (int64_t block = 1; block < k_blocks; block++) { /* a pass per block: loops the compiler vectorises */
        const float *restrict sum = split->sums + (block - 1) * split->floats + first * P;
        if (block < k_blocks - 1 || !clamp->clamp) {
            for (int64_t i = 0; i < n; i++) out[i] = out[i] + sum[i];
            continue;
        }
        for (int64_t i = 0; i < n; i++) {
            const float v = out[i] + sum[i];
            out[i] = v < lo ? lo : v > hi ? hi : v;
        }
    }
}

/* The ordered way (work_split.panel_groups), for layers whose A block streams from L3 (the 1024^3
 * SGEMM): each thread's chunks of columns as in the packed way, cut into items of one k block and
 * a group of panels, taken one at a time from the work ranges. A slower core's last groups go to
 * the other thread (a static split of whole chunks left the faster one waiting: one of this VM's
 * vCPUs at times runs 12% slower for minutes), which packs that block of B for itself. A later k
 * block of a group adds to what the earlier one wrote, so it runs after it, as the owner's order
 * has it (the bits do not depend on who ran what): a thread claims an item before running it,
 * runs the earlier block's item first if it is still free, and otherwise waits for it to be done.
 * Each wait is for an item of an earlier k block, claimed by a thread that is running it: no
 * cycle, whatever the team. */
enum { ITEM_FREE, ITEM_CLAIMED, ITEM_DONE };

typedef struct ordered_items {
    const struct jconv_conv_plan *plan;
    const work_split *w;
    int64_t kc;
    const float *src, *residual;
    float *dst, *buffer; /* buffer: the thread's own */
    _Atomic int *states; /* an ITEM_ state per item */
    int64_t packed;      /* which k block of which chunk (item / panel_groups) the buffer holds, or -1 */
} ordered_items;

static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Runs item unless another thread has claimed it; then, with wait, returns once it is done. */
static void run_ordered(ordered_items *o, int64_t item, int wait) {
    int free_state = ITEM_FREE;
    if (atomic_compare_exchange_strong(&o->states[item], &free_state, ITEM_CLAIMED)) {
        if (item / o->w->panel_groups % o->w->blocks > 0) run_ordered(o, item - o->w->panel_groups, 1);
        const chunk ch = chunk_of(&o->plan->geometry, o->w, NULL, NULL, item);
        compute_chunk(o->plan, &ch, o->kc, o->src, o->residual, o->dst, o->buffer, NULL, &o->packed,
                      item / o->w->panel_groups);
        atomic_store_explicit(&o->states[item], ITEM_DONE, memory_order_release);
        return;
    }
    while (wait && atomic_load_explicit(&o->states[item], memory_order_acquire) != ITEM_DONE) spin_pause();
}

jconv_status conv_im2col_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                 float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int threads = jconv_threads();
    const gemm_blocking blocks = gemm_blocks();
    im2col_rows_layout layout;
    const im2col_rows_layout *band =
        !plain_pointwise(g) && im2col_rows_layout_init(g, blocks.nc, &layout) ? &layout : NULL;
    /* both ways keep A's micro-panel in L1, but where A's block outgrows L2 (gemm.h) */
    const int streaming =
        band == NULL && a_block_streams(m_panels(g), gemm_k_block(gemm_k(g), blocks.kc_packed));
    const int64_t kc = streaming ? blocks.kc_streaming : blocks.kc_packed;
    const int64_t nc = band != NULL ? blocks.nc : streaming ? blocks.nc_streaming : blocks.nc_packed;
    const work_split w = split_work(g, band, nc, kc, threads);
    if (band != NULL) im2col_rows_set_chunk(g, &layout, w.rows, w.tiles);
    /* per thread: the band, or the packed block, one gathered row, its runs and pieces, and a gap
     * (jconv_thread_stride); then the band's offsets, or a split by k's sums and its bias of -0.0f */
    const int64_t run_floats = (int64_t)((sizeof(gather_run) * (size_t)max_runs(g, w.nc) +
                                          (sizeof(im2col_piece) * IM2COL_PIECES_MAX + 1) * (size_t)(w.nc / GEMM_NR) +
                                          sizeof(float) - 1) / sizeof(float));
    const size_t per_thread = (size_t)(band != NULL ? layout.band_floats : kc * w.nc + w.nc + run_floats);
    const size_t stride = jconv_thread_stride(per_thread, threads), threads_floats = stride * (size_t)threads;
    const int64_t K = gemm_k(g), offset_floats = band != NULL ? K * (int64_t)(sizeof(int64_t) / sizeof(float)) : 0;
    const int64_t P = g->out[0] * g->out[1] * g->out[2], rows = g->batch * g->out_channels;
    const int64_t sum_floats = w.k_blocks > 0 ? (w.k_blocks - 1) * rows * P + m_panels(g) * GEMM_MR : 0;
    const int64_t state_floats =
        w.panel_groups > 0 ? (w.items * (int64_t)sizeof(_Atomic int) + (int64_t)sizeof(float) - 1) / (int64_t)sizeof(float)
                           : 0;
    int shared;
    float *buffers = jconv_scratch_acquire(
        plan->scratch, (threads_floats + (size_t)(offset_floats + sum_floats + state_floats)) * sizeof(float), &shared);
    if (buffers == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the im2col buffers");
    int64_t *offsets = (int64_t *)(void *)(buffers + threads_floats);
    if (band != NULL) im2col_rows_offsets(g, band, offsets);
    k_sums split = {buffers + threads_floats, rows * P, NULL};
    if (w.k_blocks > 0) {
        float *minus_zero = split.sums + (w.k_blocks - 1) * split.floats;
        for (int64_t i = 0; i < m_panels(g) * GEMM_MR; i++) minus_zero[i] = -0.0f;
        split.minus_zero = minus_zero;
    }
    _Atomic int *states = (_Atomic int *)(void *)(buffers + threads_floats + offset_floats + sum_floats);
    for (int64_t i = 0; w.panel_groups > 0 && i < w.items; i++) atomic_init(&states[i], ITEM_FREE);
    const gemm_epilogue clamp = conv_clamp_epilogue(&plan->post_ops);

    /* Each thread takes its own range of chunks, then what is left of the others' (a slow core's
     * chunks go to a fast one): the packed way's column chunks stay in order for the prefetchers
     * (one at a time, round robin: 0.86-1.03x on a 1x1), the band way's rows balance (a static
     * split: r50_conv1 0.84-0.90x). */
    jconv_work_ranges work, sum_rows;
    if (w.panel_groups > 0) jconv_work_ranges_init_units(&work, threads, w.items, (w.items + threads - 1) / threads);
    else jconv_work_ranges_init(&work, threads, w.items);
    if (w.k_blocks > 0) jconv_work_ranges_init(&sum_rows, threads, rows);
#pragma omp parallel num_threads(threads) if (threads > 1 && w.items > 1)
    {
        const int thread = jconv_thread_index();
        float *buffer = buffers + stride * (size_t)thread;
        ordered_items ordered = {plan, &w, kc, src, residual, dst, buffer, states, -1};
        int64_t first, end;
        while (jconv_work_next(&work, thread, &first, &end))
            for (int64_t item = first; item < end; item++) {
                if (w.panel_groups > 0) {
                    run_ordered(&ordered, item, 0);
                    continue;
                }
                const chunk ch = chunk_of(g, &w, band, offsets, item);
                compute_chunk(plan, &ch, kc, src, residual, dst, buffer, &split, NULL, -1);
            }
        if (w.k_blocks > 0) {
#pragma omp barrier
            while (jconv_work_next(&sum_rows, thread, &first, &end))
                add_k_sums(&split, w.k_blocks, &clamp, P, first, end, dst);
        }
    }
    jconv_scratch_release(plan->scratch, buffers, shared);
    return JCONV_OK;
}
