/* The Winograd input and output transforms' bodies, compiled once per ISA (winograd_transform_generic.c,
 * winograd_transform_avx2.c with -mavx2 -mfma). WINOGRAD_LANES tiles are transformed side by side as
 * one vector of 16 floats per tile position (GCC vector extensions: two ymm with AVX2, four xmm
 * otherwise). Each 1-D transform is unrolled with the generated matrix as compile-time constants,
 * so zeros cost nothing and +-1 is a plain add. Include after defining WINOGRAD_INPUT and
 * WINOGRAD_OUTPUT, the functions' names. */
#include "winograd.h"
#include "winograd_matrices.h"

#include <string.h>

#if defined(__AVX2__)
#include <immintrin.h>

/* r[i][j] -> r[j][i] for an 8 x 8 block of floats held in eight registers. */
static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20), r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20), r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31), r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31), r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}
#endif

#if defined(__AVX2__)
/* Rows of 4: r[l] holds lane l's 4 floats in its low half and lane l + 4's in its high half
 * (l < 4); after, r[j] holds element j of lanes 0..7. Two 4 x 4 transposes, one per half. */
static inline void transpose4x8(__m256 r[4]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    r[0] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), r[1] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    r[2] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), r[3] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
}

/* The first count (1 to 8) floats of a row, without masked moves (slow on AMD cores); the rest 0.
 * (_mm_loadl_epi64 and _mm_storel_epi64 move 8 bytes at any alignment.) */
static inline __m256 load_row(const float *from, int64_t count) {
    switch (count) {
    case 2: return _mm256_castps128_ps256(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)from)));
    case 4: return _mm256_castps128_ps256(_mm_loadu_ps(from));
    case 6:
        return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(from)),
                                    _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(from + 4))), 1);
    case 8: return _mm256_loadu_ps(from);
    default: {
        float part[8] = {0};
        memcpy(part, from, (size_t)count * sizeof(float));
        return _mm256_loadu_ps(part);
    }
    }
}

static inline void store_row(float *to, __m256 v, int64_t count) {
    switch (count) {
    case 2: _mm_storel_epi64((__m128i *)to, _mm_castps_si128(_mm256_castps256_ps128(v))); break;
    case 4: _mm_storeu_ps(to, _mm256_castps256_ps128(v)); break;
    case 6:
        _mm_storeu_ps(to, _mm256_castps256_ps128(v));
        _mm_storel_epi64((__m128i *)(to + 4), _mm_castps_si128(_mm256_extractf128_ps(v, 1)));
        break;
    case 8: _mm256_storeu_ps(to, v); break;
    default: {
        float part[8];
        _mm256_storeu_ps(part, v);
        memcpy(to, part, (size_t)count * sizeof(float));
    }
    }
}
#endif

typedef float v16 __attribute__((vector_size(WINOGRAD_LANES * sizeof(float))));

/* out[i * out_stride] = sum_j mat[i][j] * in[j * in_stride] for i < rows, j < cols: vectors of 16
 * floats, strides in floats, any alignment (in == out is fine: every input is read before the
 * first write). */
static inline __attribute__((always_inline)) void apply_1d(const double *mat, int rows, int cols, const float *in,
                                                           int64_t in_stride, float *out, int64_t out_stride) {
    v16 x[WINOGRAD_MAX_TILE];
#pragma GCC unroll 8
    for (int j = 0; j < cols; j++) memcpy(&x[j], in + j * in_stride, sizeof(v16));
#pragma GCC unroll 8
    for (int i = 0; i < rows; i++) {
        v16 acc = {0};
        int first = 1;
#pragma GCC unroll 8
        for (int j = 0; j < cols; j++) {
            const float c = (float)mat[i * cols + j];
            if (c == 0.0f) continue;
            if (first) {
                acc = c * x[j];
                first = 0;
            } else {
                acc += c * x[j];
            }
        }
        memcpy(out + i * out_stride, &acc, sizeof(v16));
    }
}

/* One line of B^T (output == 0) or A^T (output == 1) for tile m, the matrix a compile-time constant. */
static inline __attribute__((always_inline)) void apply_line(int output, int m, const float *in, int64_t in_stride,
                                                             float *out, int64_t out_stride) {
    switch (output * 8 + m) {
    case 2: apply_1d(&winograd_f2_bt[0][0], 4, 4, in, in_stride, out, out_stride); break;
    case 4: apply_1d(&winograd_f4_bt[0][0], 6, 6, in, in_stride, out, out_stride); break;
    case 6: apply_1d(&winograd_f6_bt[0][0], 8, 8, in, in_stride, out, out_stride); break;
    case 10: apply_1d(&winograd_f2_at[0][0], 2, 4, in, in_stride, out, out_stride); break;
    case 12: apply_1d(&winograd_f4_at[0][0], 4, 6, in, in_stride, out, out_stride); break;
    default: apply_1d(&winograd_f6_at[0][0], 6, 8, in, in_stride, out, out_stride); break;
    }
}

/* Applies B^T (output == 0) or A^T (output == 1) along every transformed dim (W, then H, then D;
 * W is skipped when skip_w says the caller did it in registers), each dim with its own tile, to the
 * [TD][TH][TW] tile of 16-float vectors d, in place: after a dim is done only its first m or m + 2
 * entries are meaningful. The first pass may read its input from `from` instead (position p at
 * from + p * from_stride), the last may write to `to` (p at to + p * to_stride), so that the GEMM's
 * V and M are read and written without a copy. */
static void transform_tile(const winograd_layout *w, int output, int skip_w, float *d, const float *from,
                           int64_t from_stride, float *to, int64_t to_stride) {
    const int64_t L = WINOGRAD_LANES;
    int64_t extent[3] = {w->tile_in[0], w->tile_in[1], w->tile_in[2]}; /* the meaningful extent so far */
    const int64_t stride[3] = {w->tile_in[1] * w->tile_in[2], w->tile_in[2], 1};
    const int passes[3] = {w->transformed[0], w->transformed[1], w->transformed[2] && !skip_w};
    int last = 0; /* passes run from dim 2 down, so the last is the lowest one */
    while (last < 3 && !passes[last]) last++;
    if (last == 3) { /* nothing left to do here: just move the data */
        if (from != NULL)
            for (int64_t p = 0; p < w->positions; p++) memcpy(d + p * L, from + p * from_stride, L * sizeof(float));
        if (to != NULL)
            for (int64_t p = 0; p < w->positions; p++) memcpy(to + p * to_stride, d + p * L, L * sizeof(float));
        return;
    }
    int first_pass = 1;
    for (int dim = 2; dim >= 0; dim--) {
        if (!passes[dim]) continue;
        const int m = w->m_dim[dim];
        const int a = dim == 0 ? 1 : 0, b = dim == 2 ? 1 : 2; /* the other two dims, in order */
        const int read_from = first_pass && from != NULL, write_to = dim == last && to != NULL;
        const float *in_base = read_from ? from : d;
        const int64_t in_unit = read_from ? from_stride : L;
        float *out_base = write_to ? to : d;
        const int64_t out_unit = write_to ? to_stride : L;
        for (int64_t ia = 0; ia < extent[a]; ia++)
            for (int64_t ib = 0; ib < extent[b]; ib++) {
                const int64_t at = ia * stride[a] + ib * stride[b];
                apply_line(output, m, in_base + at * in_unit, stride[dim] * in_unit, out_base + at * out_unit,
                           stride[dim] * out_unit);
            }
        extent[dim] = output ? m : m + 2;
        first_pass = 0;
    }
}

/* B^T along the transformed dims of the gathered tile d, into V (position p at v + p * v_stride). */
static void input_transform(const winograd_layout *w, int skip_w, float *d, float *v, int64_t v_stride) {
    transform_tile(w, 0, skip_w, d, NULL, 0, v, v_stride);
}

/* A^T along the transformed dims of the GEMM results (position p at m + p * m_stride), into d. */
static void output_transform(const winograd_layout *w, int skip_w, const float *m, int64_t m_stride, float *d) {
    transform_tile(w, 1, skip_w, d, m, m_stride, NULL, 0);
}

#if defined(__AVX2__)
/* y[i] = sum_j mat[i][j] x[j] on 8-lane registers, the matrix a compile-time constant. */
static inline __attribute__((always_inline)) void apply_1d_ymm(const double *mat, int rows, int cols, const __m256 *x,
                                                               __m256 *y) {
#pragma GCC unroll 8
    for (int i = 0; i < rows; i++) {
        __m256 acc = _mm256_setzero_ps();
        int first = 1;
#pragma GCC unroll 8
        for (int j = 0; j < cols; j++) {
            const float c = (float)mat[i * cols + j];
            if (c == 0.0f) continue;
            acc = first ? c * x[j] : acc + c * x[j];
            first = 0;
        }
        y[i] = acc;
    }
}

/* B^T (input) or A^T (output) along W on registers holding one position each. */
static inline void bt_w_ymm(int m, const __m256 *x, __m256 *y) {
    switch (m) {
    case 2: apply_1d_ymm(&winograd_f2_bt[0][0], 4, 4, x, y); break;
    case 4: apply_1d_ymm(&winograd_f4_bt[0][0], 6, 6, x, y); break;
    default: apply_1d_ymm(&winograd_f6_bt[0][0], 8, 8, x, y); break;
    }
}

static inline void at_w_ymm(int m, const __m256 *x, __m256 *y) {
    switch (m) {
    case 2: apply_1d_ymm(&winograd_f2_at[0][0], 2, 4, x, y); break;
    case 4: apply_1d_ymm(&winograd_f4_at[0][0], 4, 6, x, y); break;
    default: apply_1d_ymm(&winograd_f6_at[0][0], 6, 8, x, y); break;
    }
}
#endif

/* Copies lane `lane`'s patch of the channel at x into the tile array (zeros outside the input). */
static void gather_patch(const winograd_layout *w, const conv_geometry *g, const float *x, const winograd_lanes *at,
                         int64_t lane, float *scratch) {
    const int64_t IW = g->in[2], TD = w->tile_in[0], TH = w->tile_in[1], TW = w->tile_in[2];
    const int64_t col = at->origin[lane][2] - g->pad_begin[2];
    int64_t first, end; /* the patch's columns inside the input row */
    jconv_valid_range(col, 1, IW, TW, &first, &end);
    for (int64_t dd = 0; dd < TD; dd++)
        for (int64_t hh = 0; hh < TH; hh++) {
            float *t = scratch + (dd * TH + hh) * TW * WINOGRAD_LANES + lane;
            const int inside = dd >= at->d_lo[lane] && dd < at->d_hi[lane] && hh >= at->h_lo[lane] && hh < at->h_hi[lane];
            const float *row = inside ? x + (at->in_first[lane] - col + (dd * g->in[1] + hh) * IW) : NULL;
            for (int64_t ww = 0; ww < TW; ww++)
                t[ww * WINOGRAD_LANES] = inside && ww >= first && ww < end ? row[col + ww] : 0.0f;
        }
}

/* Writes lane `lane` of the result (strides TH, TW of the tile) for the part of its tile inside the
 * output, adding the residual and applying the activation when there is one (without a residual
 * both were applied to the whole vector already). */
static void scatter_patch(const winograd_layout *w, const conv_geometry *g, const float *r, const winograd_lanes *at,
                          int64_t lane, const float *res, const jconv_post_ops *post_ops, float *y) {
    const int64_t OH = g->out[1], OW = g->out[2], TH = w->tile_in[1], TW = w->tile_in[2];
    const int64_t *count = at->out_count[lane];
    for (int64_t dd = 0; dd < count[0]; dd++)
        for (int64_t hh = 0; hh < count[1]; hh++) {
            const int64_t to = at->out_first[lane] + (dd * OH + hh) * OW;
            const float *from = r + (dd * TH + hh) * TW * WINOGRAD_LANES + lane;
            for (int64_t ww = 0; ww < count[2]; ww++) {
                const float v = from[ww * WINOGRAD_LANES];
                y[to + ww] = res != NULL ? conv_activate(post_ops, v + res[to + ww]) : v;
            }
        }
}

#if defined(__AVX2__)
/* The gather when W is transformed (rows of 4, 6 or 8): per patch row, one 8-float load per tile
 * (from a zero-padded copy where the row crosses the input's border), transposed to one vector
 * per position, and B^T applied along W there. */
static void gather_rows_avx2(const winograd_layout *w, const conv_geometry *g, const float *x, int64_t next_plane,
                             const winograd_lanes *at, float *scratch) {
    const int64_t *T = w->tile_in;
    const int64_t IH = g->in[1], IW = g->in[2];
    static const float zeros[8] = {0};
    float edge[8][8];
    for (int64_t l0 = 0; l0 < WINOGRAD_LANES; l0 += 8)
        for (int64_t dd = 0; dd < T[0]; dd++)
            for (int64_t hh = 0; hh < T[1]; hh++) {
                const int64_t row_offset = (dd * IH + hh) * IW;
                const int64_t *row = at->row[dd * T[1] + hh] + l0;
                const float *p[8];
                for (int l = 0; l < 8; l++) {
                    if (row[l] >= 0) {
                        p[l] = x + row[l];
                    } else if (row[l] == WINOGRAD_ROW_ZERO) {
                        p[l] = zeros;
                    } else { /* crosses a W border: copy what lies inside */
                        const int64_t lane = l0 + l, col = at->origin[lane][2] - g->pad_begin[2];
                        for (int64_t j = 0; j < 8; j++)
                            edge[l][j] = j < T[2] && col + j >= 0 && col + j < IW ? x[at->in_first[lane] + row_offset + j] : 0.0f;
                        p[l] = edge[l];
                    }
                }
                /* the next channel's row, which the next call reads: its 8 tiles span 2-3 cache lines */
                if (row[0] >= 0 && row[4] >= 0 && row[7] >= 0 && next_plane > 0) {
                    __builtin_prefetch(p[0] + next_plane);
                    __builtin_prefetch(p[4] + next_plane);
                    __builtin_prefetch(p[7] + next_plane + 7);
                }
                __m256 r[8];
                if (T[2] == 4) { /* rows of 4: half the loads and a third of the shuffles */
#pragma GCC unroll 4
                    for (int l = 0; l < 4; l++)
                        r[l] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p[l])), _mm_loadu_ps(p[l + 4]), 1);
                    transpose4x8(r);
                    r[4] = r[5] = r[6] = r[7] = _mm256_setzero_ps(); /* unused by F(2,3)'s 4 x 4 B^T */
                } else {
#pragma GCC unroll 8
                    for (int l = 0; l < 8; l++) r[l] = _mm256_loadu_ps(p[l]);
                    transpose8(r);
                }
                __m256 y[8];
                bt_w_ymm(w->m_dim[2], r, y); /* the W pass of B^T, while the row is in registers */
                float *to = scratch + (dd * T[1] + hh) * T[2] * WINOGRAD_LANES + l0;
                for (int64_t ww = 0; ww < T[2]; ww++) _mm256_store_ps(to + ww * WINOGRAD_LANES, y[ww]);
            }
}

/* The post-ops' activation on 8 floats, as conv_activate does it: max/min return their second
 * operand when one is NaN, so NaN stays NaN. */
static inline __m256 activate8(int activation, __m256 v, __m256 lo, __m256 hi) {
    if (activation == JCONV_ACTIVATION_RELU) return _mm256_max_ps(_mm256_setzero_ps(), v);
    if (activation == JCONV_ACTIVATION_CLAMP) return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
    return v;
}

/* The inverse when W is transformed: per output row, A^T along W on the tile vectors, bias (and
 * the activation when no residual follows), transposed back to one vector per tile, and the part
 * inside the output stored (adding the residual and applying the activation there). */
static void scatter_rows_avx2(const winograd_layout *w, const conv_geometry *g, const winograd_lanes *at,
                              int64_t channel_offset, float bias, const float *residual, const jconv_post_ops *post_ops,
                              float *dst, const float *scratch) {
    const int64_t OH = g->out[1], OW = g->out[2], TH = w->tile_in[1], TW = w->tile_in[2];
    const __m256 zero = _mm256_setzero_ps(), bias8 = _mm256_set1_ps(bias);
    const __m256 lo = _mm256_set1_ps(post_ops->clamp_min), hi = _mm256_set1_ps(post_ops->clamp_max);
    const int activation = post_ops->activation;
    for (int64_t l0 = 0; l0 < at->count; l0 += 8)
        for (int64_t dd = 0; dd < w->tile_out[0]; dd++)
            for (int64_t hh = 0; hh < w->tile_out[1]; hh++) {
                __m256 r[8], y[8] = {zero, zero, zero, zero, zero, zero, zero, zero};
                const float *from = scratch + (dd * TH + hh) * TW * WINOGRAD_LANES + l0;
                for (int ww = 0; ww < TW; ww++) r[ww] = _mm256_load_ps(from + ww * WINOGRAD_LANES);
                at_w_ymm(w->m_dim[2], r, y);
                for (int ww = 0; ww < w->m_dim[2]; ww++) {
                    y[ww] = _mm256_add_ps(y[ww], bias8);
                    if (residual == NULL) y[ww] = activate8(activation, y[ww], lo, hi);
                }
                const int64_t row_offset = channel_offset + (dd * OH + hh) * OW;
                if (w->m_dim[2] <= 4) { /* rows of 2 or 4: one 4 x 8 transpose leaves lane l + 4 in y[l]'s high half */
                    transpose4x8(y);
                    y[4] = _mm256_castps128_ps256(_mm256_extractf128_ps(y[0], 1));
                    y[5] = _mm256_castps128_ps256(_mm256_extractf128_ps(y[1], 1));
                    y[6] = _mm256_castps128_ps256(_mm256_extractf128_ps(y[2], 1));
                    y[7] = _mm256_castps128_ps256(_mm256_extractf128_ps(y[3], 1));
                } else {
                    transpose8(y);
                }
                for (int l = 0; l < 8 && l0 + l < at->count; l++) {
                    const int64_t lane = l0 + l;
                    if (dd >= at->out_count[lane][0] || hh >= at->out_count[lane][1]) continue;
                    const int64_t to = at->out_first[lane] + row_offset;
                    __m256 v = y[l];
                    if (residual != NULL) {
                        v = activate8(activation, _mm256_add_ps(v, load_row(residual + to, at->out_count[lane][2])), lo, hi);
                    }
                    store_row(dst + to, v, at->out_count[lane][2]);
                }
            }
}
#endif

void WINOGRAD_INPUT(const winograd_layout *w, const conv_geometry *g, const float *src, int64_t channel,
                    const winograd_lanes *at, float *v, int64_t pos_stride, float *scratch) {
    const float *x = src + channel * g->in[0] * g->in[1] * g->in[2]; /* lanes add their image's offset */
    int w_done = 0;
#if defined(__AVX2__)
    if (w->transformed[2]) {
        /* the next channel's distance, 0 for the last channel (prefetching stays inside the tensor) */
        const int64_t next_plane = channel + 1 < g->in_channels ? g->in[0] * g->in[1] * g->in[2] : 0;
        gather_rows_avx2(w, g, x, next_plane, at, scratch);
        w_done = 1;
    } else
#endif
    {
        if (at->count < WINOGRAD_LANES) memset(scratch, 0, (size_t)(w->positions * WINOGRAD_LANES) * sizeof(float));
        for (int64_t lane = 0; lane < at->count; lane++) gather_patch(w, g, x, at, lane, scratch);
    }
    input_transform(w, w_done, scratch, v, pos_stride);
}

void WINOGRAD_OUTPUT(const winograd_layout *w, const conv_geometry *g, const float *m, int64_t pos_stride,
                     int64_t channel, const winograd_lanes *at, float bias, const float *residual,
                     const jconv_post_ops *post_ops, float *dst, float *scratch) {
    const int64_t channel_offset = channel * g->out[0] * g->out[1] * g->out[2];
#if defined(__AVX2__)
    if (w->transformed[2]) { /* A^T along W, the post-ops and the scatter on registers */
        output_transform(w, 1, m, pos_stride, scratch);
        scatter_rows_avx2(w, g, at, channel_offset, bias, residual, post_ops, dst, scratch);
        return;
    }
#endif
    output_transform(w, 0, m, pos_stride, scratch);
    /* bias (and the activation, when no residual comes after) over the tile's outputs, vectorised */
    const int64_t TH = w->tile_in[1], TW = w->tile_in[2];
    for (int64_t dd = 0; dd < w->tile_out[0]; dd++)
        for (int64_t hh = 0; hh < w->tile_out[1]; hh++)
            for (int64_t ww = 0; ww < w->tile_out[2]; ww++) {
                float *e = scratch + ((dd * TH + hh) * TW + ww) * WINOGRAD_LANES;
                for (int l = 0; l < WINOGRAD_LANES; l++) e[l] += bias;
                if (residual == NULL) conv_row_activate(post_ops, e, WINOGRAD_LANES);
            }
    for (int64_t lane = 0; lane < at->count; lane++)
        scatter_patch(w, g, scratch, at, lane, residual != NULL ? residual + channel_offset : NULL, post_ops,
                      dst + channel_offset);
}
