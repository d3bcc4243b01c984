/* The direct algorithm's channel-blocked path (direct_blocked.h): where it applies and what AUTO
 * takes it to cost, the weights' blocked copy made at plan time, and each call's work: bands of
 * the input blocked into each thread's own buffer and the tiles that read them, or, for a plain
 * 1x1 layer, the tiles reading the input in place. */
#include "../core/work_ranges.h"
#include "conv.h"
#include "direct_blocked.h"

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
/* The packed weights may take at most DIRECT_BLOCKED_FACTOR times the weights (channels rounded up
 * to 16 and 32 leave the tiles' lanes that empty: the loops beat blocks of one channel, as in a
 * depthwise layer), and a band of one tile's input (the least a work item reads: every input
 * channel, rounded up to 16, over the taps' span, however far apart a dilation puts them) at most
 * DIRECT_BLOCKED_MAX_BAND floats; beyond those (thousands of groups of one channel, huge
 * dilations) the loops run. */
#define DIRECT_BLOCKED_FACTOR 8
#define DIRECT_BLOCKED_MAX_BAND ((int64_t)1 << 22)

static int64_t blocks_of(int64_t n, int64_t size) { return (n + size - 1) / size; }

static int64_t taps_of(const conv_geometry *g) { return g->kernel[0] * g->kernel[1] * g->kernel[2]; }

/* The input a band of `outputs` output rows (or columns) reads along a dim, padded. */
static int64_t span(int64_t outputs, int64_t stride, int64_t kernel, int64_t dilation) {
    return (outputs - 1) * stride + (kernel - 1) * dilation + 1;
}

int conv_direct_blocked_supports(const conv_geometry *g) {
    if (g->transposed || jconv_isa_level_active() != JCONV_ISA_AVX512) return 0;
    const int64_t in_blocks = blocks_of(g->in_channels_per_group, DIRECT_BLOCK_IC);
    const int64_t out_blocks = blocks_of(g->out_channels_per_group, DIRECT_BLOCK_OC);
    int64_t weights, band = in_blocks * DIRECT_BLOCK_IC;
    if (!jconv_multiply_checked(g->groups * out_blocks * in_blocks, taps_of(g) * DIRECT_BLOCK_IC * DIRECT_BLOCK_OC,
                                &weights))
        return 0;
    const int64_t least_cols = g->out[2] < DIRECT_TILE_MAX ? g->out[2] : DIRECT_TILE_MAX;
    if (!jconv_multiply_checked(band, g->kernel[0], &band) ||
        !jconv_multiply_checked(band, span(1, g->stride[1], g->kernel[1], g->dilation[1]), &band) ||
        !jconv_multiply_checked(band, span(least_cols, g->stride[2], g->kernel[2], g->dilation[2]), &band))
        return 0;
    return weights / DIRECT_BLOCKED_FACTOR <= g->weight_elements && band <= DIRECT_BLOCKED_MAX_BAND;
}

jconv_status conv_direct_blocked_prepare(struct jconv_conv_plan *plan) {
    const conv_geometry *g = &plan->geometry;
    const int64_t ICg = g->in_channels_per_group, OCg = g->out_channels_per_group, taps = taps_of(g);
    const int64_t in_blocks = blocks_of(ICg, DIRECT_BLOCK_IC), out_blocks = blocks_of(OCg, DIRECT_BLOCK_OC);
    const int64_t count = g->groups * out_blocks * in_blocks * taps * DIRECT_BLOCK_IC * DIRECT_BLOCK_OC;
    float *packed = jconv_alloc((size_t)count * sizeof(float));
    if (packed == NULL)
        return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate %lld bytes of blocked weights",
                          (long long)(count * (int64_t)sizeof(float)));
    /* [group][out block][in block][tap][16 in][32 out], zeros past the group's channels */
    float *to = packed;
    for (int64_t group = 0; group < g->groups; group++)
        for (int64_t ob = 0; ob < out_blocks; ob++)
            for (int64_t cb = 0; cb < in_blocks; cb++)
                for (int64_t tap = 0; tap < taps; tap++)
                    for (int64_t i = 0; i < DIRECT_BLOCK_IC; i++)
                        for (int64_t o = 0; o < DIRECT_BLOCK_OC; o++) {
                            const int64_t ic = cb * DIRECT_BLOCK_IC + i, oc = ob * DIRECT_BLOCK_OC + o;
                            *to++ = ic < ICg && oc < OCg ? plan->weights[((group * OCg + oc) * ICg + ic) * taps + tap]
                                                         : 0.0f;
                        }
    plan->packed_weights = packed;
    return JCONV_OK;
}

/* How the output is cut into work items, each a band of output rows and a segment of them (tiles
 * [t0, t1) of each row) of one image and depth, times one block of 32 output channels: the band's
 * input (every input channel, the depth planes and rows and columns its taps read) is blocked into
 * the thread's own buffer, once for the consecutive items of one band. */
typedef struct band_split {
    int64_t bands, segments, tiles; /* tiles: of a row, DIRECT_TILE_MAX pixels at most */
    int64_t rows_in, cols_in;       /* the most input rows and columns (padded) a band reads */
    int64_t band_floats;            /* one band's blocked input */
} band_split;

static band_split band_shape(const conv_geometry *g, int64_t bands, int64_t segments, int64_t tiles) {
    band_split b = {bands, segments, tiles, 0, 0, 0};
    const int64_t rows = blocks_of(g->out[1], bands), tiles_per = blocks_of(tiles, segments);
    const int64_t cols = tiles_per * blocks_of(g->out[2], tiles);
    b.rows_in = span(rows, g->stride[1], g->kernel[1], g->dilation[1]);
    b.cols_in = span(cols < g->out[2] ? cols : g->out[2], g->stride[2], g->kernel[2], g->dilation[2]);
    /* INT64_MAX when it overflows (a huge stride with few outputs): too large, split further */
    int64_t floats = blocks_of(g->in_channels_per_group, DIRECT_BLOCK_IC) * DIRECT_BLOCK_IC;
    b.band_floats = jconv_multiply_checked(floats, g->kernel[0], &floats) &&
                            jconv_multiply_checked(floats, b.rows_in, &floats) &&
                            jconv_multiply_checked(floats, b.cols_in, &floats)
                        ? floats
                        : INT64_MAX;
    return b;
}

/* Bands of at most a quarter of L2 (the band and a block's weights stay there while its tiles
 * run), then at least one band or segment per thread. */
static band_split split_bands(const conv_geometry *g, int threads) {
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t budget = l2 / 4 / (int64_t)sizeof(float), tiles = blocks_of(g->out[2], DIRECT_TILE_MAX);
    const int64_t images = g->batch * g->groups * g->out[0];
    band_split b = band_shape(g, 1, 1, tiles);
    while (b.band_floats > budget || images * b.bands * b.segments < threads) {
        if (blocks_of(g->out[1], b.bands) > 1) b = band_shape(g, b.bands + 1, b.segments, tiles);
        else if (b.segments < tiles) b = band_shape(g, b.bands, b.segments + 1, tiles);
        else break;
    }
    return b;
}

/* A 1x1 convolution at stride 1 without padding whose groups have whole 16-channel blocks reads its
 * input in place: pixel p of channel c of the group's plane is the input's, no band to fill. */
static int reads_in_place(const conv_geometry *g) {
    int plain = taps_of(g) == 1 && g->in_channels_per_group % DIRECT_BLOCK_IC == 0;
    for (int d = 0; d < 3; d++) plain = plain && g->stride[d] == 1 && g->pad_begin[d] == 0 && g->pad_end[d] == 0;
    return plain;
}

/* In place, the pointwise tiles (rows of output channels, stored without transposes) where the
 * plane is a multiple of 16 pixels or nearly (at most 2% of the lanes empty) and a tile's input
 * (every input channel at its pixels) takes at most half of L1d, so that it stays there for the
 * rows of every block; else the pixel tiles (direct_blocked_tile_avx512), which cut any plane
 * evenly. 1 and 2 threads, builds side by side (jconv_ab): r50_s2_1x1up (64 input channels)
 * 1.06x and 1.08x faster than in pixel tiles (then 1.03x more from an epilogue without a test per
 * row); r50_s2_1x1 (256 channels, 48 KiB a tile) 0.96x and 0.97x, and 0.91x in tiles of 32
 * pixels (32 KiB). */
static int pointwise_rows(const conv_geometry *g) {
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t P = g->out[0] * g->out[1] * g->out[2];
    const int64_t tile_input = g->in_channels_per_group * DIRECT_POINTWISE_PIXELS * (int64_t)sizeof(float);
    return (blocks_of(P, 16) * 16 - P) * 50 <= P && tile_input <= l1d / 2;
}

/* AUTO's cost of the blocked path (conv.h's units): DIRECT_COST_PER_MAC per multiply-add of the
 * blocks (channels rounded up to 16 and 32; a tile of fewer than 4 pixels has too few FMA chains
 * for the two pipes, and is counted as 4), DIRECT_TILE_COST per tile for its transposes and
 * stores, DIRECT_FILL_COST per float of the bands it fills (halos included), and
 * DIRECT_WEIGHTS_COST per float read from L3 (in place, below). Measured against im2col (2
 * threads, jconv_bench, two rounds each): ResNet-50's 3x3 layers 0.86-0.95x im2col's time at
 * 56x56 to 14x14 and 0.68x at 7x7, r50_s3_3x3s2 0.87x, 256 channels at stride 2 on 56x56 0.88x,
 * tcn_1d 0.92-1.0x; in place, r50_s2_1x1 0.89x (the tile cost from r50_s2_1x1up's 1.2x: 64 input
 * channels, as many tiles for a quarter of the work; since the tiles' whole-half stores took it from
 * 81% to 84% of the FMA peak at 1 thread, against im2col's 87-88%), r50_s4_1x1 0.85x, mb2_pw_14 0.82x,
 * r50_s5_1x1up 0.87x, the 1024^3 SGEMM 1.07x (4 MiB of input read again for each of 32 blocks).
 * Not for one tap with a stride or padding (1x1 layers at stride 2: 1.07x: little work per float
 * filled) nor where a block's weights (input channels x taps x 32) pass 3/4 of L2 and stream from
 * L3 for every tile (1024 channels on 14x14: 1.0x; 2048 with dilation 6: 1.1x). */
#define DIRECT_COST_PER_MAC 0.72
#define DIRECT_TILE_COST 10000.0
#define DIRECT_FILL_COST 12.0
#define DIRECT_WEIGHTS_COST 8.0
/* A pointwise tile's stores and setup, without transposes (2 threads, jconv_bench, four rounds
 * each: r50_s2_1x1up 0.92-0.94x oneDNN's speed against im2col's 0.89-0.91x; the model says 0.94x
 * im2col's time). */
#define POINTWISE_TILE_COST 3000.0

double conv_direct_blocked_cost(const conv_geometry *g) {
    if (!conv_direct_blocked_supports(g)) return HUGE_VAL;
    const int in_place = reads_in_place(g);
    if (taps_of(g) == 1 && !in_place) return HUGE_VAL;
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t in_blocks = blocks_of(g->in_channels_per_group, DIRECT_BLOCK_IC);
    const int64_t out_blocks = blocks_of(g->out_channels_per_group, DIRECT_BLOCK_OC);
    const double block_weights = (double)in_blocks * (double)taps_of(g) * DIRECT_BLOCK_IC * DIRECT_BLOCK_OC;
    if (block_weights * sizeof(float) > 0.75 * (double)l2) return HUGE_VAL;
    const double images = (double)g->batch * (double)g->groups, padded_channels = out_blocks * DIRECT_BLOCK_OC;
    const double P = (double)g->out[0] * (double)g->out[1] * (double)g->out[2];
    double cost;
    if (in_place && pointwise_rows(g)) { /* the plane in 16-pixel vectors, 8-channel rows */
        const double channel_rows = images * ceil((double)g->out_channels_per_group / DIRECT_POINTWISE_ROWS);
        cost = DIRECT_COST_PER_MAC * channel_rows * DIRECT_POINTWISE_ROWS * ceil(P / 16.0) * 16.0 *
                   (double)g->in_channels_per_group +
               POINTWISE_TILE_COST * channel_rows * ceil(P / DIRECT_POINTWISE_PIXELS);
    } else {
        double tiles, pixels, fill = 0.0; /* tiles of one 32-channel block; pixels per tile */
        if (in_place) {
            tiles = images * ceil(P / DIRECT_TILE_MAX), pixels = P / ceil(P / DIRECT_TILE_MAX);
        } else {
            const band_split b = split_bands(g, jconv_threads());
            tiles = images * (double)g->out[0] * (double)g->out[1] * (double)b.tiles;
            pixels = (double)g->out[2] / (double)b.tiles;
            fill = images * (double)g->out[0] * (double)(b.bands * b.segments) * (double)b.band_floats;
        }
        const double macs = tiles * (pixels < 4.0 ? 4.0 : pixels) * padded_channels *
                            (double)(in_blocks * DIRECT_BLOCK_IC) * (double)taps_of(g);
        cost = DIRECT_COST_PER_MAC * macs + DIRECT_TILE_COST * tiles * (double)out_blocks + DIRECT_FILL_COST * fill;
    }
    /* in place, weights past half of L2 are read once, block by block, and the input once per
     * block: from L3 when it does not fit in L2 beside a block's weights (execute_in_place) */
    const double weights = block_weights * (double)out_blocks;
    const double input = (double)g->in_channels_per_group * P;
    if (in_place && weights * sizeof(float) > 0.5 * (double)l2) {
        cost += DIRECT_WEIGHTS_COST * weights * images;
        if ((input + block_weights) * sizeof(float) > (double)l2)
            cost += DIRECT_WEIGHTS_COST * input * (double)out_blocks * images;
    }
    return cost;
}

/* The channels of block `block` of `size` of a group's `total`: size, or fewer in the last. */
static int block_channels(int64_t total, int64_t block, int64_t size) {
    return (int)(total - block * size < size ? total - block * size : size);
}

/* A tile's arguments for a group's first 32-channel block but its input steps, which each path
 * sets once; tile_block moves them to another block. */
static direct_tile_args tile_args(const struct jconv_conv_plan *plan, int64_t group) {
    const conv_geometry *g = &plan->geometry;
    const int64_t OCg = g->out_channels_per_group, in_blocks = blocks_of(g->in_channels_per_group, DIRECT_BLOCK_IC);
    const int64_t out_blocks = blocks_of(OCg, DIRECT_BLOCK_OC), block_floats = DIRECT_BLOCK_IC * DIRECT_BLOCK_OC;
    direct_tile_args a = {0};
    a.weights = plan->packed_weights + group * out_blocks * in_blocks * taps_of(g) * block_floats;
    a.in_blocks = in_blocks, a.kd = g->kernel[0], a.kh = g->kernel[1], a.kw = g->kernel[2];
    a.ldc = g->out[0] * g->out[1] * g->out[2];
    a.channels = block_channels(OCg, 0, DIRECT_BLOCK_OC);
    a.bias = plan->bias != NULL ? plan->bias + group * OCg : NULL;
    a.clamp = conv_clamp_bounds(&plan->post_ops, &a.lo, &a.hi);
    return a;
}

/* The arguments of a group's first block (tile_args) moved to its block ob of OCg channels. */
static inline direct_tile_args tile_block(const direct_tile_args *first, int64_t OCg, int64_t ob) {
    direct_tile_args a = *first;
    a.weights += ob * a.in_blocks * a.kd * a.kh * a.kw * DIRECT_BLOCK_IC * DIRECT_BLOCK_OC;
    a.channels = block_channels(OCg, ob, DIRECT_BLOCK_OC);
    if (a.bias != NULL) a.bias += ob * DIRECT_BLOCK_OC;
    return a;
}

/* Work items per thread the output plane is cut into, in place, at least. */
#define ITEMS_PER_THREAD 8

/* In place (reads_in_place): the output plane of each image and group in segments of tiles of at
 * most DIRECT_TILE_MAX pixels, each tile for every 32-channel block in turn while its input (the
 * group's channels at its pixels) stays in L1; or, when the weights pass half of L2, each item one
 * block over its segment, so that a block's weights stay in cache over the tiles and the input
 * is read again for each block, rather than the weights from L3 for each tile (2 threads, three
 * rounds, builds alternating: r50_s4_1x1, 1 MiB of weights, 0.91-0.93x -> 0.96-0.98x oneDNN;
 * r50_s5_1x1up, 4 MiB, 0.86-0.89x -> 0.91-0.93x). */
static jconv_status execute_in_place(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                     float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int64_t ICg = g->in_channels_per_group, OCg = g->out_channels_per_group;
    const int64_t out_blocks = blocks_of(OCg, DIRECT_BLOCK_OC), P = g->out[0] * g->out[1] * g->out[2];
    const int threads = jconv_threads();
    const int pointwise = pointwise_rows(g);
    const int64_t tiles = blocks_of(P, pointwise ? DIRECT_POINTWISE_PIXELS : DIRECT_TILE_MAX);
    const int64_t images = g->batch * g->groups;
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    const int64_t parts = out_blocks * ICg * DIRECT_BLOCK_OC * (int64_t)sizeof(float) > l2 / 2 ? out_blocks : 1;
    int64_t segments = blocks_of(ITEMS_PER_THREAD * threads, images * parts);
    if (segments > tiles) segments = tiles;
    const int64_t items = images * parts * segments; /* [image][part][segment] */
    jconv_work_ranges work;
    jconv_work_ranges_init(&work, threads, items);
#pragma omp parallel num_threads(threads) if (threads > 1 && items > 1)
    {
        const int thread = jconv_thread_index();
        int64_t first, end;
        while (jconv_work_next(&work, thread, &first, &end))
            for (int64_t item = first; item < end; item++) {
                const int64_t segment = item % segments, part = item / segments % parts, image = item / (segments * parts);
                const int64_t ob0 = out_blocks * part / parts, ob1 = out_blocks * (part + 1) / parts;
                const int64_t n = image / g->groups, group = image % g->groups;
                const float *in = src + (n * g->in_channels + group * ICg) * P;
                direct_tile_args first_block = tile_args(plan, group);
                first_block.block_step = DIRECT_BLOCK_IC * P, first_block.pixel_step = 1, first_block.channel_step = P;
                const int64_t t0 = tiles * segment / segments, t1 = tiles * (segment + 1) / segments;
                for (int64_t t = t0; t < t1; t++) {
                    /* pointwise: whole tiles, the last one short; else tiles within a pixel of each other */
                    const int64_t p = pointwise ? t * DIRECT_POINTWISE_PIXELS : P * t / tiles;
                    const int64_t tile_end = pointwise ? p + DIRECT_POINTWISE_PIXELS : P * (t + 1) / tiles;
                    const int64_t pixels = (tile_end < P ? tile_end : P) - p;
                    for (int64_t ob = ob0; ob < ob1; ob++) {
                        const direct_tile_args args = tile_block(&first_block, OCg, ob);
                        const int64_t out_at = (n * g->out_channels + group * OCg + ob * DIRECT_BLOCK_OC) * P + p;
                        float *out = dst + out_at;
                        const float *res = residual != NULL ? residual + out_at : NULL;
                        if (!pointwise) direct_blocked_tile_avx512(&args, in + p, (int)pixels, out, res);
                        for (int row0 = 0; pointwise && row0 < args.channels; row0 += DIRECT_POINTWISE_ROWS)
                            direct_pointwise_tile_avx512(&args, row0, in + p, (int)pixels, ob == ob0 && row0 == 0,
                                                         out, res);
                    }
                }
            }
    }
    return JCONV_OK;
}

/* The band of output rows oh0.. and columns ow0.. of image n, group `group` and depth od: rows_in x
 * cols_in padded input positions (b's layout: [in block][kd][row][column][16]) from the input, 0
 * in the padding. */
static void fill_band(const conv_geometry *g, const band_split *b, const float *src, int64_t n, int64_t group,
                      int64_t od, int64_t oh0, int64_t ow0, int64_t rows_in, int64_t cols_in, float *band) {
    const int64_t ICg = g->in_channels_per_group, ID = g->in[0], IH = g->in[1], IW = g->in[2];
    const int64_t in_plane = ID * IH * IW;
    for (int64_t cb = 0; cb < blocks_of(ICg, DIRECT_BLOCK_IC); cb++)
        for (int64_t kd = 0; kd < g->kernel[0]; kd++)
            for (int64_t r = 0; r < rows_in; r++) {
                const int64_t id = od * g->stride[0] + kd * g->dilation[0] - g->pad_begin[0];
                const int64_t ih = oh0 * g->stride[1] + r - g->pad_begin[1];
                const int64_t channel = n * g->in_channels + group * ICg + cb * DIRECT_BLOCK_IC;
                const int inside = id >= 0 && id < ID && ih >= 0 && ih < IH;
                direct_blocked_row_avx512(inside ? src + channel * in_plane + (id * IH + ih) * IW : NULL, in_plane,
                                          block_channels(ICg, cb, DIRECT_BLOCK_IC), IW,
                                          ow0 * g->stride[2] - g->pad_begin[2], cols_in,
                                          band + ((cb * g->kernel[0] + kd) * b->rows_in + r) * b->cols_in * DIRECT_BLOCK_IC);
            }
}

jconv_status conv_direct_blocked_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                         float *dst) {
    const conv_geometry *g = &plan->geometry;
    if (reads_in_place(g)) return execute_in_place(plan, src, residual, dst);
    const int64_t OCg = g->out_channels_per_group, out_blocks = blocks_of(OCg, DIRECT_BLOCK_OC);
    const int64_t OD = g->out[0], OH = g->out[1], OW = g->out[2], out_plane = OD * OH * OW, pixel = DIRECT_BLOCK_IC;
    const int threads = jconv_threads();
    const band_split b = split_bands(g, threads);
    const size_t stride = jconv_thread_stride((size_t)b.band_floats, threads);
    int shared;
    float *buffers = jconv_scratch_acquire(plan->scratch, stride * (size_t)threads * sizeof(float), &shared);
    if (buffers == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the blocked input bands");
    /* steps between taps and output pixels in a band; none where there is one tap or one pixel
     * (the dilation or stride may then be huge: supports bounds the others by the band) */
    const int64_t row_step = g->kernel[1] > 1 ? g->dilation[1] * b.cols_in * pixel : 0;
    const int64_t col_step = g->kernel[2] > 1 ? g->dilation[2] * pixel : 0;
    const int64_t pixel_step = OW > 1 ? g->stride[2] * pixel : pixel;
    /* items: [image][od][band][segment][out block] */
    const int64_t items = g->batch * g->groups * OD * b.bands * b.segments * out_blocks;
    jconv_work_ranges work;
    jconv_work_ranges_init(&work, threads, items);

#pragma omp parallel num_threads(threads) if (threads > 1 && items > 1)
    {
        const int thread = jconv_thread_index();
        float *band = buffers + stride * (size_t)thread;
        int64_t held = -1; /* the band (item / out_blocks) the buffer holds */
        int64_t first, end;
        while (jconv_work_next(&work, thread, &first, &end))
            for (int64_t item = first; item < end; item++) {
                const int64_t ob = item % out_blocks, which = item / out_blocks;
                const int64_t segment = which % b.segments, band_index = which / b.segments % b.bands;
                const int64_t od = which / (b.segments * b.bands) % OD, image = which / (b.segments * b.bands * OD);
                const int64_t n = image / g->groups, group = image % g->groups;
                const int64_t oh0 = OH * band_index / b.bands, oh1 = OH * (band_index + 1) / b.bands;
                const int64_t t0 = b.tiles * segment / b.segments, t1 = b.tiles * (segment + 1) / b.segments;
                const int64_t ow0 = OW * t0 / b.tiles, ow1 = OW * t1 / b.tiles;
                const int64_t rows_in = span(oh1 - oh0, g->stride[1], g->kernel[1], g->dilation[1]);
                const int64_t cols_in = span(ow1 - ow0, g->stride[2], g->kernel[2], g->dilation[2]);
                if (which != held) fill_band(g, &b, src, n, group, od, oh0, ow0, rows_in, cols_in, band), held = which;
                const direct_tile_args first_block = tile_args(plan, group);
                direct_tile_args args = tile_block(&first_block, OCg, ob);
                args.block_step = g->kernel[0] * b.rows_in * b.cols_in * pixel, args.depth_step = b.rows_in * b.cols_in * pixel;
                args.row_step = row_step, args.col_step = col_step, args.pixel_step = pixel_step, args.channel_step = 1;
                for (int64_t oh = oh0; oh < oh1; oh++) {
                    const float *in_row = band + (oh - oh0) * g->stride[1] * b.cols_in * pixel;
                    const int64_t out_at = (n * g->out_channels + group * OCg + ob * DIRECT_BLOCK_OC) * out_plane +
                                           (od * OH + oh) * OW;
                    for (int64_t t = t0; t < t1; t++) {
                        const int64_t ow = OW * t / b.tiles, pixels = OW * (t + 1) / b.tiles - ow;
                        direct_blocked_tile_avx512(&args, in_row + (ow - ow0) * g->stride[2] * pixel, (int)pixels,
                                                   dst + out_at + ow, residual != NULL ? residual + out_at + ow : NULL);
                    }
                }
            }
    }
    jconv_scratch_release(plan->scratch, buffers, shared);
    return JCONV_OK;
}
#else
/* No AVX-512 kernels in this build: the loops run. */
int conv_direct_blocked_supports(const conv_geometry *g) {
    (void)g;
    return 0;
}

double conv_direct_blocked_cost(const conv_geometry *g) {
    (void)g;
    return HUGE_VAL;
}

jconv_status conv_direct_blocked_prepare(struct jconv_conv_plan *plan) {
    (void)plan;
    return jconv_fail(JCONV_UNSUPPORTED, "the blocked direct convolution needs AVX-512");
}

jconv_status conv_direct_blocked_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                         float *dst) {
    (void)plan, (void)src, (void)residual, (void)dst;
    return jconv_fail(JCONV_UNSUPPORTED, "the blocked direct convolution needs AVX-512");
}
#endif
