/* The AVX-512 kernels of direct_blocked.h (compiled with -mavx512f -mfma for this file only). */
#include "direct_blocked.h"

#include <immintrin.h>

/* r[i] becomes column i of the 16 x 16 matrix whose rows were r[0..15]: lanes within 128-bit
 * blocks (unpack, shuffle), then the blocks (two block shuffles). */
static inline __attribute__((always_inline)) void transpose_16x16(__m512 r[16]) {
    __m512 t[16];
#pragma GCC unroll 8
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    /* u[4k + c], 128-bit block L: column 4L + c of rows 4k .. 4k + 3 */
    __m512 u[16];
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        u[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], _MM_SHUFFLE(3, 2, 3, 2));
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], _MM_SHUFFLE(3, 2, 3, 2));
        r[c] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
        r[4 + c] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
        r[8 + c] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
        r[12 + c] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
    }
}

static inline __mmask16 first_lanes(int64_t n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

void direct_blocked_row_avx512(const float *row, int64_t channel_stride, int channels, int64_t width,
                               int64_t column, int64_t extent, float *to) {
    const __m512 zero = _mm512_setzero_ps();
    /* the pixels that read the row: [first, end), column + p in [0, width) */
    int64_t first = -column < 0 ? 0 : -column, end = width - column < extent ? width - column : extent;
    if (row == NULL || first > extent) first = extent;
    if (end < first) end = first;
    for (int64_t p = 0; p < first; p++) _mm512_storeu_ps(to + p * DIRECT_BLOCK_IC, zero);
    for (int64_t p = first; p < end; p += 16) {
        const int64_t n = end - p < 16 ? end - p : 16;
        const __mmask16 mask = first_lanes(n);
        const float *from = row + (column + p);
        __m512 r[16];
#pragma GCC unroll 16
        for (int c = 0; c < 16; c++) r[c] = c < channels ? _mm512_maskz_loadu_ps(mask, from + c * channel_stride) : zero;
        transpose_16x16(r);
#pragma GCC unroll 16
        for (int j = 0; j < 16; j++)
            if (j < n) _mm512_storeu_ps(to + (p + j) * DIRECT_BLOCK_IC, r[j]);
    }
    for (int64_t p = end; p < extent; p++) _mm512_storeu_ps(to + p * DIRECT_BLOCK_IC, zero);
}

/* The 16 channels of one half of the tile (pixel j's accumulator in acc[j]) into their output
 * rows: transposed so that each row is one channel's pixels, then bias, residual and clamp, and
 * the first `pixels` lanes stored for each of the first `channels` channels. */
static inline __attribute__((always_inline)) void store_half(const direct_tile_args *a, const __m512 *acc, int pixels,
                                                             int half, float *out, const float *residual) {
    __m512 r[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) r[j] = acc[j];
    transpose_16x16(r);
    const __mmask16 mask = first_lanes(pixels);
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
    const int channels = a->channels - 16 * half;
    if (channels >= 16 && residual == NULL) {
        /* a whole half without a residual, the usual case, without a test per channel: no bias
         * adds +0, which changes no sum (they start at +0 and never become -0) */
        static const float no_bias[16] = {0};
        const float *bias = a->bias != NULL ? a->bias + 16 * half : no_bias;
        if (a->clamp) {
#pragma GCC unroll 16
            for (int c = 0; c < 16; c++)
                _mm512_mask_storeu_ps(out + (16 * half + c) * a->ldc, mask,
                                      _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_add_ps(r[c], _mm512_set1_ps(bias[c])))));
        } else {
#pragma GCC unroll 16
            for (int c = 0; c < 16; c++)
                _mm512_mask_storeu_ps(out + (16 * half + c) * a->ldc, mask, _mm512_add_ps(r[c], _mm512_set1_ps(bias[c])));
        }
        return;
    }
#pragma GCC unroll 16
    for (int c = 0; c < 16; c++) {
        if (c >= channels) break;
        const int64_t at = (int64_t)(16 * half + c) * a->ldc;
        __m512 v = r[c];
        if (a->bias != NULL) v = _mm512_add_ps(v, _mm512_set1_ps(a->bias[16 * half + c]));
        if (residual != NULL) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, residual + at));
        if (a->clamp) v = _mm512_min_ps(hi, _mm512_max_ps(lo, v)); /* NaN stays NaN */
        _mm512_mask_storeu_ps(out + at, mask, v);
    }
}

/* In place, how many input channels ahead a tile asks for its input and weights: a 1x1 layer's
 * call starts with both in L3 when another library ran in between, as in the bench beside oneDNN
 * (mb2_pw_14 at 1 thread: 97% of the FMA peak alone, 80-83% there), and the hardware's stride
 * prefetchers run too few channels ahead of a tile that spends 14 cycles a channel. Medians of
 * ten rounds of the bench beside oneDNN, builds alternating, 12 channels ahead against none:
 * mb2_pw_14 0.92x -> 0.94x oneDNN, r50_s4_1x1 0.955x -> 0.975x, r50_s5_1x1up 0.915x -> 0.94x,
 * r50_s2_1x1 0.945x both; alone (jconv_ab, warm caches) 0.99-1.10x. 24 against 12, two sets of
 * eight rounds: r50_s5_1x1up (64 KiB of weights a block, from L3) 1.02x against 0.98x oneDNN and
 * 0.975x against 0.935x, the others within 0.02 either way; 40 no better. The input alone hurt
 * r50_s5_1x1up (0.82x: its weights came later), as did the same for the pointwise tiles
 * (r50_s2_1x1up 0.85x -> 0.79x). */
#define PREFETCH_CHANNELS 24

/* The tile for a pixel count J and pixel step PIX known when compiled (PIX 0: a->pixel_step), so
 * that the broadcasts' addresses are constant offsets from one pointer (in place, PIX 1: one
 * pointer per input channel). */
static inline __attribute__((always_inline)) void tile_body(const direct_tile_args *a, const float *in, int J,
                                                            int64_t PIX, float *out, const float *residual) {
    const int64_t pix = PIX != 0 ? PIX : a->pixel_step;
    __m512 acc0[16], acc1[16]; /* 16: the transposes' rows; those past J stay zero */
#pragma GCC unroll 16
    for (int j = 0; j < 16; j++) acc0[j] = acc1[j] = _mm512_setzero_ps();
    const float *w = a->weights;
    for (int64_t cb = 0; cb < a->in_blocks; cb++)
        for (int64_t kd = 0; kd < a->kd; kd++)
            for (int64_t kh = 0; kh < a->kh; kh++)
                for (int64_t kw = 0; kw < a->kw; kw++, w += DIRECT_BLOCK_IC * DIRECT_BLOCK_OC) {
                    const float *x = in + cb * a->block_step + kd * a->depth_step + kh * a->row_step + kw * a->col_step;
                    for (int i = 0; i < DIRECT_BLOCK_IC; i++) {
                        const __m512 w0 = _mm512_loadu_ps(w + i * DIRECT_BLOCK_OC);
                        const __m512 w1 = _mm512_loadu_ps(w + i * DIRECT_BLOCK_OC + 16);
                        const float *xi = PIX == 1 ? x + i * a->channel_step : x + i;
                        /* in place, the next tile's pixels of this channel, and the weights and this
                         * tile's pixels of the channel PREFETCH_CHANNELS on (addresses only: they may
                         * lie past the input's or the weights' end) */
                        if (PIX == 1) {
                            _mm_prefetch((const char *)((uintptr_t)xi + (J + 15) * sizeof(float)), _MM_HINT_T0);
                            const uintptr_t x_ahead =
                                (uintptr_t)xi + (uintptr_t)(PREFETCH_CHANNELS * a->channel_step) * sizeof(float);
                            const uintptr_t w_ahead = (uintptr_t)(w + i * DIRECT_BLOCK_OC) +
                                                      PREFETCH_CHANNELS * DIRECT_BLOCK_OC * sizeof(float);
                            _mm_prefetch((const char *)x_ahead, _MM_HINT_T0);
                            _mm_prefetch((const char *)(x_ahead + (J - 1) * sizeof(float)), _MM_HINT_T0);
                            _mm_prefetch((const char *)w_ahead, _MM_HINT_T0);
                            _mm_prefetch((const char *)(w_ahead + 16 * sizeof(float)), _MM_HINT_T0);
                        }
#pragma GCC unroll 14
                        for (int j = 0; j < J; j++) {
                            const __m512 b = _mm512_set1_ps(xi[j * pix]);
                            acc0[j] = _mm512_fmadd_ps(b, w0, acc0[j]);
                            acc1[j] = _mm512_fmadd_ps(b, w1, acc1[j]);
                        }
                    }
                }
    store_half(a, acc0, J, 0, out, residual);
    if (a->channels > 16) store_half(a, acc1, J, 1, out, residual);
}

#define TILE_OF(J, PIX)                                                                                       \
    static __attribute__((noinline)) void tile_##J##_##PIX(const direct_tile_args *a, const float *in, float *out, \
                                                           const float *residual) {                         \
        tile_body(a, in, J, PIX, out, residual);                                                             \
    }
#define CASE_OF(J, PIX) \
    case J: tile_##J##_##PIX(a, in, out, residual); return;
/* The tile of `pixels` (1-14) at pixel step PIX, each width a function of its own, chosen by a
 * switch (gcc's UBSan took loads from a table of them, picked by a conditional, for out-of-bounds
 * ones; inlined into one switch they ran 2-3% slower). */
#define TILES_OF(PIX)                                                                                         \
    TILE_OF(1, PIX) TILE_OF(2, PIX) TILE_OF(3, PIX) TILE_OF(4, PIX) TILE_OF(5, PIX) TILE_OF(6, PIX)          \
    TILE_OF(7, PIX) TILE_OF(8, PIX) TILE_OF(9, PIX) TILE_OF(10, PIX) TILE_OF(11, PIX) TILE_OF(12, PIX)      \
    TILE_OF(13, PIX) TILE_OF(14, PIX)                                                                         \
    static void tiles_##PIX(const direct_tile_args *a, const float *in, int pixels, float *out,             \
                            const float *residual) {                                                          \
        switch (pixels) {                                                                                     \
            CASE_OF(1, PIX) CASE_OF(2, PIX) CASE_OF(3, PIX) CASE_OF(4, PIX) CASE_OF(5, PIX) CASE_OF(6, PIX)  \
            CASE_OF(7, PIX) CASE_OF(8, PIX) CASE_OF(9, PIX) CASE_OF(10, PIX) CASE_OF(11, PIX)                \
            CASE_OF(12, PIX) CASE_OF(13, PIX) CASE_OF(14, PIX)                                                \
        default: return;                                                                                      \
        }                                                                                                     \
    }
/* stride 1 and 2 along W (pixel steps of 16 and 32 floats), any other, and in place (step 1) */
TILES_OF(16)
TILES_OF(32)
TILES_OF(0)
TILES_OF(1)

void direct_blocked_tile_avx512(const direct_tile_args *args, const float *in, int pixels, float *out,
                                const float *residual) {
    const int64_t step = args->pixel_step;
    if (step == 1) tiles_1(args, in, pixels, out, residual);
    else if (step == 16) tiles_16(args, in, pixels, out, residual);
    else if (step == 32) tiles_32(args, in, pixels, out, residual);
    else tiles_0(args, in, pixels, out, residual);
}

/* The pointwise tile of V vectors of pixels (the last one's lanes `last`): weights of input
 * channel k at w + k * DIRECT_BLOCK_OC (the block's layout: [16-channel block][16][32] is k's 32
 * output channels in a row). */
static inline __attribute__((always_inline)) void pointwise_body(const direct_tile_args *a, int row0, const float *in,
                                                                 int V, __mmask16 last, int ahead, float *out,
                                                                 const float *residual) {
    __m512 acc[DIRECT_POINTWISE_ROWS][3];
#pragma GCC unroll 8
    for (int r = 0; r < DIRECT_POINTWISE_ROWS; r++)
#pragma GCC unroll 3
        for (int v = 0; v < 3; v++) acc[r][v] = _mm512_setzero_ps();
    /* the next rows' output lines, with intent to write (an address only: it may lie past the
     * output): the rows are a plane apart, too many streams for the hardware to follow */
    const uintptr_t row_bytes = (uintptr_t)a->ldc * sizeof(float);
    const uintptr_t next_rows = (uintptr_t)out + (uintptr_t)(row0 + DIRECT_POINTWISE_ROWS) * row_bytes;
#pragma GCC unroll 8
    for (int r = 0; r < DIRECT_POINTWISE_ROWS; r++)
#pragma GCC unroll 3
        for (int v = 0; v < V; v++)
            _mm_prefetch((const char *)(next_rows + (uintptr_t)r * row_bytes + 64 * (uintptr_t)v), _MM_HINT_ET0);
    const float *w = a->weights + row0;
    const int64_t K = a->in_blocks * DIRECT_BLOCK_IC, ld = a->channel_step;
    for (int64_t k = 0; k < K; k++, w += DIRECT_BLOCK_OC, in += ld) {
        __m512 x[3];
#pragma GCC unroll 3
        for (int v = 0; v < V; v++)
            x[v] = v == V - 1 ? _mm512_maskz_loadu_ps(last, in + 16 * v) : _mm512_loadu_ps(in + 16 * v);
        if (ahead) /* the next tile's pixels of this channel (an address only: it may lie past the input) */
#pragma GCC unroll 3
            for (int v = 0; v < 3; v++)
                _mm_prefetch((const char *)((uintptr_t)in + (DIRECT_POINTWISE_PIXELS + 16 * v) * sizeof(float)),
                             _MM_HINT_T0);
#pragma GCC unroll 8
        for (int r = 0; r < DIRECT_POINTWISE_ROWS; r++) {
            const __m512 weight = _mm512_set1_ps(w[r]);
#pragma GCC unroll 3
            for (int v = 0; v < V; v++) acc[r][v] = _mm512_fmadd_ps(weight, x[v], acc[r][v]);
        }
    }
    /* a's fields read once: the stores could alias them, as far as the compiler knows */
    const __m512 lo = _mm512_set1_ps(a->lo), hi = _mm512_set1_ps(a->hi);
    const int rows = a->channels - row0 < DIRECT_POINTWISE_ROWS ? a->channels - row0 : DIRECT_POINTWISE_ROWS;
    const int clamp = a->clamp;
    const int64_t ldc = a->ldc;
    static const float no_bias[DIRECT_POINTWISE_ROWS] = {0}; /* +0 changes no sum (none is -0) */
    const float *bias = a->bias != NULL ? a->bias + row0 : no_bias;
    out += row0 * ldc;
    if (residual != NULL) residual += row0 * ldc;
    if (rows == DIRECT_POINTWISE_ROWS && residual == NULL && !clamp) { /* the usual case: no test per row */
#pragma GCC unroll 8
        for (int r = 0; r < DIRECT_POINTWISE_ROWS; r++) {
            const __m512 b = _mm512_set1_ps(bias[r]);
#pragma GCC unroll 3
            for (int v = 0; v < V; v++)
                _mm512_mask_storeu_ps(out + r * ldc + 16 * v, v == V - 1 ? last : (__mmask16)0xFFFF,
                                      _mm512_add_ps(acc[r][v], b));
        }
        return;
    }
#pragma GCC unroll 8
    for (int r = 0; r < DIRECT_POINTWISE_ROWS; r++) {
        if (r >= rows) break;
        const __m512 b = _mm512_set1_ps(bias[r]);
#pragma GCC unroll 3
        for (int v = 0; v < V; v++) {
            const __mmask16 mask = v == V - 1 ? last : (__mmask16)0xFFFF;
            __m512 y = _mm512_add_ps(acc[r][v], b);
            if (residual != NULL) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mask, residual + r * ldc + 16 * v));
            if (clamp) y = _mm512_min_ps(hi, _mm512_max_ps(lo, y)); /* NaN stays NaN */
            _mm512_mask_storeu_ps(out + r * ldc + 16 * v, mask, y);
        }
    }
}

#define POINTWISE_OF(V, AHEAD)                                                                                 \
    static __attribute__((noinline)) void pointwise_##V##_##AHEAD(const direct_tile_args *a, int row0,         \
                                                                  const float *in, __mmask16 last, float *out, \
                                                                  const float *residual) {                     \
        pointwise_body(a, row0, in, V, last, AHEAD, out, residual);                                            \
    }
POINTWISE_OF(1, 0)
POINTWISE_OF(2, 0)
POINTWISE_OF(3, 0)
POINTWISE_OF(3, 1)

void direct_pointwise_tile_avx512(const direct_tile_args *args, int row0, const float *in, int pixels, int ahead,
                                  float *out, const float *residual) {
    const int vectors = (pixels + 15) / 16;
    const __mmask16 last = first_lanes(pixels - 16 * (vectors - 1));
    if (vectors == 3 && ahead) pointwise_3_1(args, row0, in, last, out, residual);
    else if (vectors == 3) pointwise_3_0(args, row0, in, last, out, residual);
    else if (vectors == 2) pointwise_2_0(args, row0, in, last, out, residual);
    else if (vectors == 1) pointwise_1_0(args, row0, in, last, out, residual);
}
