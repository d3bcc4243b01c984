/* The direct convolution: the definition as loops, in the order that makes the innermost loop a
 * contiguous run along W. It handles every shape and is the baseline the other algorithms beat.
 *
 * Work item: one output row (n, oc, od, oh) of OW values. Rows are independent, so
 * N * OC * OD * OH of them keep every core busy at batch 1. Each row starts as bias + residual
 * (read before the row is written, so residual may alias dst) and accumulates the taps in place. */
#include "conv.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static void accumulate_row(const conv_geometry *g, const float *src_plane, const float *weights_oc,
                           int64_t od, int64_t oh, float *out) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2];
    const int64_t OW = g->out[2], SW = g->stride[2], DW = g->dilation[2], PW = g->pad_begin[2];
    for (int64_t icg = 0; icg < g->in_channels_per_group; icg++) {
        const float *src_channel = src_plane + icg * ID * IH * IW;
        const float *w_channel = weights_oc + icg * KD * KH * KW;
        for (int64_t kd = 0; kd < KD; kd++) {
            const int64_t id = od * g->stride[0] - g->pad_begin[0] + kd * g->dilation[0];
            if (id < 0 || id >= ID) continue;
            for (int64_t kh = 0; kh < KH; kh++) {
                const int64_t ih = oh * g->stride[1] - g->pad_begin[1] + kh * g->dilation[1];
                if (ih < 0 || ih >= IH) continue;
                const float *in_row = src_channel + (id * IH + ih) * IW;
                const float *w_row = w_channel + (kd * KH + kh) * KW;
                for (int64_t kw = 0; kw < KW; kw++) {
                    const float w = w_row[kw];
                    const int64_t offset = kw * DW - PW; /* iw = ow * SW + offset */
                    int64_t first, end;
                    jconv_valid_range(offset, SW, IW, OW, &first, &end);
                    if (SW == 1) {
                        for (int64_t ow = first; ow < end; ow++) out[ow] += w * in_row[ow + offset];
                    } else {
                        for (int64_t ow = first; ow < end; ow++) out[ow] += w * in_row[ow * SW + offset];
                    }
                }
            }
        }
    }
}

jconv_status conv_direct_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                 float *dst) {
    if (plan->packed_weights != NULL) return conv_direct_blocked_execute(plan, src, residual, dst);
    const conv_geometry *g = &plan->geometry;
    const int64_t OC = g->out_channels, OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t in_plane = g->in[0] * g->in[1] * g->in[2];
    const int64_t out_plane = OD * OH * OW;
    const int64_t weights_per_oc = g->in_channels_per_group * g->kernel[0] * g->kernel[1] * g->kernel[2];
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
        const int64_t group = oc / g->out_channels_per_group;
        const int64_t out_offset = (n * OC + oc) * out_plane + (od * OH + oh) * OW;
        float *out = dst + out_offset;
        conv_row_init(out, OW, plan->bias != NULL ? plan->bias[oc] : 0.0f,
                      residual != NULL ? residual + out_offset : NULL);
        const float *src_plane = src + (n * g->in_channels + group * g->in_channels_per_group) * in_plane;
        accumulate_row(g, src_plane, plan->weights + oc * weights_per_oc, od, oh, out);
        conv_row_activate(&post_ops, out, OW);
    }
    return JCONV_OK;
}
