/* A dilated stride-1 convolution as undilated ones on its input's phases (the space-to-batch of
 * TensorFlow's atrous_conv2d): with dilation d along a dim, output o = d i + r reads only inputs
 * d (i + k) + r - pad, k = 0..K-1, so the outputs of phase r are a plain convolution, no padding,
 * of the sequence x_r[j] = x[d j + r - pad] (zero outside the input). Every phase (per dim) is
 * ceil(out / d) outputs long and reads ceil(out / d) + K - 1 inputs; the phases of an image become
 * images of the inner batch. A dilation beyond the output's length leaves one output per phase:
 * only the phases with an output are made (a tiny map with a huge dilation stays small). Dims
 * with a 1-tap kernel have one phase (their padding is materialised the same way). The
 * convolution itself is unchanged: the same taps, the same sums. */
#include "dilation_phases.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

int dilation_phases_needed(const conv_geometry *g) {
    for (int dim = 0; dim < 3; dim++)
        if (g->kernel[dim] > 1 && g->dilation[dim] > 1) return 1;
    return 0;
}

/* Along dim: the step between a phase's inputs (and outputs), and the phases with an output. */
static int64_t step_along(const conv_geometry *g, int dim) { return g->kernel[dim] > 1 ? g->dilation[dim] : 1; }
static int64_t phases_along(const conv_geometry *g, int dim) {
    const int64_t step = step_along(g, dim);
    return step < g->out[dim] ? step : g->out[dim];
}

jconv_status dilation_phases_geometry(const conv_geometry *g, conv_geometry *inner) {
    *inner = *g;
    int64_t phases = 1, in_plane = 1, out_plane = 1, images, src_planes, dst_planes;
    int fits = 1;
    for (int dim = 0; dim < 3; dim++) {
        const int64_t d = step_along(g, dim);
        inner->out[dim] = (g->out[dim] + d - 1) / d;
        inner->in[dim] = inner->out[dim] + g->kernel[dim] - 1;
        inner->pad_begin[dim] = inner->pad_end[dim] = 0;
        inner->dilation[dim] = 1;
        fits = fits && jconv_multiply_checked(phases, phases_along(g, dim), &phases) &&
               jconv_multiply_checked(in_plane, inner->in[dim], &in_plane) &&
               jconv_multiply_checked(out_plane, inner->out[dim], &out_plane);
    }
    fits = fits && jconv_multiply_checked(g->batch, phases, &images) &&
           jconv_multiply_checked(images, g->in_channels, &src_planes) &&
           jconv_multiply_checked(src_planes, in_plane, &inner->src_elements) &&
           jconv_multiply_checked(images, g->out_channels, &dst_planes) &&
           jconv_multiply_checked(dst_planes, out_plane, &inner->dst_elements) &&
           inner->src_elements <= INT64_MAX / 8 && inner->dst_elements <= INT64_MAX / 8;
    if (!fits) return jconv_fail(JCONV_INVALID_ARGUMENT, "the dilation phases' sizes overflow");
    inner->batch = images;
    return JCONV_OK;
}

/* to[r * stride + j] = from[d j + r] for r < d, j < n: one input row into its d phase
 * rows. d = 1 a copy, 2 and 4 by SSE2 shuffles (a 4 x 4 transpose for 4), others by scalar loops. */
static inline __attribute__((always_inline)) void deinterleave(float *to, int64_t stride, const float *restrict from,
                                                                 int64_t d, int64_t n) {
    if (d == 1) {
        memcpy(to, from, (size_t)n * sizeof(float));
        return;
    }
    /* the rows there are: pointers past them would be undefined */
    float *restrict t0 = to, *restrict t1 = to + stride, *restrict t2 = d > 2 ? to + 2 * stride : to,
                    *restrict t3 = d > 3 ? to + 3 * stride : to;
    int64_t j = 0;
#if defined(__SSE2__)
    if (d == 2)
        for (; j + 4 <= n; j += 4) {
            const __m128 a = _mm_loadu_ps(from + 2 * j), b = _mm_loadu_ps(from + 2 * j + 4);
            _mm_storeu_ps(t0 + j, _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
            _mm_storeu_ps(t1 + j, _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
        }
    if (d == 4)
        for (; j + 4 <= n; j += 4) {
            __m128 a = _mm_loadu_ps(from + 4 * j), b = _mm_loadu_ps(from + 4 * j + 4);
            __m128 c = _mm_loadu_ps(from + 4 * j + 8), e = _mm_loadu_ps(from + 4 * j + 12);
            _MM_TRANSPOSE4_PS(a, b, c, e);
            _mm_storeu_ps(t0 + j, a), _mm_storeu_ps(t1 + j, b), _mm_storeu_ps(t2 + j, c), _mm_storeu_ps(t3 + j, e);
        }
#endif
    if (d == 2)
        for (; j < n; j++) t0[j] = from[2 * j], t1[j] = from[2 * j + 1];
    else if (d == 3)
        for (; j < n; j++) t0[j] = from[3 * j], t1[j] = from[3 * j + 1], t2[j] = from[3 * j + 2];
    else if (d == 4)
        for (; j < n; j++)
            t0[j] = from[4 * j], t1[j] = from[4 * j + 1], t2[j] = from[4 * j + 2], t3[j] = from[4 * j + 3];
    else
        for (int64_t r = 0; r < d; r++)
            for (j = 0; j < n; j++) to[r * stride + j] = from[d * j + r];
}

/* to[d j + r] = from[r * stride + j], the inverse of deinterleave. */
static inline __attribute__((always_inline)) void interleave(float *restrict to, const float *from, int64_t stride,
                                                               int64_t d, int64_t n) {
    if (d == 1) {
        memcpy(to, from, (size_t)n * sizeof(float));
        return;
    }
    const float *restrict f0 = from, *restrict f1 = from + stride, *restrict f2 = d > 2 ? from + 2 * stride : from,
                          *restrict f3 = d > 3 ? from + 3 * stride : from;
    int64_t j = 0;
#if defined(__SSE2__)
    if (d == 2)
        for (; j + 4 <= n; j += 4) {
            const __m128 a = _mm_loadu_ps(f0 + j), b = _mm_loadu_ps(f1 + j);
            _mm_storeu_ps(to + 2 * j, _mm_unpacklo_ps(a, b));
            _mm_storeu_ps(to + 2 * j + 4, _mm_unpackhi_ps(a, b));
        }
    if (d == 4)
        for (; j + 4 <= n; j += 4) {
            __m128 a = _mm_loadu_ps(f0 + j), b = _mm_loadu_ps(f1 + j), c = _mm_loadu_ps(f2 + j), e = _mm_loadu_ps(f3 + j);
            _MM_TRANSPOSE4_PS(a, b, c, e);
            _mm_storeu_ps(to + 4 * j, a), _mm_storeu_ps(to + 4 * j + 4, b);
            _mm_storeu_ps(to + 4 * j + 8, c), _mm_storeu_ps(to + 4 * j + 12, e);
        }
#endif
    if (d == 2)
        for (; j < n; j++) to[2 * j] = f0[j], to[2 * j + 1] = f1[j];
    else if (d == 3)
        for (; j < n; j++) to[3 * j] = f0[j], to[3 * j + 1] = f1[j], to[3 * j + 2] = f2[j];
    else if (d == 4)
        for (; j < n; j++)
            to[4 * j] = f0[j], to[4 * j + 1] = f1[j], to[4 * j + 2] = f2[j], to[4 * j + 3] = f3[j];
    else
        for (int64_t r = 0; r < d; r++)
            for (j = 0; j < n; j++) to[d * j + r] = from[r * stride + j];
}

/* One input row (NULL: outside the input, zeros) into the first `phases` (<= d) of its d phase
 * rows, L floats each, stride apart: phase r's j-th is x[d j + r - pad], zero outside [0, size). */
static void split_row(float *to, int64_t stride, const float *x, int64_t d, int64_t phases, int64_t pad, int64_t size,
                      int64_t L) {
    /* [lo, hi): the j whose d inputs all lie inside (all d phases made, or none of the j) */
    int64_t lo = (pad + d - 1) / d, hi = size + pad >= d ? (size + pad) / d : 0;
    if (x == NULL || phases < d) lo = hi = 0;
    if (hi > L) hi = L;
    if (lo > hi) lo = hi;
    if (hi > lo) deinterleave(to + lo, stride, x + d * lo - pad, d, hi - lo);
    for (int64_t r = 0; r < phases; r++)
        for (int64_t j = lo > 0 ? 0 : hi; j < L; j = j + 1 == lo ? hi : j + 1) { /* the rest: [0, lo), [hi, L) */
            const int64_t s = d * j + r - pad;
            to[r * stride + j] = x != NULL && s >= 0 && s < size ? x[s] : 0.0f;
        }
}

/* Both copies take (image, D phase, H phase, channel) items in order, statically: thread t's share
 * is then mostly the phases whose tiles it runs (each thread's own tiles come first, in order:
 * work_ranges.h), so that the phases stay in the cache of the core that uses them. */
typedef struct phase_grid {
    int64_t phases[3], step[3]; /* per dim: phases_along, step_along */
    int64_t per_image;          /* phases of an image: images of the inner batch */
} phase_grid;

static phase_grid grid_of(const conv_geometry *g) {
    phase_grid grid;
    for (int dim = 0; dim < 3; dim++) grid.phases[dim] = phases_along(g, dim), grid.step[dim] = step_along(g, dim);
    grid.per_image = grid.phases[0] * grid.phases[1] * grid.phases[2];
    return grid;
}

/* Item `item` of channels per image: its image n, D and H phases, channel c, and the inner image
 * of its first W phase (the others follow it, one apart). */
typedef struct phase_item {
    int64_t n, rd, rh, c, first_image;
} phase_item;

static phase_item item_of(const phase_grid *grid, int64_t item, int64_t channels) {
    const int64_t *D = grid->phases;
    phase_item it;
    it.c = item % channels, item /= channels;
    it.rh = item % D[1], item /= D[1];
    it.rd = item % D[0], it.n = item / D[0];
    it.first_image = it.n * grid->per_image + (it.rd * D[1] + it.rh) * D[2];
    return it;
}

void dilation_phases_split(const conv_geometry *g, const conv_geometry *inner, const float *src, float *phases,
                           int threads) {
    const phase_grid grid = grid_of(g);
    const int64_t *D = grid.phases, *S = grid.step, C = g->in_channels;
    const int64_t in_plane = g->in[0] * g->in[1] * g->in[2];
    const int64_t *L = inner->in, inner_plane = L[0] * L[1] * L[2];
    (void)threads;
#pragma omp parallel for num_threads(threads) if (threads > 1) schedule(static)
    for (int64_t item = 0; item < g->batch * D[0] * D[1] * C; item++) {
        const phase_item it = item_of(&grid, item, C);
        const float *x = src + (it.n * C + it.c) * in_plane;
        /* the W phases of (rd, rh), C planes apart */
        float *to = phases + (it.first_image * C + it.c) * inner_plane;
        for (int64_t jd = 0; jd < L[0]; jd++)
            for (int64_t jh = 0; jh < L[1]; jh++) {
                const int64_t sd = S[0] * jd + it.rd - g->pad_begin[0], sh = S[1] * jh + it.rh - g->pad_begin[1];
                const int inside = sd >= 0 && sd < g->in[0] && sh >= 0 && sh < g->in[1];
                split_row(to + (jd * L[1] + jh) * L[2], C * inner_plane,
                          inside ? x + (sd * g->in[1] + sh) * g->in[2] : NULL, S[2], D[2], g->pad_begin[2],
                          g->in[2], L[2]);
            }
    }
}

void dilation_phases_merge(const conv_geometry *g, const conv_geometry *inner, const float *phases,
                           const float *residual, const jconv_post_ops *post_ops, float *dst, float *rows,
                           int64_t rows_stride, int threads) {
    const phase_grid grid = grid_of(g);
    const int64_t *D = grid.phases, *S = grid.step, OC = g->out_channels;
    const int64_t *O = g->out, out_plane = O[0] * O[1] * O[2];
    const int64_t *I = inner->out, inner_plane = I[0] * I[1] * I[2];
    /* the j with all d outputs d j + r inside the row (none when d > the row: one output per phase) */
    const int64_t whole = O[2] / S[2];
    (void)threads;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        float *row = rows + (size_t)jconv_thread_index() * (size_t)rows_stride; /* one output row */
#pragma omp for schedule(static)
        for (int64_t item = 0; item < g->batch * D[0] * D[1] * OC; item++) {
            const phase_item it = item_of(&grid, item, OC);
            /* the W phases of (rd, rh), OC planes apart */
            const float *from_phases = phases + (it.first_image * OC + it.c) * inner_plane;
            for (int64_t od = it.rd; od < O[0]; od += S[0])
                for (int64_t oh = it.rh; oh < O[1]; oh += S[1]) {
                    const float *from = from_phases + (od / S[0] * I[1] + oh / S[1]) * I[2];
                    const int64_t offset = (it.n * OC + it.c) * out_plane + (od * O[1] + oh) * O[2];
                    /* with a residual, into the row first: residual may alias dst, and each of its
                     * elements is read before the same element of dst is written */
                    float *to = residual != NULL ? row : dst + offset;
                    if (whole > 0) interleave(to, from, OC * inner_plane, S[2], whole);
                    for (int64_t r = 0; whole * S[2] + r < O[2]; r++) to[whole * S[2] + r] = from[r * OC * inner_plane + whole];
                    if (residual == NULL) continue;
                    for (int64_t i = 0; i < O[2]; i++) dst[offset + i] = row[i] + residual[offset + i];
                    conv_row_activate(post_ops, dst + offset, O[2]);
                }
        }
    }
}
