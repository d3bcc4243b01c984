/* Winograd minimal filtering F(m, 3) for convolutions whose kernel is 3 (stride 1, dilation 1) in
 * every dim it spans, 1-D, 2-D or 3-D: an m-per-dim output tile from an (m+2)-per-dim input tile,
 *
 *   Y = A^T [ U . V ] A (per dim),  U = G g G^T (plan time),  V = B^T d B (per call),
 *
 * where the product over the tile's (m+2)^rank positions is a batched GEMM over channels:
 * M[pos][oc][tile] = sum_ic U[pos][oc][ic] V[pos][ic][tile], run by the packed GEMM's micro-kernel.
 * The matrices come from native/tools/gen_winograd.py (winograd_matrices.h). */
#ifndef JCONV_WINOGRAD_H
#define JCONV_WINOGRAD_H

#include "../gemm/gemm.h"
#include "conv.h"

#define WINOGRAD_LANES GEMM_NR /* tiles transformed side by side: one GEMM B-panel width */
#define WINOGRAD_MAX_TILE 8    /* m + 2 for F(6,3) */
#define WINOGRAD_MAX_POSITIONS (WINOGRAD_MAX_TILE * WINOGRAD_MAX_TILE * WINOGRAD_MAX_TILE)

/* How a geometry is cut into tiles. Dims with a 1-tap kernel have 1-wide tiles and no transform. */
typedef struct winograd_layout {
    int m;                    /* the variant's output tile: 2, 4 or 6 (H and W; D takes 2) */
    int transformed[3];       /* 1 where the kernel is 3 */
    int m_dim[3];             /* the output tile per transformed dim (0 elsewhere): D 2, H and W m */
    int64_t tile_out[3];      /* m or 1 */
    int64_t tile_in[3];       /* m + 2 or 1 */
    int64_t tiles[3];         /* ceil(out / tile_out) per dim */
    int64_t tiles_per_image;  /* product of tiles */
    int64_t positions;        /* product of tile_in: the GEMMs per tile block */
} winograd_layout;

/* Sixteen tiles side by side (global tile indices t0.., `count` of them real, the rest zeros),
 * and what the gather and the scatter need of each, worked out once per block rather than per
 * channel. Offsets are within channel 0 of the tile's image: add channel * plane. */
typedef struct winograd_lanes {
    int64_t count;
    int64_t origin[WINOGRAD_LANES][3];   /* the tile's first output position per dim */
    /* input side: the patch's rows [lo, hi) per dim that lie inside the input, and the offset of
     * its (0, 0) row at its first column (maybe outside the plane) */
    int64_t in_first[WINOGRAD_LANES];
    int64_t d_lo[WINOGRAD_LANES], d_hi[WINOGRAD_LANES], h_lo[WINOGRAD_LANES], h_hi[WINOGRAD_LANES];
    /* per patch row (dd * TH + hh) and lane: the offset of the row's first column when the row can
     * be read in place, WINOGRAD_ROW_ZERO outside the input, WINOGRAD_ROW_EDGE when it crosses a
     * W border (or the tensor's end) and needs a zero-padded copy */
    int64_t row[WINOGRAD_MAX_TILE * WINOGRAD_MAX_TILE][WINOGRAD_LANES];
    /* output side: the tile's extent inside the output and the offset of its first output */
    int64_t out_first[WINOGRAD_LANES], out_count[WINOGRAD_LANES][3];
} winograd_lanes;

#define WINOGRAD_ROW_ZERO (-1)
#define WINOGRAD_ROW_EDGE (-2)

void winograd_lanes_init(const winograd_layout *w, const conv_geometry *g, int64_t t0, int64_t count,
                         winograd_lanes *lanes);

/* Transforms the lanes' patches of one input channel into v: position p's 16 values at
 * v + p * pos_stride. scratch: positions * WINOGRAD_LANES floats, 64-byte aligned. */
typedef void (*winograd_input_fn)(const winograd_layout *w, const conv_geometry *g, const float *src, int64_t channel,
                                  const winograd_lanes *lanes, float *v, int64_t pos_stride, float *scratch);

/* Inverse-transforms the GEMM results of one output channel for the lanes (m + p * pos_stride) and
 * writes the tiles' outputs that fall inside dst as activation(bias + residual + y). */
typedef void (*winograd_output_fn)(const winograd_layout *w, const conv_geometry *g, const float *m, int64_t pos_stride,
                                   int64_t channel, const winograd_lanes *lanes, float bias, const float *residual,
                                   const jconv_post_ops *post_ops, float *dst, float *scratch);

#define WINOGRAD_DECLARE_TRANSFORMS(isa)                                                                          \
    void winograd_input_##isa(const winograd_layout *w, const conv_geometry *g, const float *src, int64_t channel, \
                              const winograd_lanes *lanes, float *v, int64_t pos_stride, float *scratch);         \
    void winograd_output_##isa(const winograd_layout *w, const conv_geometry *g, const float *m, int64_t pos_stride, \
                               int64_t channel, const winograd_lanes *lanes, float bias, const float *residual,   \
                               const jconv_post_ops *post_ops, float *dst, float *scratch);
WINOGRAD_DECLARE_TRANSFORMS(generic)
#if defined(__x86_64__) || defined(__i386__)
WINOGRAD_DECLARE_TRANSFORMS(avx2)
#endif

/* Splits a global tile index into the image and the tile's first output position per dim. */
static inline void winograd_tile_origin(const winograd_layout *w, int64_t t, int64_t *image, int64_t origin[3]) {
    *image = t / w->tiles_per_image;
    const int64_t tile = t % w->tiles_per_image;
    const int64_t tw = tile % w->tiles[2], th = (tile / w->tiles[2]) % w->tiles[1], td = tile / (w->tiles[2] * w->tiles[1]);
    origin[0] = td * w->tile_out[0];
    origin[1] = th * w->tile_out[1];
    origin[2] = tw * w->tile_out[2];
}

#endif
