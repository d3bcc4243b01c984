/* The depthwise kernel's body, compiled once per ISA (dwconv_generic.c, dwconv_avx2.c with
 * -mavx2 -mfma): plain loops over a zero-padded copy of the input plane, so the inner loop has no
 * bounds checks and the compiler vectorises it for the file's ISA. Include after defining
 * DWCONV_PLANE, the function's name. */
#include "conv.h"

#include <string.h>

/* One output plane: out[od][oh][ow] = bias + residual + sum over taps of w[tap] * padded[...]. */
void DWCONV_PLANE(const conv_geometry *g, const float *in_plane, const float *w, float bias, const float *residual,
                  const jconv_post_ops *post_ops, float *out, float *padded) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t PD = ID + g->pad_begin[0] + g->pad_end[0], PH = IH + g->pad_begin[1] + g->pad_end[1];
    const int64_t PW = IW + g->pad_begin[2] + g->pad_end[2];
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2];
    const int64_t SD = g->stride[0], SH = g->stride[1], SW = g->stride[2];
    const int64_t DD = g->dilation[0], DH = g->dilation[1], DW = g->dilation[2];
    memset(padded, 0, (size_t)(PD * PH * PW) * sizeof(float));
    for (int64_t d = 0; d < ID; d++)
        for (int64_t h = 0; h < IH; h++)
            memcpy(padded + ((d + g->pad_begin[0]) * PH + h + g->pad_begin[1]) * PW + g->pad_begin[2],
                   in_plane + (d * IH + h) * IW, (size_t)IW * sizeof(float));
    for (int64_t od = 0; od < OD; od++)
        for (int64_t oh = 0; oh < OH; oh++) {
            float *o = out + (od * OH + oh) * OW;
            conv_row_init(o, OW, bias, residual != NULL ? residual + (od * OH + oh) * OW : NULL);
            for (int64_t kd = 0; kd < KD; kd++)
                for (int64_t kh = 0; kh < KH; kh++) {
                    const float *row = padded + ((od * SD + kd * DD) * PH + oh * SH + kh * DH) * PW;
                    const float *wk = w + (kd * KH + kh) * KW;
                    for (int64_t kw = 0; kw < KW; kw++) {
                        const float wv = wk[kw];
                        const float *r = row + kw * DW;
                        if (SW == 1) {
                            for (int64_t ow = 0; ow < OW; ow++) o[ow] += wv * r[ow];
                        } else {
                            for (int64_t ow = 0; ow < OW; ow++) o[ow] += wv * r[ow * SW];
                        }
                    }
                }
            conv_row_activate(post_ops, o, OW);
        }
}
