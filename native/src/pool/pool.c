/* Max and average pooling 1-D/2-D/3-D, PyTorch's rules, widened to 3-D like convolution.
 * Work item: one output row (n, c, od, oh); rows are independent. */
#include "../core/internal.h"
#include "pool_kernels.h"

#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct pool_geometry {
    int64_t planes; /* N * C */
    int64_t in[3], out[3], kernel[3], stride[3], pad[3], dilation[3];
    int64_t src_elements, dst_elements;
} pool_geometry;

static const char *const dim_names[3][3] = {{"W"}, {"H", "W"}, {"D", "H", "W"}};

/* floor(a / b) for b > 0 and any a. */
static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

static jconv_status pool_geometry_init(const jconv_pool_desc *d, pool_geometry *g) {
    if (d == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    if (d->spatial_rank < 1 || d->spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%lld must be 1, 2 or 3", (long long)d->spatial_rank);
    if (d->kind != JCONV_POOL_MAX && d->kind != JCONV_POOL_AVG)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "kind=%lld is not a jconv_pool_kind", (long long)d->kind);
    if (d->ceil_mode != 0 && d->ceil_mode != 1)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "ceil_mode=%lld must be 0 or 1", (long long)d->ceil_mode);
    if (d->count_include_pad != 0 && d->count_include_pad != 1)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "count_include_pad=%lld must be 0 or 1", (long long)d->count_include_pad);
    const int64_t nc[2] = {d->batch, d->channels};
    int64_t planes;
    jconv_status status = jconv_check_shape("input (batch, channels)", 2, nc, &planes);
    if (status != JCONV_OK) return status;
    const int rank = (int)d->spatial_rank;
    memset(g, 0, sizeof *g);
    g->planes = planes;
    for (int dim = 0; dim < 3; dim++) g->in[dim] = g->out[dim] = g->kernel[dim] = g->stride[dim] = g->dilation[dim] = 1;
    for (int i = 0; i < rank; i++) {
        const int dim = 3 - rank + i;
        const char *name = dim_names[rank - 1][i];
        const struct {
            const char *field;
            int64_t value, min;
        } fields[] = {{"in_size", d->in_size[i], 1}, {"kernel", d->kernel[i], 1}, {"stride", d->stride[i], 1},
                      {"dilation", d->dilation[i], 1}, {"pad", d->pad[i], 0}};
        for (int f = 0; f < 5; f++)
            if (fields[f].value < fields[f].min || fields[f].value > (1LL << 40))
                return jconv_fail(JCONV_INVALID_ARGUMENT, "%s[%d]=%lld (%s) must be in [%lld, 2^40]", fields[f].field, i,
                                  (long long)fields[f].value, name, (long long)fields[f].min);
        if (d->kind == JCONV_POOL_AVG && d->dilation[i] != 1)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "dilation[%d]=%lld: average pooling has no dilation",
                              i, (long long)d->dilation[i]);
        if (d->kind == JCONV_POOL_AVG && rank == 3 && d->in_size[i] < d->kernel[i]) /* PyTorch's AvgPool3d check */
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "in_size[%d]=%lld (%s) is smaller than kernel %lld: 3-D average pooling needs the input "
                              "at least as large as the kernel, whatever the padding (as PyTorch's avg_pool3d)",
                              i, (long long)d->in_size[i], name, (long long)d->kernel[i]);
        if (d->pad[i] > d->kernel[i] / 2)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "pad[%d]=%lld (%s) must be at most half of kernel %lld",
                              i, (long long)d->pad[i], name, (long long)d->kernel[i]);
        /* Each value is below 2^40, so only the dilated span can overflow; the sums cannot. */
        const int64_t in = d->in_size[i], pad = d->pad[i], stride = d->stride[i];
        int64_t span;
        if (!jconv_multiply_checked(d->dilation[i], d->kernel[i] - 1, &span))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "dilation[%d]=%lld * (kernel[%d]=%lld - 1) overflows", i,
                              (long long)d->dilation[i], i, (long long)d->kernel[i]);
        span += 1;
        int64_t out = floor_div(in + 2 * pad - span + (d->ceil_mode ? stride - 1 : 0), stride) + 1;
        if (d->ceil_mode && (out - 1) * stride >= in + pad) out--; /* the last window starts in the end padding */
        if (out < 1)
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "output size %s=%lld is too small: in_size %lld, kernel %lld, dilation %lld, pad %lld",
                              name, (long long)out, (long long)in, (long long)d->kernel[i], (long long)d->dilation[i],
                              (long long)pad);
        g->in[dim] = in;
        g->out[dim] = out;
        g->kernel[dim] = d->kernel[i];
        g->stride[dim] = stride;
        g->pad[dim] = pad;
        g->dilation[dim] = d->dilation[i];
    }
    int64_t src = planes, dst = planes;
    int ok = 1;
    for (int dim = 0; ok && dim < 3; dim++)
        ok = jconv_multiply_checked(src, g->in[dim], &src) && jconv_multiply_checked(dst, g->out[dim], &dst);
    if (!ok) return jconv_fail(JCONV_INVALID_ARGUMENT, "tensor sizes overflow: more than 2^60 elements");
    g->src_elements = src;
    g->dst_elements = dst;
    return JCONV_OK;
}

/* The first index a window starting at `start` reads inside [0, in): padded cells are skipped a
 * dilation step at a time, as PyTorch does (its max pooling reports that index when nothing wins). */
static int64_t first_inside(int64_t start, int64_t dilation) {
    return start >= 0 ? start : start + (-start + dilation - 1) / dilation * dilation;
}

/* The window rows of output (od, oh) inside the input: depths d0, d0 + dilation, .. below d_end
 * and heights h0, .. below h_end. */
static void window_rows(const pool_geometry *g, int64_t od, int64_t oh, int64_t *d0, int64_t *d_end, int64_t *h0,
                        int64_t *h_end) {
    const int64_t d_start = od * g->stride[0] - g->pad[0], h_start = oh * g->stride[1] - g->pad[1];
    *d_end = d_start + (g->kernel[0] - 1) * g->dilation[0] + 1;
    *h_end = h_start + (g->kernel[1] - 1) * g->dilation[1] + 1;
    if (*d_end > g->in[0]) *d_end = g->in[0];
    if (*h_end > g->in[1]) *h_end = g->in[1];
    *d0 = first_inside(d_start, g->dilation[0]), *h0 = first_inside(h_start, g->dilation[1]);
}

static void max_pool_row(const pool_geometry *g, const float *plane, int64_t od, int64_t oh, float *out,
                         int64_t *indices) {
    const int64_t IH = g->in[1], IW = g->in[2];
    int64_t d0, d_end, h0, h_end;
    window_rows(g, od, oh, &d0, &d_end, &h0, &h_end);
    for (int64_t ow = 0; ow < g->out[2]; ow++) {
        const int64_t w_start = ow * g->stride[2] - g->pad[2];
        int64_t w_end = w_start + (g->kernel[2] - 1) * g->dilation[2] + 1;
        if (w_end > IW) w_end = IW;
        const int64_t w0 = first_inside(w_start, g->dilation[2]);
        float best = -INFINITY;
        int64_t best_index = (d0 * IH + h0) * IW + w0;
        for (int64_t id = d0; id < d_end; id += g->dilation[0])
            for (int64_t ih = h0; ih < h_end; ih += g->dilation[1])
                for (int64_t iw = w0; iw < w_end; iw += g->dilation[2]) {
                    const int64_t index = (id * IH + ih) * IW + iw;
                    const float v = plane[index];
                    if (v > best || isnan(v)) { /* NaN wins and propagates, as in PyTorch */
                        best = v;
                        best_index = index;
                    }
                }
        out[ow] = best;
        if (indices != NULL) indices[ow] = best_index;
    }
}

/* The taps [first, end) along W that land inside the row for at least one output: a window may
 * be far wider than the input (kernel 10^9, padding half of it), and a loop over all its taps
 * would run that long; outside this range no tap reads anything. */
static void taps_inside(const pool_geometry *g, int64_t *first, int64_t *end) {
    const int64_t DW = g->dilation[2];
    const int64_t lo = g->pad[2] - (g->out[2] - 1) * g->stride[2]; /* kw * DW >= lo */
    const int64_t hi = g->pad[2] + g->in[2] - 1;                   /* kw * DW <= hi */
    *first = lo <= 0 ? 0 : (lo + DW - 1) / DW;
    *end = hi / DW + 1 < g->kernel[2] ? hi / DW + 1 : g->kernel[2];
    if (*first > *end) *first = *end;
}

/* One tap of max pooling over outputs [first, end) of a row: v > m, or v NaN, replaces m (NaN wins
 * and stays, as in max_pool_row). */
static void max_pass(const float *row, int64_t offset, int64_t SW, float *out, int64_t first, int64_t end) {
    if (SW == 1) {
        for (int64_t ow = first; ow < end; ow++) {
            const float v = row[ow + offset], m = out[ow];
            out[ow] = ((v > m) | (v != v)) ? v : m;
        }
    } else if (SW == 2) {
        for (int64_t ow = first; ow < end; ow++) {
            const float v = row[2 * ow + offset], m = out[ow];
            out[ow] = ((v > m) | (v != v)) ? v : m;
        }
    } else {
        for (int64_t ow = first; ow < end; ow++) {
            const float v = row[ow * SW + offset], m = out[ow];
            out[ow] = ((v > m) | (v != v)) ? v : m;
        }
    }
}

/* A whole output row when the window is 3 wide at stride 2 along W (the ResNet stem's 3x3 stride-2
 * pool) and the CPU runs AVX2: the outputs whose three taps lie inside the row by the AVX2 kernel
 * (all window rows and taps in registers), the one or two at either end one at a time. Returns 0
 * when it does not apply. */
#if defined(__x86_64__) || defined(__i386__)
/* One output of a 3-wide, stride-2 window along W, column c0 its first tap, by max_pool_row's rule
 * over the window rows in order, then the taps inside the row in order (the AVX2 row's ends). */
static float max_of_3wide_window(const float *const *rows, int64_t count, int64_t c0, int64_t IW) {
    float best = -INFINITY;
    for (int64_t r = 0; r < count; r++)
        for (int64_t c = c0 < 0 ? 0 : c0; c < c0 + 3 && c < IW; c++) {
            const float v = rows[r][c];
            if (v > best || isnan(v)) best = v;
        }
    return best;
}

enum { MAX_FAST_ROWS = 16 };
static int max_pool_row_3wide_s2(const pool_geometry *g, const float *plane, int64_t d0, int64_t d_end, int64_t h0,
                                 int64_t h_end, float *out) {
    const int64_t IH = g->in[1], IW = g->in[2], OW = g->out[2], pad = g->pad[2];
    if (g->kernel[2] != 3 || g->stride[2] != 2 || g->dilation[2] != 1 || !jconv_isa_runs_avx2()) return 0;
    const float *rows[MAX_FAST_ROWS];
    int64_t count = 0;
    for (int64_t id = d0; id < d_end; id += g->dilation[0])
        for (int64_t ih = h0; ih < h_end; ih += g->dilation[1]) {
            if (count == MAX_FAST_ROWS) return 0;
            rows[count++] = plane + (id * IH + ih) * IW;
        }
    int64_t lo, hi, lo2, hi2; /* outputs whose first and last tap are inside */
    jconv_valid_range(-pad, 2, IW, OW, &lo, &hi);
    jconv_valid_range(2 - pad, 2, IW, OW, &lo2, &hi2);
    if (lo2 > lo) lo = lo2;
    if (hi2 < hi) hi = hi2;
    int64_t done = 0;
    if (hi > lo) { /* the interior's first window starts inside every row: 2 lo - pad >= 0 */
        const float *interior[MAX_FAST_ROWS];
        for (int64_t r = 0; r < count; r++) interior[r] = rows[r] + (2 * lo - pad);
        done = max_pool_3wide_s2_avx2(interior, count, hi - lo, out + lo);
    }
    for (int64_t ow = 0; ow < OW; ow++) {
        if (ow == lo) ow += done;
        if (ow >= OW) break;
        out[ow] = max_of_3wide_window(rows, count, 2 * ow - pad, IW);
    }
    return 1;
}
#else
static int max_pool_row_3wide_s2(const pool_geometry *g, const float *plane, int64_t d0, int64_t d_end, int64_t h0,
                                 int64_t h_end, float *out) {
    (void)g, (void)plane, (void)d0, (void)d_end, (void)h0, (void)h_end, (void)out;
    return 0;
}
#endif

/* Max pooling of one output row without indices, vectorised over the row's outputs: every window
 * row (id, ih) and tap kw, in the order max_pool_row visits them per output, updates all the
 * outputs it reaches, so each output sees the same values in the same order (the same result,
 * signed zeros and NaN included). The per-output loop with its data-dependent branch ran at
 * 2 GB/s. The common 3-wide stride-2 window has its own row (max_pool_row_3wide_s2). */
static void max_pool_row_vectorised(const pool_geometry *g, const float *plane, int64_t od, int64_t oh, float *out) {
    const int64_t IH = g->in[1], IW = g->in[2], OW = g->out[2], SW = g->stride[2];
    int64_t d0, d_end, h0, h_end;
    window_rows(g, od, oh, &d0, &d_end, &h0, &h_end);
    if (max_pool_row_3wide_s2(g, plane, d0, d_end, h0, h_end, out)) return;
    int64_t kw_first, kw_end;
    taps_inside(g, &kw_first, &kw_end);
    for (int64_t ow = 0; ow < OW; ow++) out[ow] = -INFINITY;
    for (int64_t id = d0; id < d_end; id += g->dilation[0])
        for (int64_t ih = h0; ih < h_end; ih += g->dilation[1]) {
            const float *row = plane + (id * IH + ih) * IW;
            for (int64_t kw = kw_first; kw < kw_end; kw++) {
                const int64_t offset = kw * g->dilation[2] - g->pad[2]; /* column of output ow: ow * SW + offset */
                int64_t first, end;
                jconv_valid_range(offset, SW, IW, OW, &first, &end);
                max_pass(row, offset, SW, out, first, end);
            }
        }
}

/* Average pooling of one output row, vectorised over the row's outputs like max pooling: every
 * window row and tap adds to all the outputs it reaches, in the order (id, ih, iw) each output's
 * own loop would take, so the sums are the same bits; then each output's divisor. */
static void avg_pool_row(const pool_geometry *g, int count_include_pad, const float *plane, int64_t od, int64_t oh,
                         float *out) {
    const int64_t ID = g->in[0], IH = g->in[1], IW = g->in[2], OW = g->out[2], SW = g->stride[2], PW = g->pad[2];
    /* The window clipped to [-pad, in + pad) gives PyTorch's count_include_pad divisor, then to [0, in). */
    int64_t d0 = od * g->stride[0] - g->pad[0], h0 = oh * g->stride[1] - g->pad[1];
    int64_t d1 = d0 + g->kernel[0], h1 = h0 + g->kernel[1];
    if (d1 > ID + g->pad[0]) d1 = ID + g->pad[0];
    if (h1 > IH + g->pad[1]) h1 = IH + g->pad[1];
    const int64_t padded_dh = (d1 - d0) * (h1 - h0);
    if (d0 < 0) d0 = 0;
    if (h0 < 0) h0 = 0;
    if (d1 > ID) d1 = ID;
    if (h1 > IH) h1 = IH;
    int64_t kw_first, kw_end;
    taps_inside(g, &kw_first, &kw_end);
    for (int64_t ow = 0; ow < OW; ow++) out[ow] = 0.0f;
    for (int64_t id = d0; id < d1; id++)
        for (int64_t ih = h0; ih < h1; ih++) {
            const float *row = plane + (id * IH + ih) * IW;
            for (int64_t kw = kw_first; kw < kw_end; kw++) {
                int64_t first, end;
                jconv_valid_range(kw - PW, SW, IW, OW, &first, &end);
                if (SW == 1) {
                    for (int64_t ow = first; ow < end; ow++) out[ow] += row[ow + kw - PW];
                } else if (SW == 2) {
                    for (int64_t ow = first; ow < end; ow++) out[ow] += row[2 * ow + kw - PW];
                } else {
                    for (int64_t ow = first; ow < end; ow++) out[ow] += row[ow * SW + kw - PW];
                }
            }
        }
    for (int64_t ow = 0; ow < OW; ow++) {
        int64_t w0 = ow * SW - PW;
        int64_t w1 = w0 + g->kernel[2];
        if (w1 > IW + PW) w1 = IW + PW;
        const int64_t padded_count = padded_dh * (w1 - w0);
        if (w0 < 0) w0 = 0;
        if (w1 > IW) w1 = IW;
        if (d0 >= d1 || h0 >= h1 || w0 >= w1) { /* cannot happen with pad <= kernel / 2; PyTorch writes 0 */
            out[ow] = 0.0f;
            continue;
        }
        const int64_t divisor = count_include_pad ? padded_count : (d1 - d0) * (h1 - h0) * (w1 - w0);
        out[ow] = out[ow] / (float)divisor;
    }
}

jconv_status jconv_pool_desc_init(jconv_pool_desc *desc, jconv_pool_kind kind, int spatial_rank) {
    jconv_clear_error();
    if (desc == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "desc is NULL");
    if (spatial_rank < 1 || spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%d must be 1, 2 or 3", spatial_rank);
    jconv_pool_desc d = {0};
    d.spatial_rank = spatial_rank;
    d.kind = kind;
    d.batch = d.channels = 1;
    for (int i = 0; i < JCONV_MAX_SPATIAL_RANK; i++) d.in_size[i] = d.kernel[i] = d.stride[i] = d.dilation[i] = 1;
    d.count_include_pad = 1;
    *desc = d;
    return JCONV_OK;
}

jconv_status jconv_pool_output_size(const jconv_pool_desc *desc, int64_t out_size[JCONV_MAX_SPATIAL_RANK]) {
    jconv_clear_error();
    if (out_size == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "out_size is NULL");
    pool_geometry g;
    jconv_status status = pool_geometry_init(desc, &g);
    if (status != JCONV_OK) return status;
    for (int i = 0; i < (int)desc->spatial_rank; i++) out_size[i] = g.out[3 - desc->spatial_rank + i];
    return JCONV_OK;
}

jconv_status jconv_pool(const jconv_pool_desc *desc, const float *src, float *dst, int64_t *indices) {
    jconv_clear_error();
    pool_geometry g;
    jconv_status status = pool_geometry_init(desc, &g);
    if (status != JCONV_OK) return status;
    if (src == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "src is NULL");
    if (dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "dst is NULL");
    if (indices != NULL && desc->kind != JCONV_POOL_MAX)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "indices are for max pooling only");
    status = jconv_check_no_overlap(src, g.src_elements, dst, g.dst_elements);
    if (status != JCONV_OK) return status;

    const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
    const int64_t in_plane = g.in[0] * g.in[1] * g.in[2];
    const int64_t rows = g.planes * OD * OH;
    const int is_max = desc->kind == JCONV_POOL_MAX, count_include_pad = (int)desc->count_include_pad;
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t oh = row % OH, od = (row / OH) % OD, plane = row / (OH * OD);
        const int64_t out_offset = row * OW;
        if (is_max && indices == NULL)
            max_pool_row_vectorised(&g, src + plane * in_plane, od, oh, dst + out_offset);
        else if (is_max)
            max_pool_row(&g, src + plane * in_plane, od, oh, dst + out_offset, indices + out_offset);
        else
            avg_pool_row(&g, count_include_pad, src + plane * in_plane, od, oh, dst + out_offset);
    }
    return JCONV_OK;
}
