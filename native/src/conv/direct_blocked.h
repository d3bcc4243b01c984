/* The direct convolution on channel-blocked data (AVX-512), the way oneDNN's direct kernels run:
 * the input is copied once per call into blocks of 16 channels, each pixel's 16 values side by
 * side and the padding written as zeros ([16-channel block][padded depth][row][column][16]); the
 * weights once per plan into [group][32 output channels][16-channel block][tap][16][32]. A tile is
 * up to DIRECT_TILE_MAX output pixels of one output row times 32 output channels, 28 zmm
 * accumulators (pixel j, channels 16v..16v+15): per input channel and tap, two loads of weights
 * and one broadcast of the input per pixel for two FMAs. No im2col matrix and no packing per
 * tap: a stride or a dilation only changes which pixels the broadcasts read. The tile is
 * transposed in registers into the output's rows (NCDHW) as bias, residual and activation are
 * applied. A 1x1 convolution at stride 1 without padding reads its input in place instead (pixel
 * step 1, channels a plane apart): no copy at all. */
#ifndef JCONV_DIRECT_BLOCKED_H
#define JCONV_DIRECT_BLOCKED_H

#include "../core/internal.h"

#define DIRECT_BLOCK_IC 16
#define DIRECT_BLOCK_OC 32
#define DIRECT_TILE_MAX 14

/* What every tile of one (image, group, 32-channel block) shares. Steps are in floats of the
 * blocked input: a 16-channel block, a tap along depth, height and width, an output pixel. */
typedef struct direct_tile_args {
    const float *weights; /* the block's packed weights: [in_blocks][taps][16][32] */
    int64_t in_blocks, kd, kh, kw;
    int64_t block_step, depth_step, row_step, col_step, pixel_step;
    int64_t channel_step; /* pixel_step 1: the input read in place (NCHW), its channels this far apart */
    int64_t ldc;          /* the output's channel plane (OD * OH * OW) */
    int channels;         /* valid output channels of the block, 1-32 */
    const float *bias;    /* `channels` of them, or NULL */
    int clamp;
    float lo, hi;
} direct_tile_args;

/* Blocked row: pixels [0, extent) of one input row for a block of `channels` (1-16) channels, each
 * pixel's 16 floats together: channel c of pixel p is row[c * channel_stride + column + p] when
 * column + p lies in [0, width), else 0 (padding; channels >= `channels` are 0). row NULL: zeros
 * (a row of the padding). */
void direct_blocked_row_avx512(const float *row, int64_t channel_stride, int channels, int64_t width,
                               int64_t column, int64_t extent, float *to);

/* One tile: output pixels [0, pixels) (1..DIRECT_TILE_MAX) from the blocked input at `in` (the
 * first pixel's first tap), written to out (channel c at out + c * ldc, pixel j at + j), with the
 * bias, then residual (same offsets as out; may be out itself), then the clamp. */
void direct_blocked_tile_avx512(const direct_tile_args *args, const float *in, int pixels, float *out,
                                const float *residual);

/* The pointwise tile, for a 1x1 layer read in place whose plane is (nearly) a multiple of 16
 * pixels: output channels [row0, row0 + 8) of the block (those below args->channels) times up to
 * DIRECT_POINTWISE_PIXELS consecutive pixels, 24 zmm accumulators, each an output channel's 16
 * pixels: per input channel, three loads of its pixels (masked past `pixels`) and eight broadcasts
 * of weights for 24 FMAs, so that the output rows are stored as they are, with no transposes.
 * in: the input at the tile's first pixel, channel k at in + k * channel_step; ahead: prefetch
 * the next tile's input (whole tiles only); out and residual as for direct_blocked_tile_avx512. */
#define DIRECT_POINTWISE_ROWS 8
#define DIRECT_POINTWISE_PIXELS 48
void direct_pointwise_tile_avx512(const direct_tile_args *args, int row0, const float *in, int pixels, int ahead,
                                  float *out, const float *residual);

#endif
