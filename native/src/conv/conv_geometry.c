/* Validation of convolution descriptors and post-ops. */
#include "conv.h"

#include <math.h>

#define MAX_ELEMENTS (INT64_MAX / 8) /* elements * sizeof(float) must fit in int64_t with room */

/* a * b into *product unless it overflows or passes MAX_ELEMENTS. */
static int multiply_checked(int64_t a, int64_t b, int64_t *product) {
    return !__builtin_mul_overflow(a, b, product) && *product <= MAX_ELEMENTS;
}

static const char *const dim_names[3][3] = {{"W"}, {"H", "W"}, {"D", "H", "W"}};

jconv_status conv_geometry_init(const jconv_conv_desc *desc, conv_geometry *g) {
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    if (desc->spatial_rank < 1 || desc->spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%lld must be 1, 2 or 3", (long long)desc->spatial_rank);
    const int rank = (int)desc->spatial_rank;

    const struct {
        const char *name;
        int64_t value;
    } counts[] = {{"batch", desc->batch},
                  {"in_channels", desc->in_channels},
                  {"out_channels", desc->out_channels},
                  {"groups", desc->groups}};
    for (int i = 0; i < 4; i++)
        if (counts[i].value < 1 || counts[i].value > MAX_ELEMENTS)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "%s=%lld must be >= 1", counts[i].name, (long long)counts[i].value);
    if (desc->in_channels % desc->groups != 0)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "groups=%lld does not divide in_channels=%lld", (long long)desc->groups,
                          (long long)desc->in_channels);
    if (desc->out_channels % desc->groups != 0)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "groups=%lld does not divide out_channels=%lld",
                          (long long)desc->groups, (long long)desc->out_channels);

    g->batch = desc->batch;
    g->in_channels = desc->in_channels;
    g->out_channels = desc->out_channels;
    g->groups = desc->groups;
    g->in_channels_per_group = desc->in_channels / desc->groups;
    g->out_channels_per_group = desc->out_channels / desc->groups;

    for (int dim = 0; dim < 3; dim++) { /* the dims the rank does not use are identities */
        g->in[dim] = g->out[dim] = g->kernel[dim] = g->stride[dim] = g->dilation[dim] = 1;
        g->pad_begin[dim] = g->pad_end[dim] = 0;
    }
    for (int i = 0; i < rank; i++) {
        const int dim = 3 - rank + i;
        const char *name = dim_names[rank - 1][i];
        const struct {
            const char *field;
            int64_t value, min;
        } fields[] = {{"in_size", desc->in_size[i], 1},   {"kernel", desc->kernel[i], 1},
                      {"stride", desc->stride[i], 1},     {"dilation", desc->dilation[i], 1},
                      {"pad_begin", desc->pad_begin[i], 0}, {"pad_end", desc->pad_end[i], 0}};
        for (int f = 0; f < 6; f++)
            if (fields[f].value < fields[f].min || fields[f].value > MAX_ELEMENTS)
                return jconv_fail(JCONV_INVALID_ARGUMENT, "%s[%d]=%lld (%s) must be in [%lld, %lld]", fields[f].field, i,
                                  (long long)fields[f].value, name, (long long)fields[f].min, (long long)MAX_ELEMENTS);
        g->in[dim] = desc->in_size[i];
        g->kernel[dim] = desc->kernel[i];
        g->stride[dim] = desc->stride[i];
        g->dilation[dim] = desc->dilation[i];
        g->pad_begin[dim] = desc->pad_begin[i];
        g->pad_end[dim] = desc->pad_end[i];

        /* Each value is below 2^60, so these sums cannot overflow; the product is checked. */
        int64_t padded = desc->in_size[i] + desc->pad_begin[i] + desc->pad_end[i];
        int64_t dilated_extent;
        if (!multiply_checked(desc->dilation[i], desc->kernel[i] - 1, &dilated_extent))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "dilation[%d]=%lld * (kernel[%d]=%lld - 1) overflows", i,
                              (long long)desc->dilation[i], i, (long long)desc->kernel[i]);
        dilated_extent += 1;
        if (dilated_extent > padded)
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "kernel[%d]=%lld with dilation %lld spans %lld, more than the padded input %s=%lld "
                              "(in_size %lld + pad_begin %lld + pad_end %lld)",
                              i, (long long)desc->kernel[i], (long long)desc->dilation[i], (long long)dilated_extent,
                              name, (long long)padded, (long long)desc->in_size[i], (long long)desc->pad_begin[i],
                              (long long)desc->pad_end[i]);
        g->out[dim] = (padded - dilated_extent) / desc->stride[i] + 1;
    }

    int64_t src = desc->batch, dst = desc->batch, weights = desc->out_channels;
    int ok = multiply_checked(src, desc->in_channels, &src) && multiply_checked(dst, desc->out_channels, &dst) &&
             multiply_checked(weights, g->in_channels_per_group, &weights);
    for (int dim = 0; ok && dim < 3; dim++)
        ok = multiply_checked(src, g->in[dim], &src) && multiply_checked(dst, g->out[dim], &dst) &&
             multiply_checked(weights, g->kernel[dim], &weights);
    if (!ok) return jconv_fail(JCONV_INVALID_ARGUMENT, "tensor sizes overflow: the element count of input, output or weights exceeds 2^60");
    g->src_elements = src;
    g->dst_elements = dst;
    g->weight_elements = weights;
    return JCONV_OK;
}

jconv_status conv_post_ops_check(const jconv_post_ops *post_ops, jconv_post_ops *resolved) {
    const jconv_post_ops none = {JCONV_ACTIVATION_NONE, 0.0f, 0.0f, 0};
    if (post_ops == NULL) {
        *resolved = none;
        return JCONV_OK;
    }
    if (post_ops->reserved != 0)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "post_ops.reserved=%d must be 0", (int)post_ops->reserved);
    switch (post_ops->activation) {
    case JCONV_ACTIVATION_NONE:
    case JCONV_ACTIVATION_RELU: break;
    case JCONV_ACTIVATION_CLAMP:
        if (isnan(post_ops->clamp_min) || isnan(post_ops->clamp_max) || post_ops->clamp_min > post_ops->clamp_max)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "post_ops clamp_min=%g, clamp_max=%g: need clamp_min <= clamp_max",
                              (double)post_ops->clamp_min, (double)post_ops->clamp_max);
        break;
    default:
        return jconv_fail(JCONV_INVALID_ARGUMENT, "post_ops.activation=%d is not a jconv_activation",
                          (int)post_ops->activation);
    }
    *resolved = *post_ops;
    return JCONV_OK;
}

jconv_status jconv_conv_desc_init(jconv_conv_desc *desc, int spatial_rank) {
    jconv_clear_error();
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    if (spatial_rank < 1 || spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%d must be 1, 2 or 3", spatial_rank);
    jconv_conv_desc d = {0};
    d.spatial_rank = spatial_rank;
    d.batch = d.in_channels = d.out_channels = d.groups = 1;
    for (int i = 0; i < JCONV_MAX_SPATIAL_RANK; i++) d.in_size[i] = d.kernel[i] = d.stride[i] = d.dilation[i] = 1;
    *desc = d;
    return JCONV_OK;
}

jconv_status jconv_conv_output_size(const jconv_conv_desc *desc, int64_t out_size[JCONV_MAX_SPATIAL_RANK]) {
    jconv_clear_error();
    if (out_size == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "out_size is NULL");
    conv_geometry g;
    jconv_status status = conv_geometry_init(desc, &g);
    if (status != JCONV_OK) return status;
    for (int i = 0; i < (int)desc->spatial_rank; i++) out_size[i] = g.out[3 - desc->spatial_rank + i];
    return JCONV_OK;
}
