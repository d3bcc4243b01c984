/* Transposed convolution as GEMM + col2im, per image and group:
 *
 *   cols[OC/g * KVOL][P_in] = A[OC/g * KVOL][IC/g] x X[IC/g][P_in],   A[ocg * KVOL + tap][ic] = w[ic][ocg][tap]
 *
 * and each cols element (ocg, tap, input position) is added to the output position it lands on,
 * o = i * stride - pad_begin + tap * dilation (when inside the output). cols is never stored: each
 * micro-tile is scattered as it is computed. Scattered adds from different rows can hit the same
 * output, so the work is split by blocks of output channels (fixed at plan time, each block's rows
 * packed into panels of its own): one thread owns each output element. Outputs start as
 * bias + residual; the activation is applied once a block is complete.
 *
 * An image of at most NR input positions (dcgan_up's 4 x 4) would give each A panel one tile of
 * 6 x P_in: six FMA chains a k step, too few to hide the FMA's latency. There (narrow_image) the
 * product is computed transposed, cols^T[P_in][rows] = X^T x A^T: the weights are B, packed at plan
 * time into NR-column panels, and the image's positions A, in at most three MR-row panels, so that
 * the pair kernels' tiles are whole again. The k blocks' products are summed in a scratch tile,
 * and each output takes them in one add, through lists of where each tap's positions land
 * (narrow_landings, made at plan time). dcgan_up 1.38-1.55x (jconv_ab, both orders, two runs
 * each), 1.16x -> 1.49x oneDNN (six rounds, builds alternating); 65% of its time had gone to the
 * kernel (6 x 16 tiles), 25% to scatter_tile's runs of 4 columns (perf). */
#include "../core/work_ranges.h"
#include "../gemm/gemm.h"
#include "conv.h"

#include <string.h>

/* Output-channel blocks per group: enough rows each to fill the GEMM, enough blocks for threads. */
static int64_t channel_blocks(const conv_geometry *g) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    int64_t blocks = g->out_channels_per_group * kvol / 96;
    if (blocks < 1) blocks = 1;
    if (blocks > 16) blocks = 16;
    if (blocks > g->out_channels_per_group) blocks = g->out_channels_per_group;
    return blocks;
}

/* The block's channel range [first, end) within the group. */
static void block_range(const conv_geometry *g, int64_t block, int64_t *first, int64_t *end) {
    const int64_t blocks = channel_blocks(g), size = (g->out_channels_per_group + blocks - 1) / blocks;
    *first = block * size < g->out_channels_per_group ? block * size : g->out_channels_per_group;
    *end = *first + size < g->out_channels_per_group ? *first + size : g->out_channels_per_group;
}

/* Few enough input positions that the product is computed transposed (see the top). */
static int narrow_image(const conv_geometry *g) {
    return g->in[0] * g->in[1] * g->in[2] <= GEMM_NR;
}

/* The packed weights' panels: MR-row panels of A, or NR-column panels of B in a narrow image. */
static int64_t panel_width(const conv_geometry *g) {
    return narrow_image(g) ? GEMM_NR : GEMM_MR;
}

static int64_t block_panels(const conv_geometry *g, int64_t block) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    int64_t first, end;
    block_range(g, block, &first, &end);
    return ((end - first) * kvol + panel_width(g) - 1) / panel_width(g);
}

/* Where block (group, block) starts in the packed weights, in panels. */
static int64_t panel_offset(const conv_geometry *g, int64_t group, int64_t block) {
    int64_t per_group = 0, before = 0;
    for (int64_t b = 0; b < channel_blocks(g); b++) {
        if (b == block) before = per_group;
        per_group += block_panels(g, b);
    }
    return group * per_group + before;
}

/* Where a narrow image's products land, worked out once at plan time (plan->landings holds the
 * three arrays one after the other): for each tap, the positions whose product lands inside
 * the output and the offsets in an output plane they land on, positions in order. A tile's row
 * of a tap is added through its list, short (at most NR) and without tests, where scatter_tile
 * works out runs and ranges per row and pair of rows; each output takes its adds in the same
 * order (tap after tap), so the bits are scatter_tile's. */
typedef struct narrow_landings {
    int64_t *count;    /* [tap] */
    int64_t *position; /* [tap][count] */
    int64_t *offset;   /* [tap][count]: (od * OH + oh) * OW + ow */
} narrow_landings;

/* The lists in a buffer of kvol * (1 + 2 * P_in) int64s. */
static narrow_landings narrow_landings_in(const conv_geometry *g, int64_t *buffer) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2], P_in = g->in[0] * g->in[1] * g->in[2];
    const narrow_landings landings = {buffer, buffer + kvol, buffer + kvol + kvol * P_in};
    return landings;
}

static void narrow_landings_fill(const conv_geometry *g, const narrow_landings *landings) {
    const int64_t KH = g->kernel[1], KW = g->kernel[2], kvol = g->kernel[0] * KH * KW;
    const int64_t IH = g->in[1], IW = g->in[2], P_in = g->in[0] * IH * IW;
    for (int64_t tap = 0; tap < kvol; tap++) {
        const int64_t kernel_at[3] = {tap / (KH * KW), tap / KW % KH, tap % KW};
        int64_t count = 0;
        for (int64_t p = 0; p < P_in; p++) {
            const int64_t in_at[3] = {p / (IW * IH), p / IW % IH, p % IW};
            int64_t offset = 0, inside = 1;
            for (int d = 0; d < 3; d++) {
                const int64_t o = in_at[d] * g->stride[d] - g->pad_begin[d] + kernel_at[d] * g->dilation[d];
                inside &= o >= 0 && o < g->out[d];
                offset = offset * g->out[d] + o;
            }
            if (!inside) continue;
            landings->position[tap * P_in + count] = p, landings->offset[tap * P_in + count] = offset;
            count++;
        }
        landings->count[tap] = count;
    }
}

jconv_status conv_transpose_gemm_prepare(struct jconv_conv_plan *plan) {
    const conv_geometry *g = &plan->geometry;
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2], K = g->in_channels_per_group;
    const int64_t OCg = g->out_channels_per_group, blocks = channel_blocks(g);
    const int64_t panels = panel_offset(g, g->groups, 0);
    int64_t count;
    if (!jconv_multiply_checked(panels * panel_width(g), K, &count))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "packed weights overflow");
    float *packed = jconv_alloc((size_t)count * sizeof(float));
    if (packed == NULL)
        return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate %lld bytes of packed weights",
                          (long long)(count * (int64_t)sizeof(float)));
    for (int64_t group = 0; group < g->groups; group++)
        for (int64_t block = 0; block < blocks; block++) {
            int64_t first, end;
            block_range(g, block, &first, &end);
            const int64_t rows = (end - first) * kvol;
            float *base = packed + panel_offset(g, group, block) * panel_width(g) * K;
            if (narrow_image(g)) { /* B[k][row] = w[group * K + k][first + row / kvol][row % kvol] */
                gemm_pack_b(plan->weights + (group * K * OCg + first) * kvol, OCg * kvol, K, rows, base);
                continue;
            }
            for (int64_t i = 0; i < block_panels(g, block); i++)
                for (int64_t k = 0; k < K; k++)
                    for (int r = 0; r < GEMM_MR; r++) {
                        const int64_t row = i * GEMM_MR + r, ocg = first + row / kvol, tap = row % kvol;
                        const int64_t ic = group * K + k;
                        base[(i * K + k) * GEMM_MR + r] =
                            row < rows ? plan->weights[(ic * OCg + ocg) * kvol + tap] : 0.0f;
                    }
        }
    plan->packed_weights = packed;
    if (narrow_image(g)) {
        int64_t entries;
        const int fits = jconv_multiply_checked(kvol, 1 + 2 * g->in[0] * g->in[1] * g->in[2], &entries) &&
                         entries <= JCONV_MAX_ELEMENTS;
        plan->landings = fits ? jconv_alloc((size_t)entries * sizeof(int64_t)) : NULL;
        if (plan->landings == NULL)
            return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the transposed convolution's landing lists");
        const narrow_landings landings = narrow_landings_in(g, plan->landings);
        narrow_landings_fill(g, &landings);
    }
    return JCONV_OK;
}

/* row[at + j * stride] += from[j] for j in [first, end), where those columns lie inside the row
 * (at itself may lie far outside it: the pointer is formed at the first column added, never at
 * at). Contiguous for stride 1, which the compiler vectorises. */
static inline void add_strided(float *row, int64_t at, int64_t stride, const float *from, int64_t first,
                               int64_t end) {
    if (first >= end) return;
    float *to = row + (at + first * stride);
    from += first;
    if (stride == 1) {
        for (int64_t j = 0; j < end - first; j++) to[j] += from[j];
    } else {
        for (int64_t j = 0; j < end - first; j++) to[j * stride] += from[j];
    }
}

/* Adds a micro-tile of cols (rows row0.., input positions p0..) to the output positions it lands on.
 * The tile's columns fall into a few runs along one input row each; per row of the tile and run,
 * the output row and the valid columns are worked out once, and the adds run along the output row
 * (contiguous for stride 1, which the compiler vectorises; strided otherwise). */
static void scatter_tile(const conv_geometry *g, const float *tile, int64_t ld, int64_t row0, int64_t rows,
                         int64_t first_oc, int64_t p0, int64_t cols, float *out_image) {
    const int64_t KH = g->kernel[1], KW = g->kernel[2], kvol = g->kernel[0] * KH * KW;
    const int64_t IH = g->in[1], IW = g->in[2], OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t SW = g->stride[2];
    int64_t start[2 * GEMM_NR + 1], base_d[2 * GEMM_NR], base_h[2 * GEMM_NR], base_w[2 * GEMM_NR];
    int runs = 0;
    int64_t iw = p0 % IW, ih = (p0 / IW) % IH, id = p0 / (IW * IH);
    for (int64_t c = 0; c < cols; runs++) {
        start[runs] = c;
        base_d[runs] = id * g->stride[0] - g->pad_begin[0];
        base_h[runs] = ih * g->stride[1] - g->pad_begin[1];
        base_w[runs] = iw * SW - g->pad_begin[2];
        c += IW - iw < cols - c ? IW - iw : cols - c;
        iw = 0, ih = ih + 1 == IH ? 0 : ih + 1, id += ih == 0;
    }
    start[runs] = cols;
    for (int64_t r = 0; r < rows; r++) {
        const int64_t row = row0 + r, oc = first_oc + row / kvol, tap = row % kvol;
        const int64_t off_d = tap / (KH * KW) * g->dilation[0], off_h = (tap / KW) % KH * g->dilation[1];
        const int64_t off_w = tap % KW * g->dilation[2];
        /* Stride 2 along W: row r + 1, the next tap along W of the same channel and kernel row,
         * lands on the odd columns between row r's: the two are added together, along the output
         * row, which the compiler vectorises (each output still takes its adds in the same order). */
        const int pair = SW == 2 && g->dilation[2] == 1 && r + 1 < rows && tap % KW + 1 < KW;
        float *plane = out_image + oc * OD * OH * OW;
        const float *t = tile + r * ld;
        for (int q = 0; q < runs; q++) {
            const int64_t od = base_d[q] + off_d, oh = base_h[q] + off_h, ow = base_w[q] + off_w;
            if ((uint64_t)od >= (uint64_t)OD || (uint64_t)oh >= (uint64_t)OH) continue;
            const int64_t n = start[q + 1] - start[q];
            float *out_row = plane + (od * OH + oh) * OW; /* column ow + j * SW */
            const float *from = t + start[q];
            int64_t first, end; /* run columns j in [first, end) land inside the output row */
            jconv_valid_range(ow, SW, OW, n, &first, &end);
            if (!pair) {
                add_strided(out_row, ow, SW, from, first, end);
                continue;
            }
            int64_t first1, end1; /* the odd row's, at ow + 1 */
            jconv_valid_range(ow + 1, SW, OW, n, &first1, &end1);
            const int64_t lo = first > first1 ? first : first1, hi = end < end1 ? end : end1;
            if (lo >= hi) {
                add_strided(out_row, ow, SW, from, first, end);
                add_strided(out_row, ow + 1, SW, from + ld, first1, end1);
                continue;
            }
            add_strided(out_row, ow, SW, from, first, lo), add_strided(out_row, ow, SW, from, hi, end);
            add_strided(out_row, ow + 1, SW, from + ld, first1, lo);
            add_strided(out_row, ow + 1, SW, from + ld, hi, end1);
            float *to = out_row + (ow + 2 * lo); /* columns of run columns lo.., both inside the row */
            const float *even = from + lo, *odd = from + ld + lo;
            for (int64_t j = 0; j < hi - lo; j++) to[2 * j] += even[j], to[2 * j + 1] += odd[j];
        }
        r += pair;
    }
}

/* Where B's panels come from: the whole image's X packed once per thread and kept while the
 * thread's items stay in one image and group (the chunk of columns from p0 at p0 * K, its k block
 * pc at pc * ceil16(pn) within); or (whole_image 0) each k block of each chunk packed into a kc x
 * nc buffer when it is used. */
typedef struct packed_x {
    float *buffer;
    int whole_image;  /* the buffer holds every chunk of X */
    int64_t image;    /* which (n * groups + group) it holds; -1: none */
} packed_x;

/* A block's output channels start as bias + residual (residual may alias dst: each element reads
 * its own before writing), and ... */
static void start_outputs(const struct jconv_conv_plan *plan, int64_t n, int64_t oc0, int64_t channels,
                          const float *residual, float *out_image) {
    const conv_geometry *g = &plan->geometry;
    const int64_t P_out = g->out[0] * g->out[1] * g->out[2];
    for (int64_t oc = oc0; oc < oc0 + channels; oc++)
        conv_row_init(out_image + oc * P_out, P_out, plan->bias != NULL ? plan->bias[oc] : 0.0f,
                      residual != NULL ? residual + (n * g->out_channels + oc) * P_out : NULL);
}

/* ... and take the activation once every product is added. */
static void finish_outputs(const struct jconv_conv_plan *plan, int64_t oc0, int64_t channels, float *out_image) {
    const conv_geometry *g = &plan->geometry;
    const int64_t P_out = g->out[0] * g->out[1] * g->out[2];
    for (int64_t oc = oc0; oc < oc0 + channels; oc++)
        conv_row_activate(&plan->post_ops, out_image + oc * P_out, P_out);
}

/* How many panels ahead a panel's calls ask for A's micro-panel (gemm_ahead): A (the
 * weights) streams from L3 or memory once per call, and with few columns (a 5 x 5 input: 25, one
 * pair call a panel) the hardware's prefetchers leave each panel waiting for it. Measured on
 * dcgan_up before it took the narrow way (16 columns), the bench beside oneDNN, builds alternating
 * (LD_PRELOAD), medians of 6-10 rounds: 0.975x -> 1.09x oneDNN, 1.03x -> 1.105x alone, 1.07x ->
 * 1.11x in the whole suite; 2, 3, 8 and 16 panels ahead no better than 4, 1 slower. Now, on
 * dcgan_up's layer at 5 x 5: 1.10-1.16x against none (jconv_ab, both orders, two runs each);
 * fcn_up_op, unet_up and 8 x 8 and 16 x 16 inputs within the noise. */
#define A_AHEAD_PANELS 4

/* Not inlined into the parallel region: inlined there (as gcc 12 chose once gemm_blocking grew),
 * the three transposed layers ran 0.91-0.97x (jconv_ab, both orders). */
static JCONV_NOINLINE void compute_block(const struct jconv_conv_plan *plan, const gemm_kernels *kernels, int64_t n,
                                         int64_t group, int64_t block, const float *src, const float *residual,
                                         float *dst, gemm_blocking cache_blocks, packed_x *x) {
    const conv_geometry *g = &plan->geometry;
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2], K = g->in_channels_per_group;
    const int64_t P_in = g->in[0] * g->in[1] * g->in[2], P_out = g->out[0] * g->out[1] * g->out[2];
    int64_t first, end;
    block_range(g, block, &first, &end);
    const int64_t oc0 = group * g->out_channels_per_group + first, rows = (end - first) * kvol;
    float *out_image = dst + n * g->out_channels * P_out;
    start_outputs(plan, n, oc0, end - first, residual, out_image);
    const float *src_group = src + (n * g->in_channels + group * K) * P_in;
    const int64_t image = n * g->groups + group, nc = cache_blocks.nc_packed;
    const int pack = !x->whole_image || x->image != image; /* else the kept image has every block */
    x->image = x->whole_image ? image : -1;
    const float *packed = plan->packed_weights + panel_offset(g, group, block) * GEMM_MR * K;
    const int64_t panels = block_panels(g, block);
    float tile[GEMM_MR * 2 * GEMM_NR];
    const gemm_epilogue product = GEMM_EPILOGUE_PRODUCT;
    const int64_t k_block = gemm_k_block(K, cache_blocks.kc_packed);
    for (int64_t p0 = 0; p0 < P_in; p0 += nc) {
        const int64_t pn = P_in - p0 < nc ? P_in - p0 : nc;
        const int64_t n_panels = (pn + GEMM_NR - 1) / GEMM_NR;
        for (int64_t pc = 0; pc < K; pc += k_block) {
            const int64_t kc = K - pc < k_block ? K - pc : k_block;
            /* the kept image's place for this block, or the kc x nc buffer */
            float *b = x->whole_image ? x->buffer + p0 * K + pc * n_panels * GEMM_NR : x->buffer;
            if (pack) gemm_pack_b(src_group + pc * P_in + p0, P_in, kc, pn, b);
            for (int64_t i = 0; i < panels; i++) {
                const float *a = packed + (i * K + pc) * GEMM_MR;
                const int64_t panel_rows = rows - i * GEMM_MR < GEMM_MR ? rows - i * GEMM_MR : GEMM_MR;
                /* two panels of B at a time where the ISA has a pair kernel (the tile is scratch:
                 * a last panel's rows past the matrix or columns past pn are computed, not added) */
                const int64_t step = kernels->pair != NULL ? 2 : 1;
                const float *a_ahead = i + A_AHEAD_PANELS < panels ? a + A_AHEAD_PANELS * K * GEMM_MR : NULL;
                gemm_ahead ahead = gemm_ahead_start(a_ahead, kc, (n_panels + step - 1) / step);
                for (int64_t jp = 0; jp < n_panels; jp += step) {
                    const float *bj = b + jp * kc * GEMM_NR;
                    const int64_t width = jp + step <= n_panels ? step * GEMM_NR : GEMM_NR;
                    if (width > GEMM_NR) { /* the pair kernel asks for its piece of A as it goes */
                        int64_t ahead_lines;
                        const char *piece = gemm_ahead_piece(&ahead, &ahead_lines);
                        kernels->pair(kc, a, bj, bj + kc * GEMM_NR, NULL, tile, width, GEMM_NR, &product, piece,
                                      ahead_lines);
                    } else {
                        gemm_ahead_step(&ahead);
                        kernels->packed(kc, a, bj, tile, width, &product);
                    }
                    const int64_t cols = pn - jp * GEMM_NR < width ? pn - jp * GEMM_NR : width;
                    scatter_tile(g, tile, width, i * GEMM_MR, panel_rows, oc0, p0 + jp * GEMM_NR, cols, out_image);
                }
            }
        }
    }
    finish_outputs(plan, oc0, end - first, out_image);
}

/* The most MR-row panels a narrow image's positions fill (NR of them). */
#define NARROW_PANELS ((GEMM_NR + GEMM_MR - 1) / GEMM_MR)

/* compute_block for a narrow image: for each pair of the block's B panels (32 rows of cols), the
 * product's 32 columns for every position (X^T's panels, packed once per image and kept in
 * x->buffer), k block after k block into a scratch tile, then added to the output through the
 * landings. */
static JCONV_NOINLINE void compute_narrow_block(const struct jconv_conv_plan *plan, const gemm_kernels *kernels,
                                                int64_t n, int64_t group, int64_t block, const float *src,
                                                const float *residual, float *dst, gemm_blocking cache_blocks,
                                                packed_x *x, const narrow_landings *landings) {
    const conv_geometry *g = &plan->geometry;
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2], K = g->in_channels_per_group;
    const int64_t P_in = g->in[0] * g->in[1] * g->in[2], P_out = g->out[0] * g->out[1] * g->out[2];
    const int64_t positions_panels = (P_in + GEMM_MR - 1) / GEMM_MR;
    int64_t first, end;
    block_range(g, block, &first, &end);
    const int64_t oc0 = group * g->out_channels_per_group + first, rows = (end - first) * kvol;
    float *out_image = dst + n * g->out_channels * P_out;
    start_outputs(plan, n, oc0, end - first, residual, out_image);
    const int64_t image = n * g->groups + group;
    if (x->image != image) { /* X^T: panel i, row k holds positions i * MR.. of input channel k */
        const float *src_group = src + (n * g->in_channels + group * K) * P_in;
        for (int64_t i = 0; i < positions_panels; i++)
            for (int64_t k = 0; k < K; k++)
                for (int64_t r = 0; r < GEMM_MR; r++) {
                    const int64_t p = i * GEMM_MR + r;
                    x->buffer[(i * K + k) * GEMM_MR + r] = p < P_in ? src_group[k * P_in + p] : 0.0f;
                }
        x->image = image;
    }
    const float *packed = plan->packed_weights + panel_offset(g, group, block) * GEMM_NR * K;
    const int64_t panels = block_panels(g, block), step = kernels->pair != NULL ? 2 : 1;
    const int64_t k_block = gemm_k_block(K, cache_blocks.kc_packed);
    const gemm_epilogue product_start = GEMM_EPILOGUE_PRODUCT;
    float product[NARROW_PANELS * GEMM_MR][2 * GEMM_NR]; /* [position][row of cols] */
    for (int64_t jp = 0; jp < panels; jp += step) {
        const int64_t width = jp + step <= panels ? step * GEMM_NR : GEMM_NR;
        const float *b = packed + jp * GEMM_NR * K;
        for (int64_t pc = 0; pc < K; pc += k_block) {
            const int64_t kc = K - pc < k_block ? K - pc : k_block;
            const gemm_epilogue *epilogue = pc == 0 ? &product_start : NULL; /* then c += product */
            for (int64_t i = 0; i < positions_panels; i++) {
                const float *a = x->buffer + (i * K + pc) * GEMM_MR;
                const int short_panel = P_in - i * GEMM_MR <= 4; /* the 4-row kernels: rows past 4 unused */
                float *c = product[i * GEMM_MR];
                if (width > GEMM_NR)
                    (short_panel ? kernels->pair_4 : kernels->pair)(kc, a, b + pc * GEMM_NR, b + (K + pc) * GEMM_NR,
                                                                    NULL, c, 2 * GEMM_NR, GEMM_NR, epilogue, NULL, 0);
                else
                    (short_panel ? kernels->packed_4 : kernels->packed)(kc, a, b + pc * GEMM_NR, c, 2 * GEMM_NR,
                                                                        epilogue);
            }
        }
        const int64_t tile_rows = rows - jp * GEMM_NR < width ? rows - jp * GEMM_NR : width;
        for (int64_t col = 0; col < tile_rows; col++) {
            const int64_t row = jp * GEMM_NR + col, tap = row % kvol;
            float *plane = out_image + (oc0 + row / kvol) * P_out;
            const int64_t *position = landings->position + tap * P_in, *offset = landings->offset + tap * P_in;
            for (int64_t q = 0; q < landings->count[tap]; q++) plane[offset[q]] += product[position[q]][col];
        }
    }
    finish_outputs(plan, oc0, end - first, out_image);
}

/* The largest packed image a thread keeps, in floats (4 MiB); beyond it each chunk is packed when
 * it is used. */
#define MAX_PACKED_IMAGE (1LL << 20)

jconv_status conv_transpose_gemm_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                         float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int64_t blocks = channel_blocks(g), items = g->batch * g->groups * blocks;
    const int64_t K = g->in_channels_per_group, P_in = g->in[0] * g->in[1] * g->in[2];
    const gemm_kernels *kernels = gemm_kernels_active();
    const gemm_blocking cache_blocks = gemm_blocks();
    const int threads = jconv_threads();
    /* X packed whole (every chunk's panels, the last one's padded to NR columns) when a thread
     * gets several blocks of an image to reuse it for */
    const int narrow = narrow_image(g);
    const int64_t whole = K * (P_in + GEMM_NR), whole_image = blocks > threads && whole <= MAX_PACKED_IMAGE;
    const int64_t buffer_floats = narrow        ? K * NARROW_PANELS * GEMM_MR
                                  : whole_image ? whole
                                                : cache_blocks.kc_packed * cache_blocks.nc_packed;
    const narrow_landings landings = narrow ? narrow_landings_in(g, plan->landings) : (narrow_landings){0};
    int failed = 0;
    /* each thread its own range of blocks first, then what is left of the others' (work_ranges.h) */
    jconv_work_ranges work;
    jconv_work_ranges_init(&work, threads, items);
#pragma omp parallel num_threads(threads) if (threads > 1 && items > 1) reduction(| : failed)
    {
        const int thread = jconv_thread_index();
        /* each thread packs an image's X once and keeps it while its blocks last (a block used to
         * pack it again for itself: 16 blocks, 16 times) */
        packed_x x = {jconv_alloc((size_t)buffer_floats * sizeof(float)), (int)whole_image, -1};
        if (x.buffer == NULL) failed = 1;
        int64_t first, end;
        while (x.buffer != NULL && jconv_work_next(&work, thread, &first, &end))
            for (int64_t item = first; item < end; item++) {
                const int64_t block = item % blocks, group = (item / blocks) % g->groups;
                const int64_t n = item / (blocks * g->groups);
                if (narrow)
                    compute_narrow_block(plan, kernels, n, group, block, src, residual, dst, cache_blocks, &x,
                                         &landings);
                else
                    compute_block(plan, kernels, n, group, block, src, residual, dst, cache_blocks, &x);
            }
        jconv_free(x.buffer);
    }
    if (failed) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the GEMM packing buffer");
    return JCONV_OK;
}
