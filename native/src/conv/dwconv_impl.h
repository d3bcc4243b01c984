/* The depthwise kernel's body, compiled once per ISA (dwconv_generic.c, dwconv_avx2.c with
 * -mavx2 -mfma): plain loops over a zero-padded copy of the input plane, so the inner loops have no
 * bounds checks and the compiler vectorises them for the file's ISA. Include after defining
 * DWCONV_PLANE, the function's name.
 *
 * Stride 1: each tap is one long loop over a whole depth slice of the padded grid (rows of the
 * padded width, the columns past the output's discarded), not one short loop per output row (a
 * 14-wide map spent its time in loop overhead). Stride 2 along W: the padded rows are split into
 * even and odd columns first, so every tap reads contiguous floats. */
#include "conv.h"

#include <string.h>

/* One output plane: out[od][oh][ow] = bias + residual + sum over taps of w[tap] * padded[...].
 * scratch: 2 PD PH PW + PD PH floats (the padded plane, then the sums or the even/odd planes). */
void DWCONV_PLANE(const conv_geometry *g, const float *in_plane, const float *w, float bias, const float *residual,
                  const jconv_post_ops *post_ops, float *out, float *scratch) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t PD = ID + g->pad_begin[0] + g->pad_end[0], PH = IH + g->pad_begin[1] + g->pad_end[1];
    const int64_t PW = IW + g->pad_begin[2] + g->pad_end[2];
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2];
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2];
    const int64_t SD = g->stride[0], SH = g->stride[1], SW = g->stride[2];
    const int64_t DD = g->dilation[0], DH = g->dilation[1], DW = g->dilation[2];
    float *padded = scratch, *work = scratch + PD * PH * PW;
    memset(padded, 0, (size_t)(PD * PH * PW) * sizeof(float));
    for (int64_t d = 0; d < ID; d++)
        for (int64_t h = 0; h < IH; h++)
            memcpy(padded + ((d + g->pad_begin[0]) * PH + h + g->pad_begin[1]) * PW + g->pad_begin[2],
                   in_plane + (d * IH + h) * IW, (size_t)IW * sizeof(float));

    if (SD == 1 && SH == 1 && SW == 1) {
        /* acc[oh * PW + ow] over one depth slice, ow < PW: the taps' reads stay inside the padded
         * plane (the last one ends at (OH - 1 + (KH - 1) DH) PW + OW - 1 + (KW - 1) DW < PH PW) */
        float *acc = work;
        const int64_t span = (OH - 1) * PW + OW, taps = KD * KH * KW;
        for (int64_t od = 0; od < OD; od++) {
            if (taps == 9) { /* 3x3: all nine taps per output vector, one store */
                const float *f[9];
                for (int64_t tap = 0; tap < 9; tap++) {
                    const int64_t kd = tap / (KH * KW), kh = tap / KW % KH, kw = tap % KW;
                    f[tap] = padded + ((od + kd * DD) * PH + kh * DH) * PW + kw * DW;
                }
                const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6];
                const float w7 = w[7], w8 = w[8];
                for (int64_t q = 0; q < span; q++)
                    acc[q] = w0 * f[0][q] + w1 * f[1][q] + w2 * f[2][q] + w3 * f[3][q] + w4 * f[4][q] + w5 * f[5][q] +
                             w6 * f[6][q] + w7 * f[7][q] + w8 * f[8][q];
            } else {
                enum { CHUNK = 1024 }; /* 4 KiB of sums stay in L1 while every tap adds into them */
                for (int64_t q0 = 0; q0 < span; q0 += CHUNK) {
                    const int64_t q1 = span - q0 < CHUNK ? span : q0 + CHUNK;
                    for (int64_t tap = 0; tap < taps; tap++) {
                        const int64_t kd = tap / (KH * KW), kh = tap / KW % KH, kw = tap % KW;
                        const float *from = padded + ((od + kd * DD) * PH + kh * DH) * PW + kw * DW;
                        const float wv = w[tap];
                        if (tap == 0) {
                            for (int64_t q = q0; q < q1; q++) acc[q] = wv * from[q];
                        } else {
                            for (int64_t q = q0; q < q1; q++) acc[q] += wv * from[q];
                        }
                    }
                }
            }
            for (int64_t oh = 0; oh < OH; oh++) {
                float *o = out + (od * OH + oh) * OW;
                const float *a = acc + oh * PW;
                const float *r = residual != NULL ? residual + (od * OH + oh) * OW : NULL;
                for (int64_t ow = 0; ow < OW; ow++) o[ow] = (r != NULL ? bias + r[ow] : bias) + a[ow];
                conv_row_activate(post_ops, o, OW);
            }
        }
        return;
    }

    /* Strided: per output row. With stride 2 along W, the even and odd columns of every padded row
     * go to their own planes (width PW2), so that tap kw reads row[parity][ow + offset]. */
    const int64_t PW2 = (PW + 1) / 2;
    float *even = work, *odd = work + PD * PH * PW2;
    if (SW == 2)
        for (int64_t row = 0; row < PD * PH; row++) {
            const float *from = padded + row * PW;
            float *e = even + row * PW2, *o = odd + row * PW2;
            for (int64_t j = 0; j < PW / 2; j++) e[j] = from[2 * j], o[j] = from[2 * j + 1];
            if (PW % 2) e[PW / 2] = from[PW - 1], o[PW / 2] = 0.0f;
        }
    for (int64_t od = 0; od < OD; od++)
        for (int64_t oh = 0; oh < OH; oh++) {
            float *o = out + (od * OH + oh) * OW;
            conv_row_init(o, OW, bias, residual != NULL ? residual + (od * OH + oh) * OW : NULL);
            if (KD * KH * KW == 9 && SW <= 2) { /* 3x3 reading contiguous rows: nine taps per vector */
                const float *f[9];
                for (int64_t tap = 0; tap < 9; tap++) {
                    const int64_t kd = tap / (KH * KW), kh = tap / KW % KH, kw = tap % KW;
                    const int64_t row = (od * SD + kd * DD) * PH + oh * SH + kh * DH, col = kw * DW;
                    f[tap] = SW == 1 ? padded + row * PW + col : ((col & 1) ? odd : even) + row * PW2 + (col >> 1);
                }
                const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6];
                const float w7 = w[7], w8 = w[8];
                float *restrict to = o;
                for (int64_t ow = 0; ow < OW; ow++)
                    to[ow] += w0 * f[0][ow] + w1 * f[1][ow] + w2 * f[2][ow] + w3 * f[3][ow] + w4 * f[4][ow] +
                              w5 * f[5][ow] + w6 * f[6][ow] + w7 * f[7][ow] + w8 * f[8][ow];
                conv_row_activate(post_ops, o, OW);
                continue;
            }
            for (int64_t kd = 0; kd < KD; kd++)
                for (int64_t kh = 0; kh < KH; kh++) {
                    const int64_t row = (od * SD + kd * DD) * PH + oh * SH + kh * DH;
                    const float *wk = w + (kd * KH + kh) * KW;
                    for (int64_t kw = 0; kw < KW; kw++) {
                        const float wv = wk[kw];
                        if (SW == 1) {
                            const float *r = padded + row * PW + kw * DW;
                            for (int64_t ow = 0; ow < OW; ow++) o[ow] += wv * r[ow];
                        } else if (SW == 2) {
                            const int64_t col = kw * DW; /* input column 2 ow + col */
                            const float *r = ((col & 1) ? odd : even) + row * PW2 + (col >> 1);
                            for (int64_t ow = 0; ow < OW; ow++) o[ow] += wv * r[ow];
                        } else {
                            const float *r = padded + row * PW + kw * DW;
                            for (int64_t ow = 0; ow < OW; ow++) o[ow] += wv * r[ow * SW];
                        }
                    }
                }
            conv_row_activate(post_ops, o, OW);
        }
}
