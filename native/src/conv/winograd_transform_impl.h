/* The Winograd input and output transforms' bodies, compiled once per ISA (winograd_transform_generic.c,
 * winograd_transform_avx2.c with -mavx2 -mfma). WINOGRAD_LANES tiles are transformed side by side as
 * one vector of 16 floats per tile position (GCC vector extensions: two ymm with AVX2, four xmm
 * otherwise). Each 1-D transform is unrolled with the generated matrix as compile-time constants,
 * so zeros cost nothing and +-1 is a plain add. Include after defining WINOGRAD_INPUT and
 * WINOGRAD_OUTPUT, the functions' names. */
#include "winograd.h"
#include "winograd_matrices.h"

#include <string.h>

typedef float v16 __attribute__((vector_size(WINOGRAD_LANES * sizeof(float))));
/* the same vector at float alignment, for V and M, which are only 4-byte aligned in general */
typedef float v16u __attribute__((vector_size(WINOGRAD_LANES * sizeof(float)), aligned(4)));

/* data[i * stride] = sum_j mat[i][j] * data[j * stride] for i < rows, j < cols (in place: every
 * input is read before the first write). */
static inline __attribute__((always_inline)) void apply_1d(const double *mat, int rows, int cols, v16 *data,
                                                           int64_t stride) {
    v16 x[WINOGRAD_MAX_TILE];
#pragma GCC unroll 8
    for (int j = 0; j < cols; j++) x[j] = data[j * stride];
#pragma GCC unroll 8
    for (int i = 0; i < rows; i++) {
        v16 acc = {0};
        int first = 1;
#pragma GCC unroll 8
        for (int j = 0; j < cols; j++) {
            const float c = (float)mat[i * cols + j];
            if (c == 0.0f) continue;
            if (first) {
                acc = c * x[j];
                first = 0;
            } else {
                acc += c * x[j];
            }
        }
        data[i * stride] = acc;
    }
}

/* Applies mat (rows x cols, cols = the tile's input extent) along every transformed dim of the
 * [TD][TH][TW] tile d, in place: after a dim is done only its first `rows` entries are meaningful. */
static inline __attribute__((always_inline)) void transform_tile(const winograd_layout *w, const double *mat, int rows,
                                                                 int cols, v16 *d) {
    const int64_t TD = w->tile_in[0], TH = w->tile_in[1], TW = w->tile_in[2];
    int64_t nd = TD, nh = TH, nw = TW; /* the meaningful extent so far */
    if (w->transformed[2]) {
        for (int64_t i = 0; i < nd * nh; i++) apply_1d(mat, rows, cols, d + i * TW, 1);
        nw = rows;
    }
    if (w->transformed[1]) {
        for (int64_t dd = 0; dd < nd; dd++)
            for (int64_t ww = 0; ww < nw; ww++) apply_1d(mat, rows, cols, d + dd * TH * TW + ww, TW);
        nh = rows;
    }
    if (w->transformed[0]) {
        for (int64_t hh = 0; hh < nh; hh++)
            for (int64_t ww = 0; ww < nw; ww++) apply_1d(mat, rows, cols, d + hh * TW + ww, TH * TW);
    }
}

static void input_transform(const winograd_layout *w, v16 *d) {
    switch (w->m) {
    case 2: transform_tile(w, &winograd_f2_bt[0][0], 4, 4, d); break;
    case 4: transform_tile(w, &winograd_f4_bt[0][0], 6, 6, d); break;
    default: transform_tile(w, &winograd_f6_bt[0][0], 8, 8, d); break;
    }
}

static void output_transform(const winograd_layout *w, v16 *d) {
    switch (w->m) {
    case 2: transform_tile(w, &winograd_f2_at[0][0], 2, 4, d); break;
    case 4: transform_tile(w, &winograd_f4_at[0][0], 4, 6, d); break;
    default: transform_tile(w, &winograd_f6_at[0][0], 6, 8, d); break;
    }
}

/* Copies a T x T x T (or 1-wide in untransformed dims) patch lying wholly inside the input, rows
 * of TW floats at stride IW, planes at stride IH * IW, into lane `lane` of d. Unrolled per T. */
static inline __attribute__((always_inline)) void gather_inside(const float *x, int64_t IH, int64_t IW, int64_t TD,
                                                                int64_t TH, int TW, float *to) {
    for (int64_t dd = 0; dd < TD; dd++)
        for (int64_t hh = 0; hh < TH; hh++) {
            const float *row = x + (dd * IH + hh) * IW;
            float *t = to + (dd * TH + hh) * TW * WINOGRAD_LANES;
#pragma GCC unroll 8
            for (int ww = 0; ww < TW; ww++) t[ww * WINOGRAD_LANES] = row[ww];
        }
}

/* The same for a patch that crosses the input's border: zeros outside. */
static void gather_border(const float *x, const conv_geometry *g, const int64_t start[3], const int64_t tile[3], float *to) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], TD = tile[0], TH = tile[1], TW = tile[2];
    int64_t first, end; /* the patch's columns inside the input row */
    conv_valid_range(start[2], 1, IW, TW, &first, &end);
    for (int64_t dd = 0; dd < TD; dd++) {
        const int64_t id = start[0] + dd;
        for (int64_t hh = 0; hh < TH; hh++) {
            const int64_t ih = start[1] + hh;
            float *t = to + (dd * TH + hh) * TW * WINOGRAD_LANES;
            if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                for (int64_t ww = 0; ww < TW; ww++) t[ww * WINOGRAD_LANES] = 0.0f;
                continue;
            }
            const float *row = x + (id * IH + ih) * IW;
            for (int64_t ww = 0; ww < first; ww++) t[ww * WINOGRAD_LANES] = 0.0f;
            for (int64_t ww = first; ww < end; ww++) t[ww * WINOGRAD_LANES] = row[start[2] + ww];
            for (int64_t ww = end; ww < TW; ww++) t[ww * WINOGRAD_LANES] = 0.0f;
        }
    }
}

void WINOGRAD_INPUT(const winograd_layout *w, const conv_geometry *g, const float *src, int64_t channel, int64_t t0,
                    int64_t lanes, float *v, int64_t pos_stride, float *scratch) {
    const int64_t *T = w->tile_in;
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], plane = ID * IH * IW;
    v16 *d = (v16 *)scratch;
    if (lanes < WINOGRAD_LANES) memset(scratch, 0, (size_t)(w->positions * WINOGRAD_LANES) * sizeof(float));
    for (int64_t lane = 0; lane < lanes; lane++) {
        int64_t n, o[3], start[3];
        winograd_tile_origin(w, t0 + lane, &n, o);
        const float *x = src + (n * g->in_channels + channel) * plane;
        int inside = 1;
        for (int dim = 0; dim < 3; dim++) {
            start[dim] = o[dim] - g->pad_begin[dim];
            inside = inside && start[dim] >= 0 && start[dim] + T[dim] <= g->in[dim];
        }
        float *to = scratch + lane;
        if (!inside) {
            gather_border(x, g, start, T, to);
            continue;
        }
        const float *corner = x + (start[0] * IH + start[1]) * IW + start[2];
        switch (T[2]) { /* the row length, unrolled */
        case 4: gather_inside(corner, IH, IW, T[0], T[1], 4, to); break;
        case 6: gather_inside(corner, IH, IW, T[0], T[1], 6, to); break;
        case 8: gather_inside(corner, IH, IW, T[0], T[1], 8, to); break;
        default: gather_inside(corner, IH, IW, T[0], T[1], 1, to); break;
        }
    }
    input_transform(w, d);
    for (int64_t p = 0; p < w->positions; p++) *(v16u *)(v + p * pos_stride) = d[p];
}

/* Writes lane `lane` of the m x m (x m) result r (strides TH, TW of the tile) to y for the part of
 * the tile inside the output, adding the residual and applying the activation when there is one
 * (without a residual both were applied to the whole vector already). */
static void scatter(const float *r, const int64_t *tile_in, const int64_t count[3], const int64_t o[3],
                    const conv_geometry *g, const float *res, const jconv_post_ops *post_ops, float *y) {
    const int64_t OH = g->out[1], OW = g->out[2], TH = tile_in[1], TW = tile_in[2];
    for (int64_t dd = 0; dd < count[0]; dd++)
        for (int64_t hh = 0; hh < count[1]; hh++) {
            const int64_t at = ((o[0] + dd) * OH + o[1] + hh) * OW + o[2];
            const float *from = r + (dd * TH + hh) * TW * WINOGRAD_LANES;
            if (res == NULL) {
                for (int64_t ww = 0; ww < count[2]; ww++) y[at + ww] = from[ww * WINOGRAD_LANES];
            } else {
                for (int64_t ww = 0; ww < count[2]; ww++)
                    y[at + ww] = conv_activate(post_ops, from[ww * WINOGRAD_LANES] + res[at + ww]);
            }
        }
}

void WINOGRAD_OUTPUT(const winograd_layout *w, const conv_geometry *g, const float *m, int64_t pos_stride,
                     int64_t channel, int64_t t0, int64_t lanes, float bias, const float *residual,
                     const jconv_post_ops *post_ops, float *dst, float *scratch) {
    const int64_t plane = g->out[0] * g->out[1] * g->out[2];
    v16 *d = (v16 *)scratch;
    for (int64_t p = 0; p < w->positions; p++) d[p] = *(const v16u *)(m + p * pos_stride);
    output_transform(w, d);
    /* bias (and the activation, when no residual comes after) over the tile's outputs, vectorised */
    const int64_t TH = w->tile_in[1], TW = w->tile_in[2];
    for (int64_t dd = 0; dd < w->tile_out[0]; dd++)
        for (int64_t hh = 0; hh < w->tile_out[1]; hh++)
            for (int64_t ww = 0; ww < w->tile_out[2]; ww++) {
                float *e = scratch + ((dd * TH + hh) * TW + ww) * WINOGRAD_LANES;
                for (int l = 0; l < WINOGRAD_LANES; l++) e[l] += bias;
                if (residual != NULL || post_ops->activation == JCONV_ACTIVATION_NONE) continue;
                if (post_ops->activation == JCONV_ACTIVATION_RELU) {
                    for (int l = 0; l < WINOGRAD_LANES; l++) e[l] = e[l] < 0.0f ? 0.0f : e[l];
                } else {
                    const float lo = post_ops->clamp_min, hi = post_ops->clamp_max;
                    for (int l = 0; l < WINOGRAD_LANES; l++) e[l] = e[l] < lo ? lo : (e[l] > hi ? hi : e[l]);
                }
            }
    for (int64_t lane = 0; lane < lanes; lane++) {
        int64_t n, o[3], count[3];
        winograd_tile_origin(w, t0 + lane, &n, o);
        for (int dim = 0; dim < 3; dim++)
            count[dim] = g->out[dim] - o[dim] < w->tile_out[dim] ? g->out[dim] - o[dim] : w->tile_out[dim];
        const int64_t offset = (n * g->out_channels + channel) * plane;
        scatter(scratch + lane, w->tile_in, count, o, g, residual != NULL ? residual + offset : NULL, post_ops,
                dst + offset);
    }
}
