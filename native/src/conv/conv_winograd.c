/* Winograd F(m x m [x m], 3 x 3 [x 3]) convolution (see winograd.h for the algebra and
 * native/docs/WINOGRAD.md for the design, the error bounds and the measurements).
 *
 * Plan time: U = G g G^T per (oc, ic) in double precision, packed as the GEMM's MR-row A panels per
 * group and position. Per call, the tiles of the whole batch are taken in blocks of nt (a multiple
 * of 16, sized so that the block's transformed input V and GEMM results M stay in L2), each in
 * three phases:
 *   1. input transform, per (input channel, 16 tiles): V[pos] as 16-column GEMM B panels;
 *   2. one GEMM per position, M[pos] = U[pos] x V[pos], per (position, 6-row panel);
 *   3. output transform, per (output channel, 16 tiles), with bias, residual and activation.
 * With enough tiles each thread runs its own blocks (its range of them first, then what is left
 * of the others': work_ranges.h); otherwise all threads split each phase.
 * Edge tiles read zeros outside the input and write only what lies inside the output: no padded
 * copy of the input is made. A dilated kernel tiles the input's dilation phases instead, an
 * undilated convolution of their own (dilation_phases.h): the input is copied into them and the
 * outputs back (0.25 ms of dl3_atrous's 1.8).
 *
 * Finite data only: an input or weight that is inf or NaN, or so large that the transforms' growth
 * could overflow where the direct sum does not, sends the call to the im2col path (prepared beside),
 * so non-finite values propagate exactly as in PyTorch. */
#include "../core/work_ranges.h"
#include "dilation_phases.h"
#include "winograd.h"
#include "winograd_matrices.h"

#include <float.h>
#include <math.h>
#include <string.h>

struct winograd_plan {
    winograd_layout layout; /* of `tiled` */
    int dilated;            /* tiles over the input's dilation phases (dilation_phases.h) */
    conv_geometry inner;    /* those phases' undilated convolution, when dilated */
    float *weights;        /* U: [group][position][M panel][ICg][MR] */
    int64_t tile_bytes;    /* V and M bytes per tile */
    int weights_finite;    /* finite, and small enough that U cannot overflow */
    double input_limit;    /* a larger |x| could overflow the transforms: use im2col */
    double error_bound;
};

/* The L2 budget of one thread's tile block (V and M): a core's L2 is 1 MiB (512 KiB to 2 MiB on
 * current x86 and arm64 cores). A block shared by all threads gets that budget per thread. */
#define WINOGRAD_BLOCK_BYTES (768 * 1024)
#define WINOGRAD_MAX_BLOCK_TILES 512

int conv_winograd_tile_size(jconv_algorithm algorithm) {
    switch (algorithm) {
    case JCONV_ALGO_WINOGRAD_F2X3: return 2;
    case JCONV_ALGO_WINOGRAD_F4X3: return 4;
    case JCONV_ALGO_WINOGRAD_F6X3: return 6;
    default: return 0;
    }
}

int conv_winograd_supports(const conv_geometry *g) {
    if (g->transposed) return 0;
    int transformed = 0;
    for (int dim = 0; dim < 3; dim++) {
        if (g->stride[dim] != 1) return 0;
        if (g->kernel[dim] == 3) { /* a dilated one over the input's phases */
            transformed++;
        } else if (g->kernel[dim] != 1) {
            return 0;
        }
    }
    return transformed > 0;
}

/* The output tile along dim for variant m when that dim's kernel is 3: depth (dim 0) takes F(2,3)
 * whatever the variant, so a 3-D F(4,3) is F(2x4x4): measured, it keeps to 2-D F(4,3)'s error where a
 * full F(4x4x4) errs four times more (native/docs/WINOGRAD.md). */
static int tile_along(int dim, int m) { return dim == 0 ? 2 : m; }

/* The generated matrices of F(m, 3): A^T (m x n), G (n x 3), B^T (n x n), n = m + 2. */
static void matrices(int m, const double **at, const double **g, const double **bt) {
    switch (m) {
    case 2: *at = &winograd_f2_at[0][0], *g = &winograd_f2_g[0][0], *bt = &winograd_f2_bt[0][0]; break;
    case 4: *at = &winograd_f4_at[0][0], *g = &winograd_f4_g[0][0], *bt = &winograd_f4_bt[0][0]; break;
    default: *at = &winograd_f6_at[0][0], *g = &winograd_f6_g[0][0], *bt = &winograd_f6_bt[0][0]; break;
    }
}

/* The largest row sum of |entries|: how much one pass of the matrix can grow a value. */
static double row_norm(const double *values, int rows, int cols) {
    double norm = 0.0;
    for (int i = 0; i < rows; i++) {
        double sum = 0.0;
        for (int j = 0; j < cols; j++) sum += fabs(values[i * cols + j]);
        if (sum > norm) norm = sum;
    }
    return norm;
}

/* The documented bound on max |y - y_exact| / max |y_exact| for N(0,1) inputs and weights with up
 * to 512 input channels per group, per tile size and number of transformed dims; measured figures
 * and the test that holds them are in native/docs/WINOGRAD.md and test_winograd.c. Larger channel
 * counts grow the error like the square root of the sum's length. */
static double error_bound(int m, int rank, int64_t in_channels_per_group) {
    static const double bounds[3][3] = {
        /* 1-D    2-D     3-D (depth tiles of 2)   measured worst of 12 seeds (test_winograd --seed
         * 1..12), 512 channels */
        {2e-6, 3e-6, 3e-6},   /* F(2,3): 5.5e-7, 6.7e-7, 6.8e-7 */
        {5e-6, 1.5e-5, 2e-5}, /* F(4,3): 1.4e-6, 3.8e-6, 5.7e-6 */
        {1.5e-5, 6e-5, 8e-5}, /* F(6,3): 3.8e-6, 1.5e-5, 2.0e-5 */
    };
    const double scale = in_channels_per_group > 512 ? sqrt((double)in_channels_per_group / 512.0) : 1.0;
    return bounds[m / 2 - 1][rank - 1] * scale;
}

double conv_winograd_plan_error_bound(const struct winograd_plan *wp) { return wp->error_bound; }

/* The tiles to put in one block: at most the budget, balanced over the blocks a range needs. */
static int64_t block_tiles(int64_t tiles, int64_t tile_bytes, int64_t budget) {
    int64_t most = budget / tile_bytes / WINOGRAD_LANES * WINOGRAD_LANES;
    if (most > WINOGRAD_MAX_BLOCK_TILES) most = WINOGRAD_MAX_BLOCK_TILES;
    if (most < WINOGRAD_LANES) most = WINOGRAD_LANES;
    const int64_t blocks = (tiles + most - 1) / most;
    const int64_t per_block = (tiles + blocks - 1) / blocks;
    return (per_block + WINOGRAD_LANES - 1) / WINOGRAD_LANES * WINOGRAD_LANES;
}

/* V and M bytes per tile, for tiles of `positions` positions. */
static int64_t tile_bytes_of(const conv_geometry *g, int64_t positions) {
    return positions * (g->in_channels_per_group + g->out_channels_per_group) * (int64_t)sizeof(float);
}

/* How a call cuts its `total` tiles into blocks of the returned size: with enough tiles for two
 * 16-tile groups per thread, each thread runs its own blocks, no barrier (*independent); with
 * fewer (small maps at batch 1), all threads share each block, phase by phase. */
static int64_t block_size(int64_t total, int64_t tile_bytes, int threads, int *independent) {
    *independent = threads == 1 || total >= (int64_t)threads * 2 * WINOGRAD_LANES;
    return *independent ? block_tiles((total + threads - 1) / threads, tile_bytes, WINOGRAD_BLOCK_BYTES)
                        : block_tiles(total, tile_bytes, WINOGRAD_BLOCK_BYTES * (int64_t)threads);
}

/* AUTO's cost model, in multiply-adds (calibrated with jconv_bench on the suite's 3x3 layers,
 * 1 and 2 threads, see native/docs/WINOGRAD.md): a Winograd tile position costs its GEMM share,
 * ICg x OCg, plus the transforms, gathers and scatters, about WINOGRAD_TRANSFORM_COST per
 * channel (in + out); tiles go 16 at a time. im2col's and direct's costs are in the same units
 * (conv.h). */
#define WINOGRAD_TRANSFORM_COST 40.0
/* U (the transformed weights) is read once per tile block. Past 16 MiB (half of this machine's
 * 32 MiB L3, which both threads' blocks share) its re-reads, by every block after the first, cost
 * WINOGRAD_U_REREAD_COST per float. Few tiles per block make them the bound: with 1024 input
 * channels a 16-tile block's V alone fills L2, and a 1024-channel 3x3 layer on 14x14 (4 blocks,
 * 64 MiB of U in F(2,3)) ran F(2,3) in 14.3 ms against im2col's 10.9, 2048 channels on 33x33 with
 * dilation 6 (20 blocks, 32 MiB) 45 ms against 34 (2 threads). 15 sends those to im2col and keeps
 * 512 channels with dilation 4 on 28x28 (3 re-reads of 36 MiB) on F(4,3): 7.9 ms against im2col's
 * 9.5. A smaller U is taken to stay in cache: dl3_atrous's F(4,3) (9 MiB, 4 blocks) runs in 1.6 ms
 * against F(2,3)'s 2.2, which a cost on its re-reads would choose. */
#define WINOGRAD_U_CACHED_BYTES (16.0 * 1024 * 1024)
#define WINOGRAD_U_REREAD_COST 15.0
/* Larger than the cores' L2 together, U comes from L3 at least once per call: WINOGRAD_U_READ_COST
 * per float. r50_s5_3x3 (512 channels on 7x7: 16 tiles, one block, 16 MiB of U in F(2,3)) ran
 * F(2,3) in 0.67-0.99 ms against the blocked direct convolution's 0.61-0.65 (2 threads, two
 * rounds), where the model without this read had F(2,3) 7% cheaper; 8 per float (about 32 bytes a
 * cycle) keeps r50_s4_3x3 (9 MiB of U in F(4,3): 0.40-0.43 ms against direct's 0.54-0.57) on F(4,3). */
#define WINOGRAD_U_READ_COST 8.0
/* A dilated kernel's copies into and out of its phases, per element of the phases' input and
 * output: what a dilated layer took beyond its phases' convolution run on its own (2 threads:
 * dl3_atrous 0.25 ms for 0.46 M elements, tcn_1d 0.9-1.1 ms for 2.1 M, the tiles also running
 * slower on freshly copied phases), 0.5 ns per element, 100-150 units. */
#define PHASE_COPY_COST 150.0

static double winograd_cost(const conv_geometry *g, int m) {
    int64_t positions = 1, tiles = g->batch; /* tiles <= the output's elements: no overflow */
    for (int dim = 0; dim < 3; dim++) {
        const int transformed = g->kernel[dim] == 3, md = tile_along(dim, m);
        positions *= transformed ? md + 2 : 1;
        tiles *= transformed ? (g->out[dim] + md - 1) / md : g->out[dim];
    }
    const double lanes = ceil((double)tiles / WINOGRAD_LANES) * WINOGRAD_LANES;
    const double ic = (double)g->in_channels_per_group, oc = (double)g->out_channels_per_group;
    double cost = (double)g->groups * (double)positions * lanes * (ic * oc + WINOGRAD_TRANSFORM_COST * (ic + oc));
    /* U read again by every block after the first, when it is too large to stay in cache */
    const double u_floats = (double)g->groups * (double)positions * ic * oc;
    int64_t l1d, l2;
    jconv_cache_sizes(&l1d, &l2);
    if (u_floats * sizeof(float) > (double)l2 * jconv_threads()) cost += u_floats * WINOGRAD_U_READ_COST;
    if (u_floats * sizeof(float) > WINOGRAD_U_CACHED_BYTES) {
        int independent;
        const int64_t nt = block_size(tiles, tile_bytes_of(g, positions), jconv_threads(), &independent);
        cost += (double)((tiles + nt - 1) / nt - 1) * u_floats * WINOGRAD_U_REREAD_COST;
    }
    return cost;
}

jconv_algorithm conv_winograd_choose(const conv_geometry *g, double baseline) {
    if (!conv_winograd_supports(g)) return JCONV_ALGO_AUTO;
    conv_geometry inner;
    const int dilated = dilation_phases_needed(g);
    if (dilated && dilation_phases_geometry(g, &inner) != JCONV_OK) return JCONV_ALGO_AUTO;
    const double copies = dilated ? PHASE_COPY_COST * ((double)inner.src_elements + (double)inner.dst_elements) : 0.0;
    int rank = 0;
    for (int dim = 0; dim < 3; dim++) rank += g->kernel[dim] == 3;
    double best_cost = baseline;
    jconv_algorithm best = JCONV_ALGO_AUTO;
    static const jconv_algorithm variants[3] = {JCONV_ALGO_WINOGRAD_F2X3, JCONV_ALGO_WINOGRAD_F4X3,
                                                JCONV_ALGO_WINOGRAD_F6X3};
    for (int v = 0; v < 3; v++) {
        const int m = 2 * (v + 1);
        if (error_bound(m, rank, g->in_channels_per_group) > JCONV_AUTO_ERROR_BOUND) continue;
        const double cost = winograd_cost(dilated ? &inner : g, m) + copies;
        if (cost < best_cost) best_cost = cost, best = variants[v];
    }
    return best;
}

/* G applied along every transformed dim of the kernel g (sizes KD x KH x KW) into u (TD x TH x TW). */
static void filter_transform(const winograd_layout *w, const double *const gm[3], const float *kernel,
                             const int64_t ksize[3], double *u, double *tmp) {
    int64_t size[3] = {ksize[0], ksize[1], ksize[2]};
    for (int64_t i = 0; i < size[0] * size[1] * size[2]; i++) u[i] = kernel[i];
    for (int dim = 2; dim >= 0; dim--) {
        if (!w->transformed[dim]) continue;
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= size[d];
        for (int d = dim + 1; d < 3; d++) inner *= size[d];
        const int64_t n = w->tile_in[dim];
        for (int64_t o = 0; o < outer; o++)
            for (int64_t j = 0; j < n; j++)
                for (int64_t x = 0; x < inner; x++) {
                    double sum = 0.0;
                    for (int64_t k = 0; k < 3; k++) sum += gm[dim][j * 3 + k] * u[(o * 3 + k) * inner + x];
                    tmp[(o * n + j) * inner + x] = sum;
                }
        size[dim] = n;
        memcpy(u, tmp, (size_t)(size[0] * size[1] * size[2]) * sizeof(double));
    }
}

void conv_winograd_release(struct winograd_plan *wp) {
    if (wp == NULL) return;
    jconv_free(wp->weights);
    jconv_free(wp);
}

jconv_status conv_winograd_prepare(struct jconv_conv_plan *plan, int m) {
    const conv_geometry *g = &plan->geometry;
    struct winograd_plan *wp = jconv_alloc(sizeof *wp);
    if (wp == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate a Winograd plan");
    memset(wp, 0, sizeof *wp);
    plan->winograd = wp;
    wp->dilated = dilation_phases_needed(g);
    if (wp->dilated) {
        const jconv_status status = dilation_phases_geometry(g, &wp->inner);
        if (status != JCONV_OK) return status;
    }
    const conv_geometry *tiled = wp->dilated ? &wp->inner : g;
    winograd_layout *w = &wp->layout;
    /* per dim: its matrices, and how much the transforms can grow a value (the product of the
     * matrices' row norms over the transformed dims) for the overflow guard */
    const double *at[3] = {NULL, NULL, NULL}, *gm[3] = {NULL, NULL, NULL}, *bt[3] = {NULL, NULL, NULL};
    double growth = 1.0, g_growth = 1.0;
    w->m = m;
    w->positions = 1;
    w->tiles_per_image = 1;
    int rank = 0;
    for (int dim = 0; dim < 3; dim++) {
        w->transformed[dim] = g->kernel[dim] == 3;
        rank += w->transformed[dim];
        const int md = tile_along(dim, m);
        w->m_dim[dim] = w->transformed[dim] ? md : 0;
        if (w->transformed[dim]) {
            matrices(md, &at[dim], &gm[dim], &bt[dim]);
            g_growth *= row_norm(gm[dim], md + 2, 3);
            growth *= row_norm(bt[dim], md + 2, md + 2) * row_norm(gm[dim], md + 2, 3) * row_norm(at[dim], md, md + 2);
        }
        w->tile_out[dim] = w->transformed[dim] ? md : 1;
        w->tile_in[dim] = w->transformed[dim] ? md + 2 : 1;
        w->tiles[dim] = (tiled->out[dim] + w->tile_out[dim] - 1) / w->tile_out[dim];
        w->positions *= w->tile_in[dim];
        w->tiles_per_image *= w->tiles[dim]; /* <= the output plane: cannot overflow */
    }

    const int64_t ICg = g->in_channels_per_group, OCg = g->out_channels_per_group;
    const int64_t panels = (OCg + GEMM_MR - 1) / GEMM_MR;
    int64_t count;
    if (!jconv_multiply_checked(g->groups * w->positions, panels * GEMM_MR, &count) ||
        !jconv_multiply_checked(count, ICg, &count))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "Winograd weights overflow");
    wp->weights = jconv_alloc((size_t)count * sizeof(float));
    if (wp->weights == NULL)
        return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate %lld bytes of Winograd weights",
                          (long long)(count * (int64_t)sizeof(float)));
    memset(wp->weights, 0, (size_t)count * sizeof(float));

    /* U, and the largest |weight| for the overflow guard */
    double u[WINOGRAD_MAX_POSITIONS], tmp[WINOGRAD_MAX_POSITIONS], max_weight = 0.0;
    const int64_t kvol = g->kernel[0] * g->kernel[1] * g->kernel[2];
    wp->weights_finite = 1;
    for (int64_t i = 0; i < g->weight_elements; i++) {
        const double a = fabs((double)plan->weights[i]);
        if (!(a <= DBL_MAX)) wp->weights_finite = 0;
        else if (a > max_weight) max_weight = a;
    }
    for (int64_t group = 0; group < g->groups; group++)
        for (int64_t oc = 0; oc < OCg; oc++)
            for (int64_t ic = 0; ic < ICg; ic++) {
                filter_transform(w, gm, plan->weights + ((group * OCg + oc) * ICg + ic) * kvol, g->kernel, u, tmp);
                float *panel = wp->weights + (group * w->positions * panels + oc / GEMM_MR) * ICg * GEMM_MR;
                for (int64_t p = 0; p < w->positions; p++)
                    panel[p * panels * ICg * GEMM_MR + ic * GEMM_MR + oc % GEMM_MR] = (float)u[p];
            }

    /* The transforms grow a value by at most the product of the matrices' row norms per dim: weights
     * whose U could overflow, like non-finite ones, leave every call to im2col. */
    if (max_weight * g_growth > FLT_MAX / 16.0) wp->weights_finite = 0;
    wp->input_limit = FLT_MAX / 16.0 / (growth * (double)ICg * (max_weight > 1.0 ? max_weight : 1.0));
    wp->error_bound = error_bound(m, rank, ICg);

    wp->tile_bytes = tile_bytes_of(g, w->positions);
    /* the fallback for non-finite or huge data */
    return conv_im2col_prepare(plan);
}

static void transforms(winograd_input_fn *input, winograd_output_fn *output) {
#if defined(__x86_64__) || defined(__i386__)
    if (jconv_isa_runs_avx2()) {
        *input = winograd_input_avx2;
        *output = winograd_output_avx2;
        return;
    }
#endif
    *input = winograd_input_generic;
    *output = winograd_output_generic;
}

/* The largest |x| as float bits (NaN's bits are above inf's), computed on integers so it
 * vectorises without reordering float arithmetic. */
static uint32_t max_abs_bits(const float *x, int64_t count, int threads) {
    uint32_t max_bits = 0;
    (void)threads;
#pragma omp parallel for num_threads(threads) if (threads > 1 && count > 65536) reduction(max : max_bits) schedule(static)
    for (int64_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, x + i, sizeof bits);
        bits &= 0x7fffffffu;
        max_bits = bits > max_bits ? bits : max_bits;
    }
    return max_bits;
}

void winograd_lanes_init(const winograd_layout *w, const conv_geometry *g, int64_t t0, int64_t count,
                         winograd_lanes *lanes) {
    const int64_t IH = g->in[1], IW = g->in[2], in_plane = g->in[0] * IH * IW;
    const int64_t OH = g->out[1], OW = g->out[2], out_plane = g->out[0] * OH * OW;
    const int64_t *T = w->tile_in;
    lanes->count = count;
    for (int64_t r = 0; r < T[0] * T[1]; r++) /* lanes past count read zeros */
        for (int64_t lane = count; lane < WINOGRAD_LANES; lane++) lanes->row[r][lane] = WINOGRAD_ROW_ZERO;
    for (int64_t lane = 0; lane < count; lane++) {
        int64_t n, *o = lanes->origin[lane];
        winograd_tile_origin(w, t0 + lane, &n, o);
        const int64_t d0 = o[0] - g->pad_begin[0], h0 = o[1] - g->pad_begin[1], w0 = o[2] - g->pad_begin[2];
        lanes->d_lo[lane] = d0 < 0 ? -d0 : 0;
        lanes->d_hi[lane] = g->in[0] - d0 < T[0] ? g->in[0] - d0 : T[0];
        lanes->h_lo[lane] = h0 < 0 ? -h0 : 0;
        lanes->h_hi[lane] = IH - h0 < T[1] ? IH - h0 : T[1];
        lanes->in_first[lane] = n * g->in_channels * in_plane + (d0 * IH + h0) * IW + w0;
        /* the last row inside the input, read as 8 floats from column w0, in the last channel */
        const int64_t last = lanes->in_first[lane] + (g->in_channels - 1) * in_plane +
                             ((lanes->d_hi[lane] - 1) * IH + lanes->h_hi[lane] - 1) * IW;
        /* every row inside the input can be read as 8 floats in place (inside the row and the tensor) */
        const int direct = w0 >= 0 && w0 + T[2] <= IW && last + 8 <= g->src_elements &&
                           lanes->d_hi[lane] > lanes->d_lo[lane] && lanes->h_hi[lane] > lanes->h_lo[lane];
        for (int64_t dd = 0; dd < T[0]; dd++)
            for (int64_t hh = 0; hh < T[1]; hh++) {
                int64_t *row = &lanes->row[dd * T[1] + hh][lane];
                if (dd < lanes->d_lo[lane] || dd >= lanes->d_hi[lane] || hh < lanes->h_lo[lane] || hh >= lanes->h_hi[lane])
                    *row = WINOGRAD_ROW_ZERO;
                else
                    *row = direct ? lanes->in_first[lane] + (dd * IH + hh) * IW : WINOGRAD_ROW_EDGE;
            }
        lanes->out_first[lane] = n * g->out_channels * out_plane + (o[0] * OH + o[1]) * OW + o[2];
        for (int dim = 0; dim < 3; dim++)
            lanes->out_count[lane][dim] = g->out[dim] - o[dim] < w->tile_out[dim] ? g->out[dim] - o[dim] : w->tile_out[dim];
    }
}

/* One call's constants and buffers. */
typedef struct winograd_call {
    const struct jconv_conv_plan *plan;
    const conv_geometry *g; /* the tiled convolution: the plan's, or its dilation phases' */
    const winograd_layout *w;
    const float *src, *residual;
    const jconv_post_ops *post_ops;
    float *dst;
    winograd_input_fn input;
    winograd_output_fn output;
    const gemm_kernels *kernels;
    int64_t kc; /* the GEMM's k block */
    int64_t panels, total;
} winograd_call;

/* A block of tiles [t_start, t_start + lanes) of one group, with its V and M buffers (nt columns). */
typedef struct winograd_block {
    int64_t group, t_start, lanes, groups_of_16, nt;
    float *v, *m;
    winograd_lanes *at; /* per 16 tiles */
} winograd_block;

/* Phase 1, items [begin, end) of (input channel, 16 tiles): V[pos][16 tiles][ic] panels. */
static void input_phase(const winograd_call *call, const winograd_block *b, int64_t begin, int64_t end, float *scratch) {
    const conv_geometry *g = call->g;
    const int64_t ICg = g->in_channels_per_group, nb = b->nt / WINOGRAD_LANES;
    for (int64_t item = begin; item < end; item++) {
        const int64_t ic = item / b->groups_of_16, jb = item % b->groups_of_16;
        call->input(call->w, g, call->src, b->group * ICg + ic, &b->at[jb], b->v + (jb * ICg + ic) * WINOGRAD_LANES,
                    nb * ICg * WINOGRAD_LANES, scratch);
    }
}

/* Phase 2, items of (position, 6-row panel of output channels): M[pos] = U[pos] x V[pos]. */
static void gemm_phase(const winograd_call *call, const winograd_block *b, int64_t begin, int64_t end) {
    const conv_geometry *g = call->g;
    const int64_t ICg = g->in_channels_per_group, OCg = g->out_channels_per_group, P = call->w->positions;
    const int64_t nb = b->nt / WINOGRAD_LANES, width = b->groups_of_16 * WINOGRAD_LANES;
    for (int64_t item = begin; item < end; item++) {
        const int64_t p = item / call->panels, i = item % call->panels;
        const int64_t rows = OCg - i * GEMM_MR < GEMM_MR ? OCg - i * GEMM_MR : GEMM_MR;
        float *c = b->m + (p * OCg + i * GEMM_MR) * b->nt;
        for (int64_t r = 0; r < rows; r++) memset(c + r * b->nt, 0, (size_t)width * sizeof(float));
        const float *a = call->plan->winograd->weights + ((b->group * P + p) * call->panels + i) * ICg * GEMM_MR;
        /* two groups of 16 tiles at a time where the ISA has pair kernels */
        const int pairs = call->kernels->pair != NULL;
        for (int64_t pc = 0; pc < ICg; pc += call->kc) {
            const int64_t kc = ICg - pc < call->kc ? ICg - pc : call->kc;
            int64_t jb = 0;
            if (pairs)
                for (; jb + 2 <= b->groups_of_16; jb += 2) {
                    const float *v = b->v + ((p * nb + jb) * ICg + pc) * WINOGRAD_LANES;
                    gemm_pair_update(call->kernels, kc, a + pc * GEMM_MR, v, v + ICg * WINOGRAD_LANES, NULL,
                                     c + jb * WINOGRAD_LANES, WINOGRAD_LANES, c + (jb + 1) * WINOGRAD_LANES,
                                     WINOGRAD_LANES, b->nt, rows, NULL, NULL, 0);
                }
            for (; jb < b->groups_of_16; jb++)
                gemm_tile_update(call->kernels, kc, a + pc * GEMM_MR, b->v + ((p * nb + jb) * ICg + pc) * WINOGRAD_LANES,
                                 c + jb * WINOGRAD_LANES, b->nt, rows, WINOGRAD_LANES, NULL);
        }
    }
}

/* Phase 3, items of (output channel, 16 tiles): the output transform with the post-ops. */
static void output_phase(const winograd_call *call, const winograd_block *b, int64_t begin, int64_t end, float *scratch) {
    const struct jconv_conv_plan *plan = call->plan;
    const int64_t OCg = call->g->out_channels_per_group;
    for (int64_t item = begin; item < end; item++) {
        const int64_t oc = item / b->groups_of_16, jb = item % b->groups_of_16;
        const int64_t channel = b->group * OCg + oc;
        call->output(call->w, call->g, b->m + oc * b->nt + jb * WINOGRAD_LANES, OCg * b->nt, channel, &b->at[jb],
                     plan->bias != NULL ? plan->bias[channel] : 0.0f, call->residual, call->post_ops, call->dst,
                     scratch);
    }
}

static void split(int64_t items, int thread, int threads, int64_t *begin, int64_t *end) {
    *begin = items * thread / threads;
    *end = items * (thread + 1) / threads;
}

/* The block of tiles from b->t_start: its lanes, and the lane descriptions of this thread's part
 * of its 16-tile groups. */
static void start_block(const winograd_call *call, winograd_block *b, int thread, int threads) {
    b->lanes = call->total - b->t_start < b->nt ? call->total - b->t_start : b->nt;
    b->groups_of_16 = (b->lanes + WINOGRAD_LANES - 1) / WINOGRAD_LANES;
    int64_t begin, end;
    split(b->groups_of_16, thread, threads, &begin, &end);
    for (int64_t jb = begin; jb < end; jb++) {
        const int64_t first = jb * WINOGRAD_LANES;
        winograd_lanes_init(call->w, call->g, b->t_start + first,
                            b->lanes - first < WINOGRAD_LANES ? b->lanes - first : WINOGRAD_LANES, &b->at[jb]);
    }
}

jconv_status conv_winograd_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                   float *dst) {
    const struct winograd_plan *wp = plan->winograd;
    const int threads = jconv_threads();
    if (!wp->weights_finite) return conv_im2col_execute(plan, src, residual, dst);
    const uint32_t bits = max_abs_bits(src, plan->geometry.src_elements, threads);
    float max_input;
    memcpy(&max_input, &bits, sizeof max_input);
    if (bits >= 0x7f800000u || (double)max_input > wp->input_limit) return conv_im2col_execute(plan, src, residual, dst);

    /* Dilated: the tiles run over the phases (the bias and, without a residual, the activation
     * applied there), copied back with the residual. */
    const conv_geometry *g = wp->dilated ? &wp->inner : &plan->geometry;
    static const jconv_post_ops no_post_ops = {JCONV_ACTIVATION_NONE, 0.0f, 0.0f, 0};
    winograd_call call = {plan, g, &wp->layout, src, residual,
                          wp->dilated && residual != NULL ? &no_post_ops : &plan->post_ops, dst, NULL, NULL,
                          gemm_kernels_active(), gemm_blocks().kc, (g->out_channels_per_group + GEMM_MR - 1) / GEMM_MR,
                          g->batch * wp->layout.tiles_per_image};
    transforms(&call.input, &call.output);
    const int64_t ICg = g->in_channels_per_group, OCg = g->out_channels_per_group, P = wp->layout.positions;
    int independent;
    const int64_t nt = block_size(call.total, wp->tile_bytes, threads, &independent);
    const size_t v_floats = (size_t)(P * nt * ICg), m_floats = (size_t)(P * OCg * nt);
    const size_t tile_floats = (size_t)(P * WINOGRAD_LANES);
    /* each block's lane descriptions, in floats' worth of bytes (a multiple of 64 bytes) */
    const size_t lanes_floats = (sizeof(winograd_lanes) * (size_t)(nt / WINOGRAD_LANES) + 63) / 64 * 16;
    /* per thread: its block when independent, its tile scratch, a gap (jconv_thread_stride); then
     * the shared block when not; then, dilated, the phases' input and output and a row per thread */
    const size_t block_floats = v_floats + m_floats + lanes_floats;
    const size_t stride = jconv_thread_stride((independent ? block_floats : 0) + tile_floats, threads);
    const size_t tiles_floats = stride * (size_t)threads + (independent ? 0 : block_floats);
    const size_t phases_in = wp->dilated ? jconv_line_floats((size_t)g->src_elements) : 0;
    const size_t phases_out = wp->dilated ? jconv_line_floats((size_t)g->dst_elements) : 0;
    const size_t row_stride = jconv_line_floats((size_t)plan->geometry.out[2]);
    const size_t rows = wp->dilated ? row_stride * (size_t)threads : 0;
    int shared;
    float *memory = jconv_scratch_acquire(plan->scratch, (tiles_floats + phases_in + phases_out + rows) * sizeof(float),
                                          &shared);
    if (memory == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the Winograd tile buffers");
    if (wp->dilated) {
        float *in = memory + tiles_floats;
        dilation_phases_split(&plan->geometry, g, src, in, threads);
        call.src = in, call.residual = NULL, call.dst = in + phases_in;
    }

    /* independent: blocks of nt tiles per group, each thread its own range of them first, then
     * what is left of the others' (work_ranges.h) */
    const int64_t blocks_per_group = (call.total + nt - 1) / nt;
    jconv_work_ranges work;
    jconv_work_ranges_init(&work, threads, independent ? g->groups * blocks_per_group : 0);
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        const int thread = jconv_thread_index();
        float *own = memory + stride * (size_t)thread, *scratch = own + (independent ? block_floats : 0);
        winograd_block b;
        b.nt = nt;
        b.v = independent ? own : memory + stride * (size_t)threads;
        b.m = b.v + v_floats;
        b.at = (winograd_lanes *)(b.m + m_floats);
        int64_t begin, end;
        if (independent) {
            while (jconv_work_next(&work, thread, &begin, &end))
                for (int64_t item = begin; item < end; item++) {
                    b.group = item / blocks_per_group, b.t_start = item % blocks_per_group * nt;
                    start_block(&call, &b, 0, 1);
                    input_phase(&call, &b, 0, ICg * b.groups_of_16, scratch);
                    gemm_phase(&call, &b, 0, P * call.panels);
                    output_phase(&call, &b, 0, OCg * b.groups_of_16, scratch);
                }
        } else { /* every thread takes a part of each phase of each block */
            for (b.group = 0; b.group < g->groups; b.group++)
                for (b.t_start = 0; b.t_start < call.total; b.t_start += nt) {
                    start_block(&call, &b, thread, threads);
#pragma omp barrier
                    split(ICg * b.groups_of_16, thread, threads, &begin, &end);
                    input_phase(&call, &b, begin, end, scratch);
#pragma omp barrier
                    split(P * call.panels, thread, threads, &begin, &end);
                    gemm_phase(&call, &b, begin, end);
#pragma omp barrier
                    split(OCg * b.groups_of_16, thread, threads, &begin, &end);
                    output_phase(&call, &b, begin, end, scratch);
#pragma omp barrier
                }
        }
    }
    if (wp->dilated)
        dilation_phases_merge(&plan->geometry, g, call.dst, residual, &plan->post_ops, dst,
                              memory + tiles_floats + phases_in + phases_out, (int64_t)row_stride, threads);
    jconv_scratch_release(plan->scratch, memory, shared);
    return JCONV_OK;
}
