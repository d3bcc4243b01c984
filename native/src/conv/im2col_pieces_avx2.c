/* The AVX2 kernel of im2col_pieces.h (compiled with -mavx2 for this file only): a panel row as two
 * 8-lane halves, each piece's lanes by masked loads (vmaskmovps: the masked-off floats, possibly
 * outside the input, are not read), its masks built once per panel. */
#include "im2col_pieces.h"

#include <immintrin.h>

/* The 8-lane mask whose lane e is set where bit e of bits is. */
static inline __m256i lane_mask(unsigned bits) {
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), bit), bit);
}

/* Bits 0-3 of x to bits 0, 2, 4, 6: the even floats a stride-2 load takes for four lanes. */
static inline unsigned spread4(unsigned x) { return (x & 1) | (x & 2) << 1 | (x & 4) << 2 | (x & 8) << 3; }

/* A piece's loads: stride 1, half h takes the 8 floats at at + 8h under mask[h]; stride 2, half h
 * takes the even floats of at + 16h .. at + 16h + 15 under mask[2h] and mask[2h + 1]. */
typedef struct piece_masks {
    __m256i mask[4];
} piece_masks;

static inline piece_masks masks_of(const im2col_piece *piece, int64_t SW) {
    piece_masks m;
    const unsigned lanes = piece->lanes;
    if (SW == 1) {
        m.mask[0] = lane_mask(lanes & 0xFF), m.mask[1] = lane_mask(lanes >> 8);
        m.mask[2] = m.mask[3] = _mm256_setzero_si256();
    } else {
        for (int q = 0; q < 4; q++) m.mask[q] = lane_mask(spread4((lanes >> (4 * q)) & 0xF));
    }
    return m;
}

/* Stride 2's halves come out of the in-lane shuffle as lanes [0 1 4 5 2 3 6 7]; the pieces combine
 * in that order (OR: the lanes a piece does not fill are zero) and are put in order once. */
static inline void add_piece(const float *at, int64_t SW, const piece_masks *m, __m256 *h0, __m256 *h1) {
    if (SW == 1) {
        *h0 = _mm256_or_ps(*h0, _mm256_maskload_ps(at, m->mask[0]));
        *h1 = _mm256_or_ps(*h1, _mm256_maskload_ps(at + 8, m->mask[1]));
        return;
    }
    *h0 = _mm256_or_ps(*h0, _mm256_shuffle_ps(_mm256_maskload_ps(at, m->mask[0]),
                                              _mm256_maskload_ps(at + 8, m->mask[1]), 0x88));
    *h1 = _mm256_or_ps(*h1, _mm256_shuffle_ps(_mm256_maskload_ps(at + 16, m->mask[2]),
                                              _mm256_maskload_ps(at + 24, m->mask[3]), 0x88));
}

static inline __m256 in_order(__m256 v, int64_t SW) {
    return SW == 1 ? v : _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}

/* One panel's rows for every channel, with `count` pieces (a constant in each call below, so that
 * their masks stay in registers). */
static inline void panel_rows(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                              int count, int64_t SW, float *to, int64_t row_step) {
    piece_masks m[IM2COL_PIECES_MAX];
    const float *at[IM2COL_PIECES_MAX];
    for (int s = 0; s < count; s++) m[s] = masks_of(&pieces[s], SW), at[s] = im2col_piece_at(channel, pieces[s].from);
    for (int64_t r = 0; r < rows; r++) {
        __m256 h0 = _mm256_setzero_ps(), h1 = _mm256_setzero_ps();
        for (int s = 0; s < count; s++) add_piece(at[s] + r * plane, SW, &m[s], &h0, &h1);
        _mm256_storeu_ps(to + r * row_step, in_order(h0, SW));
        _mm256_storeu_ps(to + r * row_step + 8, in_order(h1, SW));
    }
}

static inline void panel_rows_of_stride(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                                        int count, int64_t SW, float *to, int64_t row_step) {
    switch (count) {
    case 0: panel_rows(channel, plane, rows, pieces, 0, SW, to, row_step); break;
    case 1: panel_rows(channel, plane, rows, pieces, 1, SW, to, row_step); break;
    case 2: panel_rows(channel, plane, rows, pieces, 2, SW, to, row_step); break;
    case 3: panel_rows(channel, plane, rows, pieces, 3, SW, to, row_step); break;
    default: panel_rows(channel, plane, rows, pieces, 4, SW, to, row_step); break;
    }
}

IM2COL_PIECES_ENTRY_POINT(im2col_pieces_rows_avx2, panel_rows_of_stride)
