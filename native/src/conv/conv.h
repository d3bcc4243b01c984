/* Convolution internals: the validated geometry every algorithm works from, and the plan. */
#ifndef JCONV_CONV_H
#define JCONV_CONV_H

#include "../core/internal.h"

#include <math.h>

/* A descriptor validated and widened to 3-D: a 1-D convolution over W is a 3-D one with D = H = 1,
 * kernel 1, stride 1, no padding and dilation 1 in the added dims, so kernels handle one case. */
typedef struct conv_geometry {
    int64_t batch, in_channels, out_channels, groups;
    int64_t in_channels_per_group, out_channels_per_group;
    int64_t in[3], out[3], kernel[3], stride[3], pad_begin[3], pad_end[3], dilation[3];
    int64_t output_padding[3]; /* transposed only; 0 otherwise */
    int64_t src_elements, dst_elements, weight_elements;
    int transposed;            /* weights are [IC][OC/groups][k...] and out grows with stride */
} conv_geometry;

/* Validates desc (every field, sizes that overflow, a kernel larger than the padded input) and
 * fills *geometry. The error message names the field and its value. */
jconv_status conv_geometry_init(const jconv_conv_desc *desc, conv_geometry *geometry);

/* The conv fields of a transposed descriptor (everything but output_padding). */
void conv_desc_from_transpose(const jconv_conv_transpose_desc *desc, jconv_conv_desc *common);

/* The same for a transposed convolution. */
jconv_status conv_transpose_geometry_init(const jconv_conv_transpose_desc *desc, conv_geometry *geometry);

/* Validates post-ops; NULL means none. */
jconv_status conv_post_ops_check(const jconv_post_ops *post_ops, jconv_post_ops *resolved);

/* Applies the activation of post_ops to one value. */
static inline float conv_activate(const jconv_post_ops *post_ops, float v) {
    switch (post_ops->activation) {
    case JCONV_ACTIVATION_RELU: return v < 0.0f ? 0.0f : v; /* NaN stays NaN, as in PyTorch */
    case JCONV_ACTIVATION_CLAMP:
        return v < post_ops->clamp_min ? post_ops->clamp_min : (v > post_ops->clamp_max ? post_ops->clamp_max : v);
    default: return v;
    }
}

/* The post-ops' activation as a clamp to [*lo, *hi] for vector kernels (ReLU: [0, inf]); returns
 * whether there is one. */
static inline int conv_clamp_bounds(const jconv_post_ops *post_ops, float *lo, float *hi) {
    const int clamp = post_ops->activation == JCONV_ACTIVATION_CLAMP;
    *lo = clamp ? post_ops->clamp_min : 0.0f, *hi = clamp ? post_ops->clamp_max : INFINITY;
    return post_ops->activation != JCONV_ACTIVATION_NONE;
}

/* Starts an output row as bias + residual (residual may be NULL, or alias out: each element is read
 * before it is written), the value every algorithm accumulates onto. */
static inline void conv_row_init(float *out, int64_t count, float bias, const float *residual) {
    if (residual != NULL) {
        for (int64_t i = 0; i < count; i++) out[i] = bias + residual[i];
    } else {
        for (int64_t i = 0; i < count; i++) out[i] = bias;
    }
}

/* Applies the post-ops' activation to a finished row, as conv_activate does. The bounds are read
 * into locals first: the stores to out could alias post_ops as far as the compiler knows, and
 * re-reading it per element kept the loop scalar (ReLU cost 2-3x the depthwise convolution). */
static inline void conv_row_activate(const jconv_post_ops *post_ops, float *out, int64_t count) {
    const float lo = post_ops->clamp_min, hi = post_ops->clamp_max;
    switch (post_ops->activation) {
    case JCONV_ACTIVATION_RELU:
        for (int64_t i = 0; i < count; i++) out[i] = out[i] < 0.0f ? 0.0f : out[i]; /* NaN stays NaN */
        break;
    case JCONV_ACTIVATION_CLAMP:
        for (int64_t i = 0; i < count; i++) out[i] = out[i] < lo ? lo : (out[i] > hi ? hi : out[i]);
        break;
    default: break;
    }
}

struct jconv_conv_plan;
/* Runs a plan; fails only when per-call scratch cannot be allocated. */
typedef jconv_status (*conv_execute_fn)(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                        float *dst);

struct jconv_conv_plan {
    jconv_conv_desc desc; /* for a transposed plan, the conv fields of its descriptor */
    conv_geometry geometry;
    jconv_algorithm algorithm;
    jconv_post_ops post_ops;
    float *weights; /* [OC][IC/groups][KD][KH][KW], owned */
    float *bias;    /* [OC] or NULL, owned */
    float *packed_weights; /* im2col: per group, MR-row panels of the [OC/groups][K] weights; direct:
                            * the blocked weights (direct_blocked.h); or NULL */
    int64_t *landings; /* transposed GEMM on a narrow image: where each tap's positions land
                        * (conv_transpose_gemm.c), or NULL */
    struct winograd_plan *winograd; /* Winograd: transformed weights and tiling, or NULL */
    jconv_scratch *scratch;         /* the GEMM and Winograd paths' per-call buffers, kept between calls */
    conv_execute_fn execute;
};

/* The direct algorithms: every shape. */
jconv_status conv_transpose_direct_execute(const struct jconv_conv_plan *plan, const float *src,
                                           const float *residual, float *dst);
jconv_status conv_direct_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                 float *dst);
/* AUTO's costs, in multiply-adds of the direct sum (macs): im2col IM2COL_COST_PER_MAC per
 * multiply-add of its GEMM, whose 16-column tiles cover the output plane rounded up to 16 (the
 * unit Winograd's model was calibrated in, native/docs/WINOGRAD.md; r50_s5_3x3's and
 * r50_s5_1x1up's 49 columns take 64); the blocked direct path, where it runs,
 * conv_direct_blocked_cost (HUGE_VAL where it does not). */
#define IM2COL_COST_PER_MAC 0.9
static inline double conv_im2col_cost(const conv_geometry *g) {
    const double plane = (double)g->out[0] * (double)g->out[1] * (double)g->out[2];
    return IM2COL_COST_PER_MAC * (double)g->batch * ceil(plane / 16.0) * 16.0 * (double)g->out_channels *
           (double)g->in_channels_per_group * (double)(g->kernel[0] * g->kernel[1] * g->kernel[2]);
}
double conv_direct_blocked_cost(const conv_geometry *geometry);

/* The direct algorithm's channel-blocked path (direct_blocked.h): whether it runs the geometry
 * (AVX-512, not transposed, its copies of the input and weights within bounds); prepare packs the
 * weights into plan->packed_weights, after which conv_direct_execute takes this path. */
int conv_direct_blocked_supports(const conv_geometry *geometry);
jconv_status conv_direct_blocked_prepare(struct jconv_conv_plan *plan);
jconv_status conv_direct_blocked_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                         float *dst);

/* im2col + packed GEMM (the im2col is done while packing B, never materialised): every convolution.
 * prepare packs the weights into the plan; it fails only for lack of memory. */
jconv_status conv_im2col_prepare(struct jconv_conv_plan *plan);
/* The depthwise algorithm (in_channels / groups == 1, not transposed), for a zero-padded input
 * plane of at most DEPTHWISE_MAX_PADDED_PLANE elements (scratch per thread: twice that and a bit,
 * 128 MiB at most) and at most DEPTHWISE_PADDED_FACTOR times the input and output planes plus
 * DEPTHWISE_PADDED_FLOOR (tiny maps). */
#define DEPTHWISE_MAX_PADDED_PLANE (1LL << 24)
#define DEPTHWISE_PADDED_FACTOR 4
#define DEPTHWISE_PADDED_FLOOR 4096
int conv_depthwise_supports(const conv_geometry *geometry);
jconv_status conv_depthwise_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                    float *dst);
/* The transposed convolution's im2col algorithm: GEMM + col2im, scattered tile by tile. */
jconv_status conv_transpose_gemm_prepare(struct jconv_conv_plan *plan);
jconv_status conv_transpose_gemm_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                         float *dst);
jconv_status conv_im2col_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                 float *dst);

/* Winograd F(m, 3) (conv_winograd.c): 3-tap kernels with stride 1 in the dims they span, any
 * dilation (1-tap kernels, stride 1, in the others), not transposed. tile_size is m for a Winograd algorithm,
 * 0 otherwise. prepare transforms the weights (and prepares im2col, the path for non-finite data). */
int conv_winograd_supports(const conv_geometry *geometry);
int conv_winograd_tile_size(jconv_algorithm algorithm);
/* The Winograd variant AUTO runs for the geometry: the cheapest by a measured cost model among those
 * whose error bound is within JCONV_AUTO_ERROR_BOUND, when it costs less than `baseline` (the
 * cheaper of im2col and direct, in the units below); AUTO for none. */
jconv_algorithm conv_winograd_choose(const conv_geometry *geometry, double baseline);
jconv_status conv_winograd_prepare(struct jconv_conv_plan *plan, int tile_size);
jconv_status conv_winograd_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                   float *dst);
void conv_winograd_release(struct winograd_plan *winograd);
double conv_winograd_plan_error_bound(const struct winograd_plan *winograd);

#endif
