/* Convolution as a GEMM per image and group, BLIS's loops around a register-blocked micro-kernel:
 *
 *   C[OC/g][P] = A[OC/g][K] x B[K][P],  K = IC/g * KD*KH*KW,  P = OD*OH*OW,
 *   B[k][p] = x[n][g*IC/g + ic(k)][in position of output p and tap k] (0 in the padding).
 *
 * A (the weights) is packed into MR-row panels once, at plan time. B is never materialised: each
 * KC x NC block is gathered from the input straight into NR-column panels (the im2col is fused into
 * the packing), so scratch is one KC x NC block per thread whatever the layer. A 1x1 stride-1
 * unpadded convolution packs plain rows of the input. Threads split the output columns (and
 * images and groups), so both cores work at batch 1. Bias, residual and activation are applied as
 * each micro-tile is written. */
#include "../gemm/gemm.h"
#include "conv.h"

#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

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
    float *packed = jconv_alloc((size_t)count * sizeof(float));
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
    plan->packed_weights = packed;
    return JCONV_OK;
}

/* Gathers row k of B over columns [p0, p0 + pn) into row: the input values output p reads for tap
 * k, 0 in the padding. Runs along W are copied (stride 1) or strided, with the padded ends zeroed. */
static void gather_row(const conv_geometry *g, const float *src_group, int64_t k, int64_t p0, int64_t pn, float *row) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], OH = g->out[1], OW = g->out[2];
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2], kvol = KD * KH * KW;
    const int64_t ic = k / kvol, tap = k % kvol, kd = tap / (KH * KW), kh = (tap / KW) % KH, kw = tap % KW;
    const float *channel = src_group + ic * ID * IH * IW;
    const int64_t off_w = kw * g->dilation[2] - g->pad_begin[2], SW = g->stride[2];
    /* the first column's output position; later runs step it without dividing */
    int64_t ow = p0 % OW, oh = (p0 / OW) % OH, od = p0 / (OW * OH);
    for (int64_t j = 0; j < pn; ow = 0, oh = oh + 1 == OH ? 0 : oh + 1, od += oh == 0) {
        /* one run of outputs along W at a fixed (od, oh) */
        const int64_t run = OW - ow < pn - j ? OW - ow : pn - j;
        const int64_t id = od * g->stride[0] - g->pad_begin[0] + kd * g->dilation[0];
        const int64_t ih = oh * g->stride[1] - g->pad_begin[1] + kh * g->dilation[1];
        float *to = row + j;
        if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
            memset(to, 0, (size_t)run * sizeof(float));
        } else {
            const float *in_row = channel + (id * IH + ih) * IW;
            /* outputs ow + t, t in [first, end), read inside the row: iw = (ow + t) * SW + off_w */
            int64_t first, end;
            conv_valid_range(ow * SW + off_w, SW, IW, run, &first, &end);
            if (first > 0) memset(to, 0, (size_t)first * sizeof(float));
            if (SW == 1) {
                if (end > first) memcpy(to + first, in_row + ow + off_w + first, (size_t)(end - first) * sizeof(float));
            } else if (SW == 2) { /* a constant stride the compiler vectorises (even lanes of pairs) */
                const float *from = in_row + (ow + first) * 2 + off_w;
                for (int64_t t = 0; t < end - first; t++) to[first + t] = from[2 * t];
            } else {
                for (int64_t t = first; t < end; t++) to[t] = in_row[(ow + t) * SW + off_w];
            }
            if (end < run) memset(to + end, 0, (size_t)(run - end) * sizeof(float));
        }
        j += run;
    }
}

/* Packs B[pc .. pc+kc)[p0 .. p0+pn) of one image and group into NR-column panels (panel jp holds
 * b[kk * NR + j] for its 16 columns), zero-padding the last one. A 1x1 stride-1 unpadded
 * convolution's rows are input rows as they are; others are gathered into a row first. */
static void pack_b(const conv_geometry *g, const float *src_group, int64_t pc, int64_t kc, int64_t p0, int64_t pn,
                   float *b, float *row) {
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2], plane = g->in[0] * g->in[1] * g->in[2];
    /* A 1x1 kernel, stride 1 and no padding at either end: the output plane is the input plane.
     * (pad_end matters: the fuzzer found a 1x1 with end padding reading past the input.) */
    int pointwise = kvol == 1;
    for (int dim = 0; dim < 3; dim++)
        pointwise = pointwise && g->stride[dim] == 1 && g->pad_begin[dim] == 0 && g->pad_end[dim] == 0;
    if (pointwise) {
        gemm_pack_b(src_group + pc * plane + p0, plane, kc, pn, b);
        return;
    }
    for (int64_t kk = 0; kk < kc; kk++) {
        gather_row(g, src_group, pc + kk, p0, pn, row);
        gemm_pack_b_row(row, pn, kc, kk, b);
    }
}

/* One image and group, output columns [p0, p0 + pn), output-channel panels [first, last). Each
 * micro-tile of the output starts as bias + residual right before the first k block adds into it,
 * and takes the activation right after the last, while it is in L1: no separate passes over the
 * output. */
static void compute_chunk(const struct jconv_conv_plan *plan, gemm_ukernel_fn ukernel, int64_t n, int64_t group,
                          int64_t p0, int64_t pn, int64_t first, int64_t last, const float *src,
                          const float *residual, float *dst, int64_t kc_max, float *b, float *row) {
    const conv_geometry *g = &plan->geometry;
    const int64_t K = gemm_k(g), M = g->out_channels_per_group, P = g->out[0] * g->out[1] * g->out[2];
    const int64_t panels = m_panels(g), n_panels = (pn + GEMM_NR - 1) / GEMM_NR;
    const float *src_group =
        src + (n * g->in_channels + group * g->in_channels_per_group) * g->in[0] * g->in[1] * g->in[2];
    float *c = dst + (n * g->out_channels + group * M) * P + p0; /* row m of the group: c + m * P */
    for (int64_t pc = 0; pc < K; pc += kc_max) {
        const int64_t kc = K - pc < kc_max ? K - pc : kc_max;
        pack_b(g, src_group, pc, kc, p0, pn, b, row);
        for (int64_t i = first; i < last; i++) {
            const float *a = plan->packed_weights + ((group * panels + i) * K + pc) * GEMM_MR;
            const int64_t rows = M - i * GEMM_MR < GEMM_MR ? M - i * GEMM_MR : GEMM_MR;
            for (int64_t jp = 0; jp < n_panels; jp++) {
                const int64_t cols = pn - jp * GEMM_NR < GEMM_NR ? pn - jp * GEMM_NR : GEMM_NR;
                float *tile = c + i * GEMM_MR * P + jp * GEMM_NR;
                if (pc == 0)
                    for (int64_t r = 0; r < rows; r++) {
                        const int64_t m = i * GEMM_MR + r;
                        conv_row_init(tile + r * P, cols, plan->bias != NULL ? plan->bias[group * M + m] : 0.0f,
                                      residual != NULL ? residual + (tile + r * P - dst) : NULL);
                    }
                if (jp + 1 < n_panels) /* the next tile's output rows, missed in cache on first touch */
                    for (int64_t r = 0; r < rows; r++) __builtin_prefetch(tile + r * P + GEMM_NR, 1);
                gemm_tile_update(ukernel, kc, a, b + jp * kc * GEMM_NR, tile, P, rows, cols);
                if (pc + kc == K)
                    for (int64_t r = 0; r < rows; r++) conv_row_activate(&plan->post_ops, tile + r * P, cols);
            }
        }
    }
}

jconv_status conv_im2col_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                 float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int64_t P = g->out[0] * g->out[1] * g->out[2];
    const int threads = jconv_threads();
    /* Work items: (image and group) x column chunks of at most NC (a multiple of NR) x parts of the
     * output channels, as many as a multiple of the threads so that every thread gets an even
     * share. The columns are split while chunks keep 8 panels or more; a small map at batch 1 (7x7,
     * 14x14) splits the channels instead, each part packing the same B (small there). */
    const int64_t images = g->batch * g->groups, panels = m_panels(g);
    const gemm_blocking blocks = gemm_blocks();
    int64_t chunks = (P + blocks.nc - 1) / blocks.nc, parts = 1;
    while ((images * chunks * parts) % threads != 0) {
        if ((P + chunks) / (chunks + 1) >= 8 * GEMM_NR) chunks++;
        else if (panels / (parts + 1) >= 2) parts++;
        else break;
    }
    int64_t nc = (P + chunks - 1) / chunks;
    nc = (nc + GEMM_NR - 1) / GEMM_NR * GEMM_NR;
    chunks = (P + nc - 1) / nc;
    const int64_t items = images * chunks * parts;
    const gemm_ukernel_fn ukernel = gemm_ukernel();
    /* per thread: the packed block, then one gathered row */
    const size_t per_thread = (size_t)(blocks.kc * nc + nc + 15) / 16 * 16;
    int shared;
    float *buffers = jconv_scratch_acquire(plan->scratch, per_thread * (size_t)threads * sizeof(float), &shared);
    if (buffers == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the im2col packing buffers");

#pragma omp parallel num_threads(threads) if (threads > 1 && items > 1)
    {
        int thread = 0;
#ifdef _OPENMP
        thread = omp_get_thread_num();
#endif
        float *b = buffers + per_thread * (size_t)thread;
#pragma omp for schedule(static)
        for (int64_t item = 0; item < items; item++) {
            const int64_t part = item % parts, chunk = item / parts % chunks;
            const int64_t group = item / (parts * chunks) % g->groups, n = item / (parts * chunks * g->groups);
            const int64_t p0 = chunk * nc, pn = P - p0 < nc ? P - p0 : nc;
            compute_chunk(plan, ukernel, n, group, p0, pn, panels * part / parts, panels * (part + 1) / parts, src,
                          residual, dst, blocks.kc, b, b + blocks.kc * nc);
        }
    }
    jconv_scratch_release(plan->scratch, buffers, shared);
    return JCONV_OK;
}
