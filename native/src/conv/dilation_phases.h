/* A dilated stride-1 convolution as an undilated one over its input's phases (dilation_phases.c):
 * the Winograd path's way to dilated kernels. */
#ifndef JCONV_DILATION_PHASES_H
#define JCONV_DILATION_PHASES_H

#include "conv.h"

/* Whether any dim with a kernel of more than one tap has a dilation above 1. */
int dilation_phases_needed(const conv_geometry *g);

/* The undilated, unpadded convolution over the phases of g (stride 1 in every dim): batch times
 * the phases per image, each phase ceil(out / dilation) outputs long per dim. Fails when its
 * sizes overflow. */
jconv_status dilation_phases_geometry(const conv_geometry *g, conv_geometry *inner);

/* src (g's input) into phases (inner's input, inner->src_elements floats), zeros where a phase
 * reads padding. */
void dilation_phases_split(const conv_geometry *g, const conv_geometry *inner, const float *src, float *phases,
                           int threads);

/* phases (inner's output, the bias and, without a residual, the activation applied) into dst,
 * interleaved back; with a residual, dst = activation(phases + residual), which may alias dst.
 * rows: per thread an output row of g->out[2] floats, rows_stride floats apart. */
void dilation_phases_merge(const conv_geometry *g, const conv_geometry *inner, const float *phases,
                           const float *residual, const jconv_post_ops *post_ops, float *dst, float *rows,
                           int64_t rows_stride, int threads);

#endif
