/* The im2col rows read in place from a padded, phase-split band of the input (im2col_rows.c). */
#ifndef JCONV_IM2COL_ROWS_H
#define JCONV_IM2COL_ROWS_H

#include "../gemm/gemm.h"
#include "conv.h"

typedef struct im2col_rows_layout {
    int64_t rows_per_chunk; /* output rows (of one output depth plane) per chunk */
    int64_t row_tiles;      /* NR-wide tiles per output row: ceil(OW / NR) */
    int64_t chunk_tiles;    /* NR-wide tiles of a row per chunk (a long row is cut into several) */
    int64_t phase_width;    /* floats per phase of a band row */
    int64_t row_stride;     /* floats per band row: SW phases */
    int64_t band_rows;      /* input rows a chunk reads per (channel, kd) */
    int64_t band_floats;    /* the band of one chunk */
} im2col_rows_layout;

/* Whether the band way suits the convolution (not transposed, stride along W at most 4, few lanes
 * wasted at row ends, a band of bounded size; JCONV_IM2COL_B=gather|rows forces the choice), and
 * its layout for chunks of about nc output columns. */
int im2col_rows_layout_init(const conv_geometry *g, int64_t nc, im2col_rows_layout *layout);
/* Sets the chunk's rows and tiles per row (and the band's size with them). */
void im2col_rows_set_chunk(const conv_geometry *g, im2col_rows_layout *layout, int64_t rows, int64_t tiles);
/* B's row k of the chunk's first tile starts at band + offsets[k]; K entries. */
void im2col_rows_offsets(const conv_geometry *g, const im2col_rows_layout *layout, int64_t *offsets);
/* Copies what the chunk of output rows oh0 .. oh0 + rows_per_chunk - 1 of output depth od, tiles
 * t0 .. t0 + chunk_tiles - 1 of each row, reads (zeros for the padding and past the input) into band. */
void im2col_rows_fill_band(const conv_geometry *g, const im2col_rows_layout *layout, const float *src_group,
                           int64_t od, int64_t oh0, int64_t t0, float *band);

#endif
