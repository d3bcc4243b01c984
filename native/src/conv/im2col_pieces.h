/* B's panel rows built whole from the input, a few lane ranges at a time (AVX-512 and AVX2), instead of
 * gathered into a row and copied into the panels a column run at a time.
 *
 * For one tap, every input channel's B row has the same shape: within a panel (NR columns of the
 * chunk) each lane reads the input at a fixed offset from the channel, or is zero (padding, or
 * past the chunk). The lanes come in pieces, one per output row the panel meets: lane j of a piece
 * reads channel[from + j * SW]. conv_im2col.c works the pieces out once per tap and block; the
 * kernel fills each panel row with one masked load per piece (stride 2: two, and a permute to the
 * even floats), so the masked-off lanes, outside the input, are never read. */
#ifndef JCONV_IM2COL_PIECES_H
#define JCONV_IM2COL_PIECES_H

#include "../gemm/gemm.h"

#include <stdint.h>

/* The most pieces a panel may have; a panel meeting more output rows (OW of 5 or less) leaves its
 * tap to the gather. */
#define IM2COL_PIECES_MAX 4

typedef struct im2col_piece {
    int64_t from;     /* lane j reads channel[from + j * SW]; from may lie before the channel */
    uint16_t lanes;   /* the lanes it fills */
    uint16_t load_lo; /* stride 2: the floats of [from, from + 16) it reads (float 2j for lane j < 8) */
    uint16_t load_hi; /* and of [from + 16, from + 32) (float 2j - 16 for lane j >= 8) */
} im2col_piece;

/* Where a piece's lane 0 reads in a channel, formed as an integer: from may lie before the channel
 * (the lanes that would read there are masked off). */
static inline const float *im2col_piece_at(const float *channel, int64_t from) {
    return (const float *)(uintptr_t)((uintptr_t)channel + (uintptr_t)(from * (int64_t)sizeof(float)));
}

/* B's rows for one tap of `rows` channels (channel + r * plane for row r): panel jp's row r gets
 * its counts[jp] pieces at pieces[jp * IM2COL_PIECES_MAX ..], zeros elsewhere, at to + jp *
 * panel_floats + r * row_step, for panels 0 .. panels - 1; SW 1 or 2. Panel by panel, so that a
 * panel's masks and offsets stay in registers over its rows. */
void im2col_pieces_rows_avx512(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                               const uint8_t *counts, int64_t panels, int64_t SW, float *to, int64_t row_step,
                               int64_t panel_floats);
/* The same with AVX2: two 8-lane halves per panel row. */
void im2col_pieces_rows_avx2(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces,
                             const uint8_t *counts, int64_t panels, int64_t SW, float *to, int64_t row_step,
                             int64_t panel_floats);

/* Each ISA file's entry point over the panels: its panel_rows(channel, plane, rows, pieces, count,
 * SW, to, row_step) for one panel, called with SW a constant 1 or 2 so that it is compiled for
 * each. */
#define IM2COL_PIECES_ENTRY_POINT(name, panel_rows)                                                             \
    void name(const float *channel, int64_t plane, int64_t rows, const im2col_piece *pieces, const uint8_t *counts, \
              int64_t panels, int64_t SW, float *to, int64_t row_step, int64_t panel_floats) {                  \
        for (int64_t jp = 0; jp < panels; jp++, pieces += IM2COL_PIECES_MAX, to += panel_floats) {              \
            if (SW == 1) panel_rows(channel, plane, rows, pieces, counts[jp], 1, to, row_step);                 \
            else panel_rows(channel, plane, rows, pieces, counts[jp], 2, to, row_step);                         \
        }                                                                                                       \
    }

#endif
