/* The im2col matrix read in place: instead of gathering B's rows into packed panels, the input
 * rows that a chunk of output rows reads are copied once into a zero-padded band, split by column
 * phase (column c of a padded row goes to phase c % SW at index c / SW). Then for NR outputs
 * ow0 .. ow0 + NR - 1 of one output row and any tap (ic, kd, kh, kw), the NR input values are
 * consecutive floats of the band:
 *
 *   band[ic][kd][(oh - oh0) * SH + kh * DH][(kw * DW) % SW][ow0 + (kw * DW) / SW + j],  j < NR
 *
 * so B's row k of a tile is the NR floats at tile base + offsets[k], and the indirect
 * micro-kernel reads them there. The gather costs (K x P element moves, a quarter of conv1's time)
 * become a band copy (about the input's size per chunk, plus the rows chunks share). Tiles do not
 * cross output rows: a row of OW outputs takes ceil(OW / NR) tiles, and the lanes past OW compute
 * values nobody stores (the band is wide enough that they read inside it). */
#include "im2col_rows.h"

#include "../core/work_ranges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The band's size cap: beyond it (huge channel counts or rows) the gather path runs. */
#define MAX_BAND_FLOATS (4LL << 20)
/* The cost model's constants (see im2col_rows_layout_init). */
#define GATHER_PANELS 4.0
#define BAND_OVERHEAD 0.1
/* With a pair kernel (AVX-512) the panels run about 1.3 times faster and the gather does not, so
 * it costs more panels. Since the threads' buffers lie apart (jconv_thread_stride), which made the
 * gather of the second thread 3 times faster, the bench (2 threads, the two ways forced in turn,
 * three rounds) reads: tcn_1d (43 panels, no lanes wasted) 0.89-0.92x oneDNN the band way, 0.83-
 * 0.84x the gather; r50_s3_3x3s2 (22 panels, OW 28) 0.59-0.60x the band way, 0.69-0.72x the
 * gather (earlier, in a quieter spell, 0.69x and 0.70-0.72x). 5 sends tcn_1d to the band (5 + 43
 * against 43 x 1.1) and r50_s3_3x3s2 to the gather (5 + 22 against 22 x 1.1 x 32 / 28). With the
 * band's chunks even (dl3_atrous's were rows 9, 9, 9 and 1), tcn_1d reads 0.90-0.96x the band way
 * and dl3_atrous 2.56-2.59 ms the band way, 2.46-2.53 the gather: the choices stand. */
#define GATHER_PANELS_PAIRS 5.0

/* JCONV_IM2COL_B=gather|rows forces one way of forming B (tests, diagnostics): rows skips the cost
 * model, not the limits (stride, band size). Read once. */
static int forced_mode(void) {
    static _Atomic int mode = -1; /* 0 auto, 1 gather, 2 rows */
    if (atomic_load(&mode) < 0) {
        const char *value = getenv("JCONV_IM2COL_B");
        int chosen = 0;
        if (value != NULL && strcmp(value, "gather") == 0) chosen = 1;
        else if (value != NULL && strcmp(value, "rows") == 0) chosen = 2;
        else if (value != NULL && value[0] != '\0')
            fprintf(stderr, "jconv: JCONV_IM2COL_B=%s is not gather or rows; ignored\n", value);
        atomic_store(&mode, chosen);
    }
    return atomic_load(&mode);
}

int im2col_rows_layout_init(const conv_geometry *g, int64_t nc, im2col_rows_layout *layout) {
    const int mode = forced_mode();
    const int64_t SW = g->stride[2], OW = g->out[2], OH = g->out[1];
    if (mode == 1 || g->transposed || SW > 4) return 0;
    const int64_t row_tiles = (OW + GEMM_NR - 1) / GEMM_NR, width = row_tiles * GEMM_NR;
    if (mode == 0) {
        /* Cost per element of B, in units of one 6-row panel's GEMM work on it: the gather about
         * GATHER_PANELS, then the packed panels; the band way's indirect kernel about
         * 1 + BAND_OVERHEAD per panel, on width / OW as many columns (lanes past the row ends).
         * Measured on the suite's im2col layers (one thread, interleaved runs): the band way won
         * by 10-70% on vgg_conv1_2, r50_conv1, r50_s2_3x3, r3d_3x3x3 and rx50_g32 (6-row panels:
         * 11, 11, 11, 11, 2) and lost by 10-13% on r50_s3_3x3s2 (22) and dl3_atrous (43, OW 28),
         * tied on tcn_1d (43, no waste). */
        const double panels = (double)((g->out_channels_per_group + GEMM_MR - 1) / GEMM_MR);
        const double gather = gemm_kernels_active()->pair != NULL ? GATHER_PANELS_PAIRS : GATHER_PANELS;
        if (gather + panels <= panels * (1.0 + BAND_OVERHEAD) * (double)width / (double)OW) return 0;
    }
    /* about nc columns per chunk: whole rows, or a long row cut into pieces; the chunks as even as
     * whole rows (or tiles of a row) allow */
    const int64_t target = nc / GEMM_NR > 1 ? nc / GEMM_NR : 1;
    int64_t rows = target / row_tiles < OH ? target / row_tiles : OH, tiles = row_tiles;
    if (rows < 1) rows = 1, tiles = jconv_even_part(row_tiles, target);
    rows = jconv_even_part(OH, rows);
    layout->row_tiles = row_tiles;
    im2col_rows_set_chunk(g, layout, rows, tiles);
    /* fewer rows (then shorter pieces) while the band would not fit half of L2 */
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t budget = l2 / 2 / (int64_t)sizeof(float);
    while (layout->band_floats > budget && (rows > 1 || tiles > 1)) {
        if (rows > 1) rows = jconv_smaller_even_part(OH, rows);
        else tiles = jconv_smaller_even_part(row_tiles, tiles);
        im2col_rows_set_chunk(g, layout, rows, tiles);
    }
    return layout->band_floats <= MAX_BAND_FLOATS;
}

void im2col_rows_set_chunk(const conv_geometry *g, im2col_rows_layout *layout, int64_t rows, int64_t tiles) {
    layout->rows_per_chunk = rows;
    layout->chunk_tiles = tiles;
    layout->phase_width = tiles * GEMM_NR + (g->kernel[2] - 1) * g->dilation[2] / g->stride[2];
    layout->row_stride = g->stride[2] * layout->phase_width;
    layout->band_rows = (rows - 1) * g->stride[1] + (g->kernel[1] - 1) * g->dilation[1] + 1;
    int64_t planes, rows_total;
    if (!jconv_multiply_checked(g->in_channels_per_group, g->kernel[0], &planes) ||
        !jconv_multiply_checked(planes, layout->band_rows, &rows_total) ||
        !jconv_multiply_checked(rows_total, layout->row_stride, &layout->band_floats))
        layout->band_floats = INT64_MAX; /* far past MAX_BAND_FLOATS: not used */
}

void im2col_rows_offsets(const conv_geometry *g, const im2col_rows_layout *layout, int64_t *offsets) {
    const int64_t KD = g->kernel[0], KH = g->kernel[1], KW = g->kernel[2], SW = g->stride[2];
    const int64_t plane = layout->band_rows * layout->row_stride;
    int64_t k = 0;
    for (int64_t ic = 0; ic < g->in_channels_per_group; ic++)
        for (int64_t kd = 0; kd < KD; kd++)
            for (int64_t kh = 0; kh < KH; kh++)
                for (int64_t kw = 0; kw < KW; kw++) {
                    const int64_t column = kw * g->dilation[2];
                    offsets[k++] = (ic * KD + kd) * plane + kh * g->dilation[1] * layout->row_stride +
                                   column % SW * layout->phase_width + column / SW;
                }
}

void im2col_rows_fill_band(const conv_geometry *g, const im2col_rows_layout *layout, const float *src_group,
                           int64_t od, int64_t oh0, int64_t t0, float *band) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], SW = g->stride[2];
    const int64_t skip = t0 * GEMM_NR * SW - g->pad_begin[2]; /* input column of padded column 0 of the band */
    const int64_t width = layout->phase_width, plane = layout->band_rows * layout->row_stride;
    for (int64_t ic = 0; ic < g->in_channels_per_group; ic++)
        for (int64_t kd = 0; kd < g->kernel[0]; kd++) {
            const int64_t id = od * g->stride[0] - g->pad_begin[0] + kd * g->dilation[0];
            float *to_plane = band + (ic * g->kernel[0] + kd) * plane;
            for (int64_t r = 0; r < layout->band_rows; r++) {
                const int64_t ih = oh0 * g->stride[1] - g->pad_begin[1] + r;
                float *to_row = to_plane + r * layout->row_stride;
                if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
                    memset(to_row, 0, (size_t)layout->row_stride * sizeof(float));
                    continue;
                }
                const float *in_row = src_group + ((ic * ID + id) * IH + ih) * IW;
                for (int64_t q = 0; q < SW; q++) {
                    /* phase q, index t: input column t * SW + q + skip */
                    float *to = to_row + q * width;
                    int64_t first, end;
                    jconv_valid_range(q + skip, SW, IW, width, &first, &end);
                    if (first > 0) memset(to, 0, (size_t)first * sizeof(float));
                    const int64_t base = q + skip; /* to[t] = in_row[base + t * SW], t in [first, end) */
                    if (SW == 1) {
                        if (end > first) memcpy(to + first, in_row + base + first, (size_t)(end - first) * sizeof(float));
                    } else if (SW == 2) { /* a constant stride the compiler vectorises */
                        for (int64_t t = first; t < end; t++) to[t] = in_row[base + 2 * t];
                    } else {
                        for (int64_t t = first; t < end; t++) to[t] = in_row[base + t * SW];
                    }
                    if (end < width) memset(to + end, 0, (size_t)(width - end) * sizeof(float));
                }
            }
        }
}
