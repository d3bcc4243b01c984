/* Winograd F(2,3), F(4,3), F(6,3): the generated matrices' identity, hand-computed and random shapes
 * (1-D, 2-D, 3-D, padding, groups, batch, several tile blocks, post-ops) against the double
 * reference, the documented error bound on N(0,1) data, non-finite and huge data (routed to the
 * GEMM path, so they propagate as in PyTorch), and the shapes Winograd declines. */
#include "check.h"
#include "conv_reference.h"
#include "jconv.h"
#include "test_main.h"
#include "test_random.h"

#include "../src/conv/winograd_matrices.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const jconv_algorithm variants[3] = {JCONV_ALGO_WINOGRAD_F2X3, JCONV_ALGO_WINOGRAD_F4X3,
                                            JCONV_ALGO_WINOGRAD_F6X3};

/* N(0, 1) by Box-Muller. */
static float *normal_floats(int64_t count) {
    float *values = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; i < count; i++) {
        double u = (uniform_float() + 1.0) / 2.0, v = (uniform_float() + 1.0) / 2.0;
        if (u < 1e-300) u = 1e-300;
        values[i] = (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
    }
    return values;
}

/* ------------------------------------------------------------ the matrices ---------------------- */

/* y = A^T [(G g) . (B^T d)] must equal the correlation y_i = sum_k d[i+k] g[k], for random d, g. */
static void check_identity(int m, const double *at, const double *g, const double *bt) {
    const int n = m + 2;
    for (int trial = 0; trial < 100; trial++) {
        double d[8], k[3], u[8], v[8], worst = 0.0;
        for (int i = 0; i < n; i++) d[i] = uniform_float();
        for (int i = 0; i < 3; i++) k[i] = uniform_float();
        for (int j = 0; j < n; j++) {
            u[j] = v[j] = 0.0;
            for (int i = 0; i < 3; i++) u[j] += g[j * 3 + i] * k[i];
            for (int i = 0; i < n; i++) v[j] += bt[j * n + i] * d[i];
        }
        for (int i = 0; i < m; i++) {
            double y = 0.0, want = 0.0;
            for (int j = 0; j < n; j++) y += at[i * n + j] * u[j] * v[j];
            for (int t = 0; t < 3; t++) want += d[i + t] * k[t];
            if (fabs(y - want) > worst) worst = fabs(y - want);
        }
        CHECK(worst < 1e-12, "F(%d,3) identity off by %g", m, worst);
    }
}

static void test_matrices(void) {
    check_identity(2, &winograd_f2_at[0][0], &winograd_f2_g[0][0], &winograd_f2_bt[0][0]);
    check_identity(4, &winograd_f4_at[0][0], &winograd_f4_g[0][0], &winograd_f4_bt[0][0]);
    check_identity(6, &winograd_f6_at[0][0], &winograd_f6_g[0][0], &winograd_f6_bt[0][0]);
}

/* ------------------------------------------------------------ hand-computed --------------------- */

/* 4x4 input 1..16, a 3x3 kernel of ones, padding 1: every output is the sum of its 3x3
 * neighbourhood. F(2,3)'s constants are halves and integers, so on these integers it is exact. */
static void test_hand_computed(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_size[0] = d.in_size[1] = 4;
    d.kernel[0] = d.kernel[1] = 3;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    float x[16], w[9], y[16];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    for (int i = 0; i < 9; i++) w[i] = 1.0f;
    static const float want[16] = {14, 24, 30, 22, 33, 54, 63, 45, 57, 90, 99, 69, 46, 72, 78, 54};
    for (int v = 0; v < 3; v++) {
        CHECK(jconv_conv(&d, x, w, NULL, variants[v], NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
        double worst = 0.0;
        for (int i = 0; i < 16; i++) worst = fmax(worst, fabs(y[i] - want[i]));
        CHECK(v == 0 ? worst == 0.0 : worst < 1e-4, "%s: hand-computed case off by %g",
              jconv_algorithm_name(variants[v]), worst);
    }
}

/* 1-D input 1..9, kernel of ones with dilation 2, padding 2: y[o] = x[o - 2] + x[o] + x[o + 2]
 * (zeros outside): integers every tile computes exactly, on the input's dilation phases. */
static void test_hand_computed_dilated(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 1);
    d.in_size[0] = 9;
    d.kernel[0] = 3;
    d.dilation[0] = 2;
    d.pad_begin[0] = d.pad_end[0] = 2;
    float x[9], w[3] = {1, 1, 1}, y[9];
    for (int i = 0; i < 9; i++) x[i] = (float)(i + 1);
    static const float want[9] = {4, 6, 9, 12, 15, 18, 21, 14, 16};
    for (int v = 0; v < 3; v++) {
        CHECK(jconv_conv(&d, x, w, NULL, variants[v], NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
        double worst = 0.0;
        for (int i = 0; i < 9; i++) worst = fmax(worst, fabs(y[i] - want[i]));
        CHECK(worst < 1e-4, "%s: dilated hand-computed case off by %g", jconv_algorithm_name(variants[v]), worst);
    }
}

/* A dilation far beyond the output (3-D, 1000 in each dim, 3 outputs along W): only the phases
 * with an output are made, not 10^9 of them; against the reference. */
static void test_huge_dilation(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 3);
    d.in_channels = 2, d.out_channels = 3;
    for (int i = 0; i < 3; i++) {
        d.in_size[i] = i == 2 ? 3 : 1;
        d.kernel[i] = 3;
        d.dilation[i] = 1000;
        d.pad_begin[i] = d.pad_end[i] = 1000;
    }
    int64_t out[3];
    CHECK(jconv_conv_output_size(&d, out) == JCONV_OK && out[0] == 1 && out[2] == 3, "%s", jconv_last_error());
    const int64_t nd = conv_dst_count(&d, out);
    float *x = random_floats(conv_src_count(&d)), *w = random_floats(conv_weight_count(&d)), y[3 * 3];
    double ref[3 * 3];
    conv_reference(&d, out, x, w, NULL, ref);
    for (int v = 0; v < 3; v++) {
        CHECK(jconv_conv(&d, x, w, NULL, variants[v], NULL, NULL, y) == JCONV_OK, "%s: %s",
              jconv_algorithm_name(variants[v]), jconv_last_error());
        for (int64_t i = 0; i < nd; i++)
            CHECK(fabs(y[i] - ref[i]) < 1e-5, "%s: huge dilation, output %lld off by %g", jconv_algorithm_name(variants[v]),
                  (long long)i, fabs(y[i] - ref[i]));
    }
    free(x), free(w);
}

/* A dilated layer with the residual in dst itself (the copy back reads each residual element before
 * it writes it): the same bits as with the residual apart. */
static void test_dilated_residual_in_place(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.batch = 2, d.in_channels = 5, d.out_channels = 7;
    d.in_size[0] = 13, d.in_size[1] = 22;
    d.kernel[0] = d.kernel[1] = 3;
    d.dilation[0] = 3, d.dilation[1] = 2;
    d.pad_begin[0] = 3, d.pad_end[0] = 1, d.pad_begin[1] = d.pad_end[1] = 2;
    int64_t out[3];
    CHECK(jconv_conv_output_size(&d, out) == JCONV_OK, "%s", jconv_last_error());
    const int64_t nd = conv_dst_count(&d, out);
    float *x = random_floats(conv_src_count(&d)), *w = random_floats(conv_weight_count(&d));
    float *b = random_floats(d.out_channels), *res = random_floats(nd);
    float *apart = malloc((size_t)nd * sizeof(float)), *in_place = malloc((size_t)nd * sizeof(float));
    const jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
    for (int v = 0; v < 3; v++) {
        memcpy(in_place, res, (size_t)nd * sizeof(float));
        CHECK(jconv_conv(&d, x, w, b, variants[v], &relu, res, apart) == JCONV_OK &&
                  jconv_conv(&d, x, w, b, variants[v], &relu, in_place, in_place) == JCONV_OK,
              "%s", jconv_last_error());
        CHECK(memcmp(apart, in_place, (size_t)nd * sizeof(float)) == 0, "%s: residual in dst differs",
              jconv_algorithm_name(variants[v]));
    }
    free(x), free(w), free(b), free(res), free(apart), free(in_place);
}

/* ------------------------------------------------------------ random shapes --------------------- */

static void winograd_desc(jconv_conv_desc *d) {
    int rank = (int)uniform_int(1, 3);
    jconv_conv_desc_init(d, rank);
    static const int64_t max_in[3] = {60, 20, 9};
    d->batch = uniform_int(1, 3);
    d->groups = uniform_int(0, 2) == 0 ? uniform_int(2, 3) : 1;
    d->in_channels = d->groups * uniform_int(1, 9);
    d->out_channels = d->groups * uniform_int(1, 9);
    int threes = 0;
    for (int i = 0; i < rank; i++) {
        d->kernel[i] = uniform_int(0, 4) == 0 ? 1 : 3; /* a 1-tap dim now and then: no transform there */
        threes += d->kernel[i] == 3;
        d->pad_begin[i] = uniform_int(0, 3);
        d->pad_end[i] = uniform_int(0, 2) == 0 ? uniform_int(0, 3) : d->pad_begin[i];
        /* a dilated 3-tap dim now and then: tiled over the input's phases (dilation_phases.c) */
        d->dilation[i] = d->kernel[i] == 1 ? uniform_int(1, 2) : uniform_int(0, 2) == 0 ? uniform_int(2, 4) : 1;
        const int64_t reach = d->kernel[i] == 3 ? 2 * d->dilation[i] + 1 : 1; /* the kernel's extent */
        d->in_size[i] = uniform_int(1, max_in[rank - 1]);
        if (d->in_size[i] + d->pad_begin[i] + d->pad_end[i] < reach) d->in_size[i] = reach;
    }
    if (threes == 0) d->kernel[rank - 1] = 3, d->dilation[rank - 1] = 1, d->in_size[rank - 1] += 2;
}

/* Runs every variant on d against the reference; the tolerance is the sum's own rounding plus
 * the plan's bound relative to the largest output magnitude (sum |w x|). */
static void check_shape(const jconv_conv_desc *d, int c) {
    int64_t out[3];
    CHECK(jconv_conv_output_size(d, out) == JCONV_OK, "case %d: %s", c, jconv_last_error());
    const int64_t ns = conv_src_count(d), nw = conv_weight_count(d), nd = conv_dst_count(d, out);
    float *x = random_floats(ns), *w = random_floats(nw), *b = random_floats(d->out_channels), *res = random_floats(nd);
    float *ax = malloc((size_t)ns * sizeof(float)), *aw = malloc((size_t)nw * sizeof(float));
    double *ref = malloc((size_t)nd * sizeof(double)), *mag = malloc((size_t)nd * sizeof(double));
    float *y = malloc((size_t)nd * sizeof(float));
    for (int64_t i = 0; i < ns; i++) ax[i] = fabsf(x[i]);
    for (int64_t i = 0; i < nw; i++) aw[i] = fabsf(w[i]);
    const int with_bias = (int)uniform_int(0, 1), with_residual = uniform_int(0, 3) == 0;
    conv_reference(d, out, x, w, with_bias ? b : NULL, ref);
    conv_reference(d, out, ax, aw, NULL, mag);
    double max_mag = 0.0;
    for (int64_t i = 0; i < nd; i++) max_mag = fmax(max_mag, mag[i]);
    const int64_t taps = nw / d->out_channels, plane = nd / d->batch / d->out_channels;
    jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
    for (int v = 0; v < 3; v++) {
        const int with_relu = (int)uniform_int(0, 1);
        jconv_conv_plan *plan = NULL;
        jconv_status status = jconv_conv_plan_create(d, w, with_bias ? b : NULL, variants[v], with_relu ? &relu : NULL, &plan);
        CHECK(status == JCONV_OK, "case %d %s: %s", c, jconv_algorithm_name(variants[v]), jconv_last_error());
        if (status != JCONV_OK) continue;
        for (int64_t i = 0; i < nd; i++) y[i] = NAN;
        CHECK(jconv_conv_plan_execute(plan, x, with_residual ? res : NULL, y) == JCONV_OK, "%s", jconv_last_error());
        const double bound = jconv_conv_plan_error_bound(plan);
        int64_t bad = -1;
        double err = 0;
        for (int64_t i = 0; i < nd && bad < 0; i++) {
            double want = ref[i] + (with_residual ? res[i] : 0.0);
            if (with_relu && want < 0) want = 0;
            const double scale = mag[i] + (with_bias ? fabs(b[i / plane % d->out_channels]) : 0) +
                                 (with_residual ? fabs(res[i]) : 0);
            const double tolerance = (double)(taps + 3) * FLT_EPSILON * scale + bound * max_mag + 1e-30;
            err = fabs(y[i] - want);
            if (!(err <= tolerance)) bad = i;
        }
        CHECK(bad < 0, "case %d rank %d N=%lld IC=%lld OC=%lld g=%lld in %lldx%lldx%lld k %lldx%lldx%lld dil %lldx%lldx%lld pad %lld-%lld "
              "%s bias=%d residual=%d relu=%d: output %lld off by %g",
              c, (int)d->spatial_rank, (long long)d->batch, (long long)d->in_channels, (long long)d->out_channels,
              (long long)d->groups, (long long)d->in_size[0], (long long)d->in_size[1], (long long)d->in_size[2],
              (long long)d->kernel[0], (long long)d->kernel[1], (long long)d->kernel[2], (long long)d->dilation[0],
              (long long)d->dilation[1], (long long)d->dilation[2], (long long)d->pad_begin[0],
              (long long)d->pad_end[0], jconv_algorithm_name(variants[v]), with_bias, with_residual, with_relu,
              (long long)bad, err);
        jconv_conv_plan_destroy(plan);
    }
    free(x), free(w), free(b), free(res), free(ax), free(aw), free(ref), free(mag), free(y);
}

static void test_random_shapes(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        winograd_desc(&d);
        check_shape(&d, c);
    }
    /* Many tiles: several tile blocks per call and a partial last block and lane group. */
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.batch = 2, d.in_channels = 4, d.out_channels = 5;
    d.in_size[0] = 70, d.in_size[1] = 69;
    d.kernel[0] = d.kernel[1] = 3;
    d.pad_begin[0] = d.pad_end[0] = d.pad_begin[1] = 1;
    check_shape(&d, -1);
}

/* ------------------------------------------------------------ accuracy -------------------------- */

/* max |y - y_ref| / max |y_ref| on N(0,1) inputs and weights with 512 input channels, per variant and
 * rank: it must stay within the bound the plan reports (and documents in native/docs/WINOGRAD.md). */
static void test_accuracy(void) {
    static const int64_t sizes[3][3] = {{1, 1, 96}, {1, 18, 18}, {7, 7, 7}};
    for (int rank = 1; rank <= 3; rank++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, rank);
        d.in_channels = 512, d.out_channels = rank == 3 ? 4 : 8;
        for (int i = 0; i < rank; i++) {
            d.in_size[i] = sizes[rank - 1][3 - rank + i];
            d.kernel[i] = 3;
            d.pad_begin[i] = d.pad_end[i] = 1;
        }
        int64_t out[3];
        jconv_conv_output_size(&d, out);
        const int64_t ns = conv_src_count(&d), nw = conv_weight_count(&d), nd = conv_dst_count(&d, out);
        float *x = normal_floats(ns), *w = normal_floats(nw), *y = malloc((size_t)nd * sizeof(float));
        double *ref = malloc((size_t)nd * sizeof(double)), max_ref = 0.0;
        conv_reference(&d, out, x, w, NULL, ref);
        /* comparisons, not fmax: aarch64 gcc 12 -O3 crashes vectorising this fmax reduction (an
         * internal compiler error); both skip NaN */
        for (int64_t i = 0; i < nd; i++)
            if (fabs(ref[i]) > max_ref) max_ref = fabs(ref[i]);
        for (int a = JCONV_ALGO_IM2COL; a <= JCONV_ALGO_WINOGRAD_F6X3; a++) {
            jconv_conv_plan *plan = NULL;
            CHECK(jconv_conv_plan_create(&d, w, NULL, (jconv_algorithm)a, NULL, &plan) == JCONV_OK, "%s", jconv_last_error());
            CHECK(jconv_conv_plan_execute(plan, x, NULL, y) == JCONV_OK, "%s", jconv_last_error());
            double err = 0.0;
            for (int64_t i = 0; i < nd; i++)
                if (fabs(y[i] - ref[i]) > err) err = fabs(y[i] - ref[i]);
            err /= max_ref;
            const double bound = jconv_conv_plan_error_bound(plan);
            printf("accuracy %dd %-14s IC 512: max|y - ref| / max|ref| = %.2e (bound %.0e)\n", rank,
                   jconv_algorithm_name((jconv_algorithm)a), err, bound);
            CHECK(err <= bound, "%dd %s: error %.3g above its bound %.3g", rank, jconv_algorithm_name((jconv_algorithm)a),
                  err, bound);
            jconv_conv_plan_destroy(plan);
        }
        free(x), free(w), free(y), free(ref);
    }
}

/* ------------------------------------------------------------ non-finite and huge data ---------- */

/* inf, NaN and values large enough to overflow the transforms give exactly the GEMM path's result. */
static void test_non_finite(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_channels = 3, d.out_channels = 4;
    d.in_size[0] = 9, d.in_size[1] = 11;
    d.kernel[0] = d.kernel[1] = 3;
    d.pad_begin[0] = d.pad_end[0] = d.pad_begin[1] = d.pad_end[1] = 1;
    const int64_t ns = conv_src_count(&d), nw = conv_weight_count(&d), nd = 4 * 9 * 11;
    float *x = random_floats(ns), *w = random_floats(nw), *want = malloc((size_t)nd * sizeof(float));
    float *y = malloc((size_t)nd * sizeof(float));
    static const float specials[4] = {INFINITY, -INFINITY, NAN, 3e37f};
    for (int s = 0; s < 8; s++) {
        float *target = s < 4 ? x : w;
        const int64_t at = s < 4 ? 40 : 7;
        const float saved = target[at];
        target[at] = specials[s % 4];
        CHECK(jconv_conv(&d, x, w, NULL, JCONV_ALGO_IM2COL, NULL, NULL, want) == JCONV_OK, "%s", jconv_last_error());
        for (int v = 0; v < 3; v++) {
            CHECK(jconv_conv(&d, x, w, NULL, variants[v], NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
            CHECK(memcmp(y, want, (size_t)nd * sizeof(float)) == 0, "%s with %g in the %s: not the GEMM path's result",
                  jconv_algorithm_name(variants[v]), (double)specials[s % 4], s < 4 ? "input" : "weights");
        }
        target[at] = saved;
    }
    /* huge weights on an all-zero input: U would overflow to inf and 0 * inf give NaN; the GEMM
     * path gives the exact zeros */
    float *zeros = calloc((size_t)ns, sizeof(float));
    w[7] = 3e38f;
    for (int v = 0; v < 3; v++) {
        CHECK(jconv_conv(&d, zeros, w, NULL, variants[v], NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
        int all_zero = 1;
        for (int64_t i = 0; i < nd; i++) all_zero = all_zero && y[i] == 0.0f;
        CHECK(all_zero, "%s: huge weights on zeros are not all zeros", jconv_algorithm_name(variants[v]));
    }
    free(zeros);
    free(x), free(w), free(want), free(y);
}

/* ------------------------------------------------------------ declined shapes ------------------- */

static void expect_declined(const jconv_conv_desc *d, const char *what) {
    float w[256] = {0};
    for (int v = 0; v < 3; v++) {
        jconv_conv_plan *plan = (jconv_conv_plan *)1;
        jconv_status status = jconv_conv_plan_create(d, w, NULL, variants[v], NULL, &plan);
        CHECK(status == JCONV_UNSUPPORTED && plan == NULL && strstr(jconv_last_error(), jconv_algorithm_name(variants[v])) &&
                  strstr(jconv_last_error(), "stride 1"),
              "%s forced on %s: %s", jconv_algorithm_name(variants[v]), what, jconv_last_error());
    }
    /* auto still runs it */
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(d, w, NULL, JCONV_ALGO_AUTO, NULL, &plan) == JCONV_OK &&
              strncmp(jconv_conv_plan_algorithm_name(plan), "winograd", 8) != 0,
          "auto on %s", what);
    jconv_conv_plan_destroy(plan);
}

/* auto's choice on shapes the cost models were calibrated on (conv_winograd.c, direct_blocked.c): a
 * dilated 3x3 layer takes F(4,3) over its phases; a 1-D one with dilation 4, whose copies cost
 * more than the tiles save, takes the blocked direct path where there is one (AVX-512), else
 * im2col; a 1024-channel layer, whose U (64 MiB in F(2,3)) is re-read by every tile block and
 * whose blocked weights would stream from L3, im2col; 512 channels on 7x7 (16 MiB of U read for
 * 16 tiles) direct where there is the blocked path, else F(2,3) (im2col's tiles cover 64 of its
 * 49 columns); a stride-2 3x3 direct; 256 channels on 14x14 F(4,3). */
static void expect_auto(int rank, int64_t channels, int64_t size, int64_t dilation, int64_t stride, const char *want) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, rank);
    d.in_channels = d.out_channels = channels;
    for (int i = 0; i < rank; i++) {
        d.in_size[i] = size;
        d.kernel[i] = 3;
        d.stride[i] = stride;
        d.dilation[i] = dilation;
        d.pad_begin[i] = d.pad_end[i] = dilation;
    }
    const int64_t nw = conv_weight_count(&d);
    float *w = calloc((size_t)nw, sizeof(float));
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_AUTO, NULL, &plan) == JCONV_OK, "%s", jconv_last_error());
    if (plan != NULL)
        CHECK(strcmp(jconv_conv_plan_algorithm_name(plan), want) == 0, "auto on %lld channels, %lld-D size %lld, dilation "
              "%lld: %s, expected %s", (long long)channels, (long long)rank, (long long)size, (long long)dilation,
              jconv_conv_plan_algorithm_name(plan), want);
    jconv_conv_plan_destroy(plan);
    free(w);
}

static void test_auto_choices(void) {
    if (getenv("JCONV_CACHE") != NULL) return; /* the models read the cache sizes: these are this machine's */
    const int blocked = strcmp(jconv_isa(), "avx512") == 0;
    expect_auto(2, 256, 28, 2, 1, "winograd-f4x3");                    /* dl3_atrous */
    expect_auto(1, 256, 4096, 4, 1, blocked ? "direct" : "im2col");    /* tcn_1d */
    expect_auto(2, 1024, 14, 1, 1, "im2col");
    expect_auto(2, 512, 7, 1, 1, blocked ? "direct" : "winograd-f2x3"); /* r50_s5_3x3 */
    expect_auto(2, 128, 56, 1, 2, blocked ? "direct" : "im2col");      /* r50_s3_3x3s2 */
    expect_auto(2, 256, 14, 1, 1, "winograd-f4x3");                    /* r50_s4_3x3 */
}

static void test_declined(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_channels = 2, d.out_channels = 2;
    d.in_size[0] = d.in_size[1] = 8;
    d.kernel[0] = d.kernel[1] = 3;
    d.stride[1] = 2;
    expect_declined(&d, "stride 2");
    d.stride[1] = 1, d.kernel[0] = 5;
    expect_declined(&d, "a 5x3 kernel");
    d.kernel[0] = d.kernel[1] = 1;
    expect_declined(&d, "a 1x1 kernel");
    jconv_conv_transpose_desc t;
    jconv_conv_transpose_desc_init(&t, 2);
    t.in_channels = t.out_channels = 2;
    t.in_size[0] = t.in_size[1] = 5;
    t.kernel[0] = t.kernel[1] = 3;
    float w[36] = {0};
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_transpose_plan_create(&t, w, NULL, JCONV_ALGO_WINOGRAD_F4X3, NULL, &plan) == JCONV_UNSUPPORTED &&
              strstr(jconv_last_error(), "not transposed"),
          "transposed: %s", jconv_last_error());
}

int main(int argc, char **argv) {
    int cases = 200;
    if (test_setup(argc, argv, &cases) != 0) return 1;
    test_matrices();
    test_hand_computed();
    test_hand_computed_dilated();
    test_dilated_residual_in_place();
    test_huge_dilation();
    test_random_shapes(cases);
    test_accuracy();
    test_non_finite();
    test_auto_choices();
    test_declined();
    return test_finish();
}
