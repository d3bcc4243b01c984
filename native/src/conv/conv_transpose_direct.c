/* The direct transposed convolution, as a gather so that output rows stay independent:
 * output o receives x[i] * w[k] wherever o = i * stride - pad_begin + k * dilation. For a fixed
 * kernel tap the inputs that land in one output row form a contiguous run of i, scattered into
 * the row at stride `stride`; the row belongs to one thread, so nothing races.
 *
 * Work item: one output row (n, oc, od, oh), started as bias + residual like the direct
 * convolution (so residual may alias dst). */
#include "conv.h"

/* The input index i for output o and tap k along one dim, or -1 when no input lands there. */
static int64_t source_index(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t in) {
    const int64_t numerator = o + pad - k * dilation;
    if (numerator < 0 || numerator % stride != 0) return -1;
    const int64_t i = numerator / stride;
    return i < in ? i : -1;
}

static void accumulate_row(const conv_geometry *g, const float *src_image, const float *weights, int64_t group,
                           int64_t ocg, int64_t od, int64_t oh, float *out) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2];
    const int64_t OW = g->out[2], SW = g->stride[2], DW = g->dilation[2], PW = g->pad_begin[2];
    const int64_t OCg = g->out_channels_per_group;
    for (int64_t icg = 0; icg < g->in_channels_per_group; icg++) {
        const int64_t ic = group * g->in_channels_per_group + icg;
        const float *src_channel = src_image + ic * ID * IH * IW;
        const float *w_channel = weights + (ic * OCg + ocg) * KD * KH * KW;
        for (int64_t kd = 0; kd < KD; kd++) {
            const int64_t id = source_index(od, kd, g->stride[0], g->pad_begin[0], g->dilation[0], ID);
            if (id < 0) continue;
            for (int64_t kh = 0; kh < KH; kh++) {
                const int64_t ih = source_index(oh, kh, g->stride[1], g->pad_begin[1], g->dilation[1], IH);
                if (ih < 0) continue;
                const float *in_row = src_channel + (id * IH + ih) * IW;
                const float *w_row = w_channel + (kd * KH + kh) * KW;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const float w = w_row[kw];
                    const int64_t offset = kw * DW - PW; /* ow = iw * SW + offset */
                    int64_t first, end;
                    jconv_valid_range(offset, SW, OW, IW, &first, &end);
                    for (int64_t iw = first; iw < end; iw++) out[iw * SW + offset] += w * in_row[iw];
                }
            }
        }
    }
}

jconv_status conv_transpose_direct_execute(const struct jconv_conv_plan *plan, const float *src,
                                           const float *residual, float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int64_t OC = g->out_channels, OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t in_image = g->in_channels * g->in[0] * g->in[1] * g->in[2];
    const int64_t out_plane = OD * OH * OW;
    const int64_t rows = g->batch * OC * OD * OH;
    const jconv_post_ops post_ops = plan->post_ops;
    const int threads = jconv_threads();
    (void)threads;

#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t oh = row % OH;
        const int64_t od = (row / OH) % OD;
        const int64_t oc = (row / (OH * OD)) % OC;
        const int64_t n = row / (OH * OD * OC);
        const int64_t out_offset = (n * OC + oc) * out_plane + (od * OH + oh) * OW;
        float *out = dst + out_offset;
        conv_row_init(out, OW, plan->bias != NULL ? plan->bias[oc] : 0.0f,
                      residual != NULL ? residual + out_offset : NULL);
        accumulate_row(g, src + n * in_image, plan->weights, oc / g->out_channels_per_group,
                       oc % g->out_channels_per_group, od, oh, out);
        conv_row_activate(&post_ops, out, OW);
    }
    return JCONV_OK;
}
