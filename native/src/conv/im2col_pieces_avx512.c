/* The AVX-512 kernel of im2col_pieces.h (compiled with -mavx512f for this file only). */
#include "im2col_pieces.h"

#include <immintrin.h>

/* A piece's lanes for stride 1, or its two loads and the permute to their even floats for
 * stride 2; zeros in the lanes it does not fill. at: where its lane 0 reads. */
static inline __m512 piece_lanes(const float *at, int64_t SW, __mmask16 lanes, __mmask16 lo, __mmask16 hi,
                                 __m512i even) {
    if (SW == 1) return _mm512_maskz_loadu_ps(lanes, at);
    return _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(lo, at), even, _mm512_maskz_loadu_ps(hi, at + 16));
}

/* One panel's rows for every channel, its pieces' masks held in registers throughout: one or two
 * pieces (most panels) unrolled, more in a loop. */
static inline void panel_rows(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                              int count, int64_t SW, float *to, int64_t row_step) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    if (count == 0) {
        for (int64_t r = 0; r < rows; r++) _mm512_storeu_ps(to + r * row_step, _mm512_setzero_ps());
        return;
    }
    const __mmask16 l0 = pieces[0].lanes, lo0 = pieces[0].load_lo, hi0 = pieces[0].load_hi;
    const float *at0 = im2col_piece_at(channel, pieces[0].from);
    if (count == 1) {
        for (int64_t r = 0; r < rows; r++)
            _mm512_storeu_ps(to + r * row_step, piece_lanes(at0 + r * plane, SW, l0, lo0, hi0, even));
        return;
    }
    const __mmask16 l1 = pieces[1].lanes, lo1 = pieces[1].load_lo, hi1 = pieces[1].load_hi;
    const float *at1 = im2col_piece_at(channel, pieces[1].from);
    for (int64_t r = 0; r < rows; r++) {
        /* the lanes a piece does not fill are zero, so pieces combine by OR */
        __m512i row = _mm512_or_si512(_mm512_castps_si512(piece_lanes(at0 + r * plane, SW, l0, lo0, hi0, even)),
                                      _mm512_castps_si512(piece_lanes(at1 + r * plane, SW, l1, lo1, hi1, even)));
        for (int s = 2; s < count; s++) {
            const float *at = im2col_piece_at(channel, pieces[s].from) + r * plane;
            const __m512 lanes = piece_lanes(at, SW, pieces[s].lanes, pieces[s].load_lo, pieces[s].load_hi, even);
            row = _mm512_or_si512(row, _mm512_castps_si512(lanes));
        }
        _mm512_storeu_si512((void *)(to + r * row_step), row);
    }
}

IM2COL_PIECES_ENTRY_POINT(im2col_pieces_rows_avx512, panel_rows)
