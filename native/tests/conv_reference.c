#include "conv_reference.h"

void conv_reference(const jconv_conv_desc *desc, const int64_t *out_size, const float *src, const float *weights,
                    const float *bias, double *dst) {
    const int rank = (int)desc->spatial_rank;
    /* Sizes padded to 3-D at the front, so one loop nest serves every rank. */
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0},
            d[3] = {1, 1, 1};
    for (int i = 0; i < rank; i++) {
        int dim = 3 - rank + i;
        in[dim] = desc->in_size[i];
        out[dim] = out_size[i];
        k[dim] = desc->kernel[i];
        s[dim] = desc->stride[i];
        p[dim] = desc->pad_begin[i];
        d[dim] = desc->dilation[i];
    }
    const int64_t icg_count = desc->in_channels / desc->groups, ocg_count = desc->out_channels / desc->groups;
    for (int64_t n = 0; n < desc->batch; n++)
        for (int64_t oc = 0; oc < desc->out_channels; oc++)
            for (int64_t o0 = 0; o0 < out[0]; o0++)
                for (int64_t o1 = 0; o1 < out[1]; o1++)
                    for (int64_t o2 = 0; o2 < out[2]; o2++) {
                        double sum = bias != NULL ? bias[oc] : 0.0;
                        int64_t group = oc / ocg_count;
                        for (int64_t icg = 0; icg < icg_count; icg++) {
                            int64_t ic = group * icg_count + icg;
                            for (int64_t k0 = 0; k0 < k[0]; k0++)
                                for (int64_t k1 = 0; k1 < k[1]; k1++)
                                    for (int64_t k2 = 0; k2 < k[2]; k2++) {
                                        int64_t i0 = o0 * s[0] - p[0] + k0 * d[0];
                                        int64_t i1 = o1 * s[1] - p[1] + k1 * d[1];
                                        int64_t i2 = o2 * s[2] - p[2] + k2 * d[2];
                                        if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2])
                                            continue; /* a padding zero */
                                        double x = src[(((n * desc->in_channels + ic) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                                        double w = weights[(((oc * icg_count + icg) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                                        sum += x * w;
                                    }
                        }
                        dst[(((n * desc->out_channels + oc) * out[0] + o0) * out[1] + o1) * out[2] + o2] = sum;
                    }
}

void conv_transpose_reference(const jconv_conv_transpose_desc *desc, const int64_t *out_size, const float *src,
                              const float *weights, const float *bias, double *dst) {
    const int rank = (int)desc->spatial_rank;
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0},
            d[3] = {1, 1, 1};
    for (int i = 0; i < rank; i++) {
        int dim = 3 - rank + i;
        in[dim] = desc->in_size[i];
        out[dim] = out_size[i];
        k[dim] = desc->kernel[i];
        s[dim] = desc->stride[i];
        p[dim] = desc->pad_begin[i];
        d[dim] = desc->dilation[i];
    }
    const int64_t icg_count = desc->in_channels / desc->groups, ocg_count = desc->out_channels / desc->groups;
    const int64_t out_plane = out[0] * out[1] * out[2];
    for (int64_t n = 0; n < desc->batch; n++)
        for (int64_t oc = 0; oc < desc->out_channels; oc++)
            for (int64_t o = 0; o < out_plane; o++)
                dst[(n * desc->out_channels + oc) * out_plane + o] = bias != NULL ? bias[oc] : 0.0;
    for (int64_t n = 0; n < desc->batch; n++)
        for (int64_t ic = 0; ic < desc->in_channels; ic++)
            for (int64_t i0 = 0; i0 < in[0]; i0++)
                for (int64_t i1 = 0; i1 < in[1]; i1++)
                    for (int64_t i2 = 0; i2 < in[2]; i2++) {
                        const double x = src[(((n * desc->in_channels + ic) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                        const int64_t group = ic / icg_count;
                        for (int64_t ocg = 0; ocg < ocg_count; ocg++)
                            for (int64_t k0 = 0; k0 < k[0]; k0++)
                                for (int64_t k1 = 0; k1 < k[1]; k1++)
                                    for (int64_t k2 = 0; k2 < k[2]; k2++) {
                                        const int64_t o0 = i0 * s[0] - p[0] + k0 * d[0];
                                        const int64_t o1 = i1 * s[1] - p[1] + k1 * d[1];
                                        const int64_t o2 = i2 * s[2] - p[2] + k2 * d[2];
                                        if (o0 < 0 || o0 >= out[0] || o1 < 0 || o1 >= out[1] || o2 < 0 || o2 >= out[2])
                                            continue; /* lands outside the output */
                                        const double w =
                                            weights[(((ic * ocg_count + ocg) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                                        const int64_t oc = group * ocg_count + ocg;
                                        dst[(n * desc->out_channels + oc) * out_plane + (o0 * out[1] + o1) * out[2] + o2] +=
                                            x * w;
                                    }
                    }
}

static int64_t product(const int64_t *values, int64_t count) {
    int64_t p = 1;
    for (int64_t i = 0; i < count; i++) p *= values[i];
    return p;
}

int64_t conv_src_count(const jconv_conv_desc *d) { return d->batch * d->in_channels * product(d->in_size, d->spatial_rank); }

int64_t conv_weight_count(const jconv_conv_desc *d) {
    return d->out_channels * (d->in_channels / d->groups) * product(d->kernel, d->spatial_rank);
}

int64_t conv_dst_count(const jconv_conv_desc *d, const int64_t *out_size) {
    return d->batch * d->out_channels * product(out_size, d->spatial_rank);
}
