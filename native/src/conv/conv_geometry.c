/* Validation of convolution descriptors and post-ops. */
#include "conv.h"

#include <math.h>
#include <string.h>

#define MAX_ELEMENTS JCONV_MAX_ELEMENTS
#define multiply_checked jconv_multiply_checked

static const char *const dim_names[3][3] = {{"W"}, {"H", "W"}, {"D", "H", "W"}};

/* Checks the fields convolutions and transposed convolutions share and copies them into *g,
 * widened to 3-D: the dims the rank does not use are identities. */
static jconv_status check_common(const jconv_conv_desc *desc, conv_geometry *g) {
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

    memset(g, 0, sizeof *g);
    g->batch = desc->batch;
    g->in_channels = desc->in_channels;
    g->out_channels = desc->out_channels;
    g->groups = desc->groups;
    g->in_channels_per_group = desc->in_channels / desc->groups;
    g->out_channels_per_group = desc->out_channels / desc->groups;
    for (int dim = 0; dim < 3; dim++) g->in[dim] = g->out[dim] = g->kernel[dim] = g->stride[dim] = g->dilation[dim] = 1;

    for (int i = 0; i < rank; i++) {
        const int dim = 3 - rank + i;
        const struct {
            const char *field;
            int64_t value, min;
        } fields[] = {{"in_size", desc->in_size[i], 1},   {"kernel", desc->kernel[i], 1},
                      {"stride", desc->stride[i], 1},     {"dilation", desc->dilation[i], 1},
                      {"pad_begin", desc->pad_begin[i], 0}, {"pad_end", desc->pad_end[i], 0}};
        for (int f = 0; f < 6; f++)
            if (fields[f].value < fields[f].min || fields[f].value > MAX_ELEMENTS)
                return jconv_fail(JCONV_INVALID_ARGUMENT, "%s[%d]=%lld (%s) must be in [%lld, %lld]", fields[f].field, i,
                                  (long long)fields[f].value, dim_names[rank - 1][i], (long long)fields[f].min,
                                  (long long)MAX_ELEMENTS);
        g->in[dim] = desc->in_size[i];
        g->kernel[dim] = desc->kernel[i];
        g->stride[dim] = desc->stride[i];
        g->dilation[dim] = desc->dilation[i];
        g->pad_begin[dim] = desc->pad_begin[i];
        g->pad_end[dim] = desc->pad_end[i];
        int64_t extent;
        if (!multiply_checked(desc->dilation[i], desc->kernel[i] - 1, &extent))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "dilation[%d]=%lld * (kernel[%d]=%lld - 1) overflows", i,
                              (long long)desc->dilation[i], i, (long long)desc->kernel[i]);
    }
    return JCONV_OK;
}

/* Element counts of input, output and weights (the same product for either weight layout). */
static jconv_status count_elements(conv_geometry *g) {
    int64_t src = g->batch, dst = g->batch, weights = g->out_channels;
    int ok = multiply_checked(src, g->in_channels, &src) && multiply_checked(dst, g->out_channels, &dst) &&
             multiply_checked(weights, g->in_channels_per_group, &weights);
    for (int dim = 0; ok && dim < 3; dim++)
        ok = multiply_checked(src, g->in[dim], &src) && multiply_checked(dst, g->out[dim], &dst) &&
             multiply_checked(weights, g->kernel[dim], &weights);
    if (!ok)
        return jconv_fail(JCONV_INVALID_ARGUMENT,
                          "tensor sizes overflow: the element count of input, output or weights exceeds 2^60");
    g->src_elements = src;
    g->dst_elements = dst;
    g->weight_elements = weights;
    return JCONV_OK;
}

jconv_status conv_geometry_init(const jconv_conv_desc *desc, conv_geometry *g) {
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    jconv_status status = check_common(desc, g);
    if (status != JCONV_OK) return status;
    const int rank = (int)desc->spatial_rank;
    for (int i = 0; i < rank; i++) {
        const int dim = 3 - rank + i;
        /* Each value is below 2^60 and the extent was checked, so these cannot overflow. */
        const int64_t padded = g->in[dim] + g->pad_begin[dim] + g->pad_end[dim];
        const int64_t extent = g->dilation[dim] * (g->kernel[dim] - 1) + 1;
        if (extent > padded)
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "kernel[%d]=%lld with dilation %lld spans %lld, more than the padded input %s=%lld "
                              "(in_size %lld + pad_begin %lld + pad_end %lld)",
                              i, (long long)g->kernel[dim], (long long)g->dilation[dim], (long long)extent,
                              dim_names[rank - 1][i], (long long)padded, (long long)g->in[dim],
                              (long long)g->pad_begin[dim], (long long)g->pad_end[dim]);
        g->out[dim] = (padded - extent) / g->stride[dim] + 1;
    }
    return count_elements(g);
}

void conv_desc_from_transpose(const jconv_conv_transpose_desc *desc, jconv_conv_desc *common) {
    memset(common, 0, sizeof *common);
    common->spatial_rank = desc->spatial_rank;
    common->batch = desc->batch;
    common->in_channels = desc->in_channels;
    common->out_channels = desc->out_channels;
    common->groups = desc->groups;
    memcpy(common->in_size, desc->in_size, sizeof common->in_size);
    memcpy(common->kernel, desc->kernel, sizeof common->kernel);
    memcpy(common->stride, desc->stride, sizeof common->stride);
    memcpy(common->pad_begin, desc->pad_begin, sizeof common->pad_begin);
    memcpy(common->pad_end, desc->pad_end, sizeof common->pad_end);
    memcpy(common->dilation, desc->dilation, sizeof common->dilation);
}

jconv_status conv_transpose_geometry_init(const jconv_conv_transpose_desc *desc, conv_geometry *g) {
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    jconv_conv_desc common;
    conv_desc_from_transpose(desc, &common);
    jconv_status status = check_common(&common, g);
    if (status != JCONV_OK) return status;
    g->transposed = 1;
    const int rank = (int)desc->spatial_rank;
    for (int i = 0; i < rank; i++) {
        const int dim = 3 - rank + i;
        const int64_t output_padding = desc->output_padding[i];
        const int64_t limit = g->stride[dim] > g->dilation[dim] ? g->stride[dim] : g->dilation[dim];
        if (output_padding < 0 || output_padding >= limit)
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "output_padding[%d]=%lld (%s) must be >= 0 and smaller than stride %lld or dilation %lld",
                              i, (long long)output_padding, dim_names[rank - 1][i], (long long)g->stride[dim],
                              (long long)g->dilation[dim]);
        g->output_padding[dim] = output_padding;
        /* out = (in - 1) * stride - pad_begin - pad_end + dilation * (kernel - 1) + output_padding + 1 */
        int64_t grown;
        if (!multiply_checked(g->in[dim] - 1, g->stride[dim], &grown))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "(in_size[%d]=%lld - 1) * stride %lld overflows", i,
                              (long long)g->in[dim], (long long)g->stride[dim]);
        const int64_t out = grown - g->pad_begin[dim] - g->pad_end[dim] + g->dilation[dim] * (g->kernel[dim] - 1) +
                            output_padding + 1;
        if (out < 1)
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "output size %s=%lld is < 1: padding %lld + %lld is too large for in_size %lld, kernel "
                              "%lld, stride %lld",
                              dim_names[rank - 1][i], (long long)out, (long long)g->pad_begin[dim],
                              (long long)g->pad_end[dim], (long long)g->in[dim], (long long)g->kernel[dim],
                              (long long)g->stride[dim]);
        g->out[dim] = out;
    }
    return count_elements(g);
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

jconv_status jconv_conv_transpose_desc_init(jconv_conv_transpose_desc *desc, int spatial_rank) {
    jconv_clear_error();
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    if (spatial_rank < 1 || spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%d must be 1, 2 or 3", spatial_rank);
    jconv_conv_transpose_desc d = {0};
    d.spatial_rank = spatial_rank;
    d.batch = d.in_channels = d.out_channels = d.groups = 1;
    for (int i = 0; i < JCONV_MAX_SPATIAL_RANK; i++) d.in_size[i] = d.kernel[i] = d.stride[i] = d.dilation[i] = 1;
    *desc = d;
    return JCONV_OK;
}

jconv_status jconv_conv_transpose_output_size(const jconv_conv_transpose_desc *desc,
                                              int64_t out_size[JCONV_MAX_SPATIAL_RANK]) {
    jconv_clear_error();
    if (out_size == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "out_size is NULL");
    conv_geometry g;
    jconv_status status = conv_transpose_geometry_init(desc, &g);
    if (status != JCONV_OK) return status;
    for (int i = 0; i < (int)desc->spatial_rank; i++) out_size[i] = g.out[3 - desc->spatial_rank + i];
    return JCONV_OK;
}
