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
#include "dwconv_flat.h"

#include <string.h>

/* count outputs o[j] = bias + residual[j] + the nine taps at rows a, b, c, columns at + j (+ 1, + 2).
 * GCC would otherwise keep a[j + 1] and a[j + 2] in registers from one j to the next
 * ("predictive commoning"), a scalar loop it then cannot vectorise. res may alias o (an in-place
 * residual): each element is read before it is written. */
#if defined(__GNUC__) && !defined(__clang__)
#define DW_VECTOR_ROW __attribute__((optimize("no-predictive-commoning")))
#else
#define DW_VECTOR_ROW
#endif
DW_VECTOR_ROW static void row_3x3_s1(float *o, const float *restrict a, const float *restrict b,
                                     const float *restrict c, int64_t at, int64_t count, const float *restrict w,
                                     float bias, const float *res) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
    a += at, b += at, c += at;
#define DW_TAPS_S1(j) (w0 * a[j] + w1 * a[j + 1] + w2 * a[j + 2] + w3 * b[j] + w4 * b[j + 1] + w5 * b[j + 2] + \
                       w6 * c[j] + w7 * c[j + 1] + w8 * c[j + 2])
    if (res == NULL) { /* two loops: a condition inside one stops the vectoriser */
        for (int64_t j = 0; j < count; j++) o[j] = bias + DW_TAPS_S1(j);
    } else {
        for (int64_t j = 0; j < count; j++) o[j] = (bias + res[j]) + DW_TAPS_S1(j);
    }
#undef DW_TAPS_S1
}

#if defined(__AVX2__) && defined(__FMA__)
#include "../core/avx2_stride2.h"

/* Outputs [0, count - count % 8) of row_3x3_s2, in the same order of operations; returns how many. */
static int64_t row_3x3_s2_avx2(float *o, const float *a, const float *b, const float *c, int64_t count,
                               const float *w, float bias, const float *res) {
    const __m256 w0 = _mm256_set1_ps(w[0]), w1 = _mm256_set1_ps(w[1]), w2 = _mm256_set1_ps(w[2]);
    const __m256 w3 = _mm256_set1_ps(w[3]), w4 = _mm256_set1_ps(w[4]), w5 = _mm256_set1_ps(w[5]);
    const __m256 w6 = _mm256_set1_ps(w[6]), w7 = _mm256_set1_ps(w[7]), w8 = _mm256_set1_ps(w[8]);
    const __m256 vbias = _mm256_set1_ps(bias);
    int64_t j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256 l, m, r;
        s2_taps(a, j, &l, &m, &r);
        __m256 sum = _mm256_mul_ps(w0, l);
        sum = _mm256_fmadd_ps(w1, m, sum), sum = _mm256_fmadd_ps(w2, r, sum);
        s2_taps(b, j, &l, &m, &r);
        sum = _mm256_fmadd_ps(w3, l, sum), sum = _mm256_fmadd_ps(w4, m, sum), sum = _mm256_fmadd_ps(w5, r, sum);
        s2_taps(c, j, &l, &m, &r);
        sum = _mm256_fmadd_ps(w6, l, sum), sum = _mm256_fmadd_ps(w7, m, sum), sum = _mm256_fmadd_ps(w8, r, sum);
        sum = s2_in_order(sum);
        const __m256 start = res != NULL ? _mm256_add_ps(vbias, _mm256_loadu_ps(res + j)) : vbias;
        _mm256_storeu_ps(o + j, _mm256_add_ps(start, sum));
    }
    return j;
}
#endif

/* The same with stride 2: columns at + 2 j (+ 1, + 2). */
DW_VECTOR_ROW static void row_3x3_s2(float *o, const float *restrict a, const float *restrict b,
                                     const float *restrict c, int64_t at, int64_t count, const float *restrict w,
                                     float bias, const float *res) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
    a += at, b += at, c += at;
#if defined(__AVX2__) && defined(__FMA__)
    const int64_t done = row_3x3_s2_avx2(o, a, b, c, count, w, bias, res);
    o += done, a += 2 * done, b += 2 * done, c += 2 * done, count -= done;
    if (res != NULL) res += done;
#endif
#define DW_TAPS_S2(j) (w0 * a[2 * j] + w1 * a[2 * j + 1] + w2 * a[2 * j + 2] + w3 * b[2 * j] + w4 * b[2 * j + 1] + \
                       w5 * b[2 * j + 2] + w6 * c[2 * j] + w7 * c[2 * j + 1] + w8 * c[2 * j + 2])
    if (res == NULL) {
        for (int64_t j = 0; j < count; j++) o[j] = bias + DW_TAPS_S2(j);
    } else {
        for (int64_t j = 0; j < count; j++) o[j] = (bias + res[j]) + DW_TAPS_S2(j);
    }
#undef DW_TAPS_S2
}

/* 3x3, dilation 1, stride 1 or 2 along W, over 2-D planes (D untouched): straight from the input
 * rows, no padded copy. Rows above and below the input read a zero row; the columns whose window
 * lies inside the row (all but one or two at each end) take all nine taps in one pass, the rest
 * check each tap. `zeros` holds at least (OW - 1) * SW + 3 zeros. */
static void plane_3x3_direct(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                             const float *residual, const jconv_post_ops *post_ops, float *out, const float *zeros) {
    const int64_t IH = g->in[1], IW = g->in[2], OH = g->out[1], OW = g->out[2], SW = g->stride[2];
    const int64_t left = g->pad_begin[2];
    /* ow in [first, end): 0 <= ow * SW - left and ow * SW - left + 2 < IW */
    int64_t first, end, first2, end2;
    jconv_valid_range(-left, SW, IW, OW, &first, &end);
    jconv_valid_range(2 - left, SW, IW, OW, &first2, &end2);
    if (first2 > first) first = first2;
    if (end2 < end) end = end2;
    if (end < first) end = first;
    for (int64_t oh = 0; oh < OH; oh++) {
        const float *r[3];
        for (int64_t kh = 0; kh < 3; kh++) {
            const int64_t ih = oh * g->stride[1] - g->pad_begin[1] + kh;
            r[kh] = ih >= 0 && ih < IH ? in_plane + ih * IW : zeros;
        }
        float *o = out + oh * OW;
        const float *res = residual != NULL ? residual + oh * OW : NULL;
        /* the interior: column ow * SW - left + kw of each row, >= 0 from `first` on */
        if (SW == 1) row_3x3_s1(o + first, r[0], r[1], r[2], first - left, end - first, w, bias, res != NULL ? res + first : NULL);
        else row_3x3_s2(o + first, r[0], r[1], r[2], 2 * first - left, end - first, w, bias, res != NULL ? res + first : NULL);
        /* the ends: taps outside the row are zeros */
        for (int64_t ow = 0; ow < OW; ow++) {
            if (ow == first) ow = end;
            if (ow >= OW) break;
            float sum = 0.0f;
            for (int64_t kh = 0; kh < 3; kh++)
                for (int64_t kw = 0; kw < 3; kw++) {
                    const int64_t iw = ow * SW - left + kw;
                    if (iw >= 0 && iw < IW) sum += w[kh * 3 + kw] * r[kh][iw];
                }
            o[ow] = (res != NULL ? bias + res[ow] : bias) + sum;
        }
        conv_row_activate(post_ops, o, OW);
    }
}

/* The next tap after (kd, kh, kw) in the order of the weights: counting, not dividing. */
static inline void next_tap(int64_t *kd, int64_t *kh, int64_t *kw, int64_t KH, int64_t KW) {
    if (++*kw < KW) return;
    *kw = 0;
    if (++*kh < KH) return;
    *kh = 0, ++*kd;
}

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
    if (dw_flat_suits(g)) {
        plane_3x3_flat(g, in_plane, w, bias, residual, post_ops, out, scratch);
        return;
    }
    /* 3x3 straight from the input rows, unless the rows are so short that the padded grid's one long
     * loop per slice wins (measured: 14-wide maps run 1.5x faster there, 112-wide 2x slower) */
    if (KD == 1 && SD == 1 && PD == ID && KH == 3 && KW == 3 && DH == 1 && DW == 1 && (SW == 2 || (SW == 1 && OW >= 32))) {
        /* zeros for the rows outside the input: (OW - 1) SW + 3 <= PW + 1 floats */
        memset(scratch, 0, (size_t)(PW + 1) * sizeof(float));
        for (int64_t d = 0; d < OD; d++)
            plane_3x3_direct(g, in_plane + d * IH * IW, w, bias, residual != NULL ? residual + d * OH * OW : NULL,
                             post_ops, out + d * OH * OW, scratch);
        return;
    }
    float *padded = scratch, *work = scratch + PD * PH * PW;
    memset(padded, 0, (size_t)(PD * PH * PW) * sizeof(float));
    for (int64_t d = 0; d < ID; d++)
        for (int64_t h = 0; h < IH; h++)
            memcpy(padded + ((d + g->pad_begin[0]) * PH + h + g->pad_begin[1]) * PW + g->pad_begin[2],
                   in_plane + (d * IH + h) * IW, (size_t)IW * sizeof(float));

    /* Stride 1: one long loop per depth slice over the padded rows, ow < PW, whose columns past OW
     * are computed and dropped: only while they are at most twice the kept ones. Past that (a wide
     * kernel's span, dilated, on a narrow output: the fuzzer's 1 x 1000 kernel at dilation 3 on a
     * 3-column output computed 1000 times the kept sums, 10 s under ASan) the rows below. */
    if (SD == 1 && SH == 1 && SW == 1 && PW <= 3 * OW) {
        /* acc[oh * PW + ow] over one depth slice, ow < PW: the taps' reads stay inside the padded
         * plane (the last one ends at (OH - 1 + (KH - 1) DH) PW + OW - 1 + (KW - 1) DW < PH PW) */
        float *acc = work;
        const int64_t span = (OH - 1) * PW + OW, taps = KD * KH * KW;
        for (int64_t od = 0; od < OD; od++) {
            if (taps == 9) { /* 3x3: all nine taps per output vector, one store */
                const float *f[9];
                for (int64_t tap = 0, kd = 0, kh = 0, kw = 0; tap < 9; tap++, next_tap(&kd, &kh, &kw, KH, KW))
                    f[tap] = padded + ((od + kd * DD) * PH + kh * DH) * PW + kw * DW;
                const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6];
                const float w7 = w[7], w8 = w[8];
                for (int64_t q = 0; q < span; q++)
                    acc[q] = w0 * f[0][q] + w1 * f[1][q] + w2 * f[2][q] + w3 * f[3][q] + w4 * f[4][q] + w5 * f[5][q] +
                             w6 * f[6][q] + w7 * f[7][q] + w8 * f[8][q];
            } else {
                enum { CHUNK = 1024 }; /* 4 KiB of sums stay in L1 while every tap adds into them */
                for (int64_t q0 = 0; q0 < span; q0 += CHUNK) {
                    const int64_t q1 = span - q0 < CHUNK ? span : q0 + CHUNK;
                    for (int64_t tap = 0, kd = 0, kh = 0, kw = 0; tap < taps; tap++, next_tap(&kd, &kh, &kw, KH, KW)) {
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

    /* Strided, or stride 1 with short rows in a wide padded plane: per output row. With stride 2
     * along W, the even and odd columns of every padded row go to their own planes (width PW2), so
     * that tap kw reads row[parity][ow + offset]. */
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
                for (int64_t tap = 0, kd = 0, kh = 0, kw = 0; tap < 9; tap++, next_tap(&kd, &kh, &kw, KH, KW)) {
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
