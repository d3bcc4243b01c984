/* Convolution internals: the validated geometry every algorithm works from, and the plan. */
#ifndef JCONV_CONV_H
#define JCONV_CONV_H

#include "../core/internal.h"

/* A descriptor validated and widened to 3-D: a 1-D convolution over W is a 3-D one with D = H = 1,
 * kernel 1, stride 1, no padding and dilation 1 in the added dims, so kernels handle one case. */
typedef struct conv_geometry {
    int64_t batch, in_channels, out_channels, groups;
    int64_t in_channels_per_group, out_channels_per_group;
    int64_t in[3], out[3], kernel[3], stride[3], pad_begin[3], pad_end[3], dilation[3];
    int64_t src_elements, dst_elements, weight_elements;
} conv_geometry;

/* Validates desc (every field, sizes that overflow, a kernel larger than the padded input) and
 * fills *geometry. The error message names the field and its value. */
jconv_status conv_geometry_init(const jconv_conv_desc *desc, conv_geometry *geometry);

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

struct jconv_conv_plan;
typedef void (*conv_execute_fn)(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                float *dst);

struct jconv_conv_plan {
    jconv_conv_desc desc;
    conv_geometry geometry;
    jconv_algorithm algorithm;
    jconv_post_ops post_ops;
    float *weights; /* [OC][IC/groups][KD][KH][KW], owned */
    float *bias;    /* [OC] or NULL, owned */
    conv_execute_fn execute;
};

/* The direct algorithm: every shape. */
void conv_direct_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual, float *dst);

#endif
