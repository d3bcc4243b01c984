/* Depthwise 3x3, stride 1, dilation 1, padding 1 on every side, for short rows (included by
 * dwconv_impl.h, so compiled once per ISA). The output has the input's shape, so the plane is one
 * flat array: output q reads q - W - 1 .. q + W + 1 of the input with a zero row above and below.
 * One loop over the whole plane vectorises however short the rows are; a 14-wide map run row by
 * row, or over a padded grid, left a scalar tail in every row and paid a padded copy per plane.
 *
 * The flat loop's first and last column read the neighbouring rows' ends where the padding's
 * zeros belong; those two outputs of each row are then recomputed with their six real taps, from
 * a start (bias + residual) saved before the loop overwrote an in-place residual. */
#ifndef JCONV_DWCONV_FLAT_H
#define JCONV_DWCONV_FLAT_H

#include "conv.h"

#include <string.h>

/* Whether plane_3x3_flat computes this convolution: 3x3 along H and W (KD 1, no depth padding),
 * stride and dilation 1, padding 1 on all four sides, rows of 2 to 31 (longer ones run faster
 * straight from the input rows). */
static int dw_flat_suits(const conv_geometry *g) {
    return g->kernel[0] == 1 && g->stride[0] == 1 && g->pad_begin[0] == 0 && g->pad_end[0] == 0 &&
           g->kernel[1] == 3 && g->kernel[2] == 3 && g->stride[1] == 1 && g->stride[2] == 1 &&
           g->dilation[1] == 1 && g->dilation[2] == 1 && g->pad_begin[1] == 1 && g->pad_end[1] == 1 &&
           g->pad_begin[2] == 1 && g->pad_end[2] == 1 && g->in[2] >= 2 && g->in[2] < 32;
}

/* scratch: (H + 2) * (W + 2) floats (the input with a zero row and one more zero either side,
 * then the saved starts of the edge columns). */
static void plane_3x3_flat(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                           const float *residual, const jconv_post_ops *post_ops, float *out, float *scratch) {
    const int64_t D = g->in[0], H = g->in[1], W = g->in[2], n = H * W;
    float *restrict x = scratch + W + 1; /* x[-W - 1 .. -1] and x[n .. n + W] stay 0 */
    float *starts = x + n + W + 1;       /* 2 H: the first and last column's bias + residual */
    memset(scratch, 0, (size_t)(W + 1) * sizeof(float));
    memset(x + n, 0, (size_t)(W + 1) * sizeof(float));
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
    for (int64_t d = 0; d < D; d++) {
        memcpy(x, in_plane + d * n, (size_t)n * sizeof(float));
        float *o = out + d * n;
        const float *res = residual != NULL ? residual + d * n : NULL;
        for (int64_t h = 0; h < H; h++) {
            starts[2 * h] = res != NULL ? bias + res[h * W] : bias;
            starts[2 * h + 1] = res != NULL ? bias + res[h * W + W - 1] : bias;
        }
        const float *up = x - W, *down = x + W;
#define DW_FLAT_TAPS(q)                                                                                    \
    (w0 * up[(q) - 1] + w1 * up[q] + w2 * up[(q) + 1] + w3 * x[(q) - 1] + w4 * x[q] + w5 * x[(q) + 1] + \
     w6 * down[(q) - 1] + w7 * down[q] + w8 * down[(q) + 1])
        if (res == NULL) { /* two loops: a condition inside one stops the vectoriser */
            for (int64_t q = 0; q < n; q++) o[q] = bias + DW_FLAT_TAPS(q);
        } else {
            for (int64_t q = 0; q < n; q++) o[q] = (bias + res[q]) + DW_FLAT_TAPS(q);
        }
#undef DW_FLAT_TAPS
        for (int64_t h = 0; h < H; h++) {
            const int64_t first = h * W, last = first + W - 1;
            o[first] = starts[2 * h] + (w1 * up[first] + w2 * up[first + 1] + w4 * x[first] + w5 * x[first + 1] +
                                        w7 * down[first] + w8 * down[first + 1]);
            o[last] = starts[2 * h + 1] + (w0 * up[last - 1] + w1 * up[last] + w3 * x[last - 1] + w4 * x[last] +
                                           w6 * down[last - 1] + w7 * down[last]);
        }
        conv_row_activate(post_ops, o, n);
    }
}

#endif
