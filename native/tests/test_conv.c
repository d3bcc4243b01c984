/* C tests of the convolution API: hand-computed cases, seeded random shapes against the double
 * reference (every parameter, every rank), bad input, and memory returning to zero.
 * Usage: test_conv [--threads N] [--cases N] [--seed S]. JCONV_ISA selects the ISA path. */
#include "check.h"
#include "conv_reference.h"
#include "test_main.h"
#include "test_random.h"
#include "jconv.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* ------------------------------------------------------------ helpers ---------------------------- */

static void describe(const jconv_conv_desc *d, char *text, size_t size) {
    int len = snprintf(text, size, "rank=%lld N=%lld IC=%lld OC=%lld groups=%lld", (long long)d->spatial_rank,
                       (long long)d->batch, (long long)d->in_channels, (long long)d->out_channels, (long long)d->groups);
    for (int i = 0; i < (int)d->spatial_rank && len > 0 && (size_t)len < size; i++)
        len += snprintf(text + len, size - (size_t)len, " [in=%lld k=%lld s=%lld p=%lld/%lld d=%lld]",
                        (long long)d->in_size[i], (long long)d->kernel[i], (long long)d->stride[i],
                        (long long)d->pad_begin[i], (long long)d->pad_end[i], (long long)d->dilation[i]);
}

static float activate(const jconv_post_ops *post_ops, double v) {
    float f = (float)v;
    if (post_ops->activation == JCONV_ACTIVATION_RELU) return f < 0 ? 0.0f : f;
    if (post_ops->activation == JCONV_ACTIVATION_CLAMP) return fminf(fmaxf(f, post_ops->clamp_min), post_ops->clamp_max);
    return f;
}

/* ------------------------------------------------------------ hand-computed cases ---------------- */

static void run_1d(const float *x, int64_t n, const float *w, int64_t k, int64_t stride, float *y, int64_t *out) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 1);
    d.in_size[0] = n;
    d.kernel[0] = k;
    d.stride[0] = stride;
    CHECK(jconv_conv_output_size(&d, out) == JCONV_OK, "%s", jconv_last_error());
    CHECK(jconv_conv(&d, x, w, NULL, JCONV_ALGO_AUTO, NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
}

static void test_row_of_five(void) {
    /* y[i] = x[s*i] + 2 x[s*i + 1] over the row 1 2 3 4 5 */
    const float x[5] = {1, 2, 3, 4, 5}, w[2] = {1, 2};
    float y[4] = {0};
    int64_t out;
    run_1d(x, 5, w, 2, 1, y, &out);
    CHECK(out == 4 && y[0] == 5 && y[1] == 8 && y[2] == 11 && y[3] == 14, "stride 1: %lld outputs", (long long)out);
    run_1d(x, 5, w, 2, 3, y, &out);
    CHECK(out == 2 && y[0] == 5 && y[1] == 14, "stride 3: %lld outputs", (long long)out);
    run_1d(x, 5, w, 2, 4, y, &out);
    CHECK(out == 1 && y[0] == 5, "stride 4: %lld outputs", (long long)out);
}

static void test_eight_filters(void) {
    /* 8x7x7 input of ones, 8 filters 8x3x3 of ones: 8x5x5 outputs, each 8*9 = 72. */
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_channels = d.out_channels = 8;
    d.in_size[0] = d.in_size[1] = 7;
    d.kernel[0] = d.kernel[1] = 3;
    int64_t out[3];
    CHECK(jconv_conv_output_size(&d, out) == JCONV_OK && out[0] == 5 && out[1] == 5, "output %lldx%lld",
          (long long)out[0], (long long)out[1]);
    float x[8 * 49], w[8 * 8 * 9], y[8 * 25];
    for (int i = 0; i < 8 * 49; i++) x[i] = 1;
    for (int i = 0; i < 8 * 72; i++) w[i] = 1;
    CHECK(jconv_conv(&d, x, w, NULL, JCONV_ALGO_DIRECT, NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    int all = 1;
    for (int i = 0; i < 8 * 25; i++) all &= y[i] == 72.0f;
    CHECK(all, "every output is 72");
}

static void test_padding_dilation_bias_relu(void) {
    /* x = 1..9 in 3x3; kernel [[1, 0], [0, -1]] dilated by 2 spans 3x3: with pad 1 on each side the
     * output is 3x3 and y[i][j] = x[i-1][j-1] - x[i+1][j+1] (padding zeros), then + bias 0.5, ReLU. */
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_size[0] = d.in_size[1] = 3;
    d.kernel[0] = d.kernel[1] = 2;
    d.dilation[0] = d.dilation[1] = 2;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, -1}, bias = 0.5f;
    /* x[i-1][j-1] - x[i+1][j+1] for i, j in 0..2: */
    const float expected_raw[9] = {-5, -6, 0, -8, -8, 2, 0, 4, 5};
    float y[9];
    jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
    CHECK(jconv_conv(&d, x, w, &bias, JCONV_ALGO_AUTO, &relu, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    int all = 1;
    for (int i = 0; i < 9; i++) all &= y[i] == fmaxf(expected_raw[i] + bias, 0.0f);
    CHECK(all, "dilated, padded 2x2 kernel with bias and ReLU");
}

static void test_asymmetric_padding(void) {
    /* 1-D x = 1 2 3, k = 1 1 1, pad begin 2 end 0: windows [0 0 1] [0 1 2] [1 2 3] -> 1 3 6 */
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 1);
    d.in_size[0] = 3;
    d.kernel[0] = 3;
    d.pad_begin[0] = 2;
    const float x[3] = {1, 2, 3}, w[3] = {1, 1, 1};
    float y[3];
    int64_t out[3];
    CHECK(jconv_conv_output_size(&d, out) == JCONV_OK && out[0] == 3, "output %lld", (long long)out[0]);
    CHECK(jconv_conv(&d, x, w, NULL, JCONV_ALGO_AUTO, NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    CHECK(y[0] == 1 && y[1] == 3 && y[2] == 6, "got %g %g %g", y[0], y[1], y[2]);
}

/* ------------------------------------------------------------ random shapes vs reference -------- */

static void random_desc(jconv_conv_desc *d) {
    for (;;) {
        int rank = (int)uniform_int(1, 3);
        jconv_conv_desc_init(d, rank);
        static const int64_t max_in[3] = {40, 13, 7};
        d->batch = uniform_int(1, 3);
        int64_t kind = uniform_int(0, 5);
        d->groups = kind <= 2 ? 1 : kind == 3 ? uniform_int(2, 3) : uniform_int(1, 6);
        d->in_channels = d->groups * uniform_int(1, 4);
        d->out_channels = d->groups * uniform_int(1, 4);
        if (kind == 5) d->in_channels = d->out_channels = d->groups; /* depthwise */
        for (int i = 0; i < rank; i++) {
            d->in_size[i] = uniform_int(1, max_in[rank - 1]);
            d->kernel[i] = uniform_int(1, rank == 3 ? 3 : 5);
            d->stride[i] = uniform_int(1, 3);
            d->dilation[i] = uniform_int(0, 3) == 0 ? uniform_int(2, 3) : 1;
            d->pad_begin[i] = uniform_int(0, 3);
            d->pad_end[i] = uniform_int(0, 2) == 0 ? uniform_int(0, 3) : d->pad_begin[i];
        }
        int64_t out[3];
        if (jconv_conv_output_size(d, out) == JCONV_OK) return;
    }
}

/* Every algorithm this build has for the shape, with random data, bias, residual and post-ops,
 * against the reference (c numbers the case in messages). */
static void check_every_algorithm(const jconv_conv_desc *d_in, int c) {
    const jconv_conv_desc d = *d_in;
    int64_t out[3];
    jconv_conv_output_size(&d, out);
    const int64_t ns = conv_src_count(&d), nw = conv_weight_count(&d), nd = conv_dst_count(&d, out);
    float *x = random_floats(ns), *w = random_floats(nw), *b = random_floats(d.out_channels);
    float *residual = random_floats(nd);
    const int with_bias = (int)uniform_int(0, 1), with_residual = uniform_int(0, 3) == 0;
    jconv_post_ops post_ops = {(int32_t)uniform_int(0, 2), -0.5f, 0.75f, 0};

    /* The reference and its magnitude: the same sum over |x| |w| bounds the rounding error. */
    double *ref = malloc((size_t)nd * sizeof(double)), *magnitude = malloc((size_t)nd * sizeof(double));
    float *ax = malloc((size_t)ns * sizeof(float)), *aw = malloc((size_t)nw * sizeof(float));
    for (int64_t i = 0; i < ns; i++) ax[i] = fabsf(x[i]);
    for (int64_t i = 0; i < nw; i++) aw[i] = fabsf(w[i]);
    conv_reference(&d, out, x, w, with_bias ? b : NULL, ref);
    conv_reference(&d, out, ax, aw, NULL, magnitude);
    const int64_t taps = conv_weight_count(&d) / d.out_channels;

    float *y = malloc((size_t)nd * sizeof(float));
    char text[512];
    describe(&d, text, sizeof text);
    /* Every algorithm this build has for the shape, against the same reference. */
    for (int a = JCONV_ALGO_DIRECT; a <= JCONV_ALGO_DEPTHWISE; a++) {
        if (!jconv_algorithm_available((jconv_algorithm)a)) continue;
        for (int64_t i = 0; i < nd; i++) y[i] = NAN; /* garbage: every output must be written */
        jconv_conv_plan *plan = NULL;
        jconv_status status = jconv_conv_plan_create(&d, w, with_bias ? b : NULL, (jconv_algorithm)a, &post_ops, &plan);
        if (status == JCONV_UNSUPPORTED) continue; /* the algorithm declines this shape */
        CHECK(status == JCONV_OK, "case %d %s: %s", c, text, jconv_last_error());
        if (status != JCONV_OK) continue;
        CHECK(jconv_conv_plan_execute(plan, x, with_residual ? residual : NULL, y) == JCONV_OK, "%s",
              jconv_last_error());
        /* Winograd's transforms add error relative to the output's scale (test_winograd holds its
         * bound); the other algorithms keep the per-output dot-product bound. */
        double winograd_slack = 0.0;
        if (strncmp(jconv_algorithm_name((jconv_algorithm)a), "winograd", 8) == 0)
            for (int64_t i = 0; i < nd; i++)
                winograd_slack = fmax(winograd_slack, jconv_conv_plan_error_bound(plan) * magnitude[i]);
        int64_t bad = -1;
        for (int64_t i = 0; i < nd && bad < 0; i++) {
            double expected = ref[i] + (with_residual ? residual[i] : 0.0);
            double scale = magnitude[i] +
                           (with_bias ? fabs(b[i / (nd / d.batch / d.out_channels) % d.out_channels]) : 0) +
                           (with_residual ? fabs(residual[i]) : 0);
            double tolerance = (double)(taps + 3) * FLT_EPSILON * scale + winograd_slack + 1e-30;
            float want = activate(&post_ops, expected);
            /* The activation is 1-Lipschitz, so the bound carries through it. */
            if (!(fabs((double)y[i] - (double)want) <= tolerance)) bad = i;
        }
        CHECK(bad < 0, "case %d %s algo=%s post=%d bias=%d residual=%d: output %lld differs", c, text,
              jconv_algorithm_name((jconv_algorithm)a), (int)post_ops.activation, with_bias, with_residual,
              (long long)bad);
        /* Execute is deterministic: a second run gives the same bits. */
        float *again = malloc((size_t)nd * sizeof(float));
        jconv_conv_plan_execute(plan, x, with_residual ? residual : NULL, again);
        CHECK(memcmp(again, y, (size_t)nd * sizeof(float)) == 0, "case %d: repeat differs", c);
        free(again);
        jconv_conv_plan_destroy(plan);
    }
    free(x), free(w), free(b), free(residual), free(ref), free(magnitude), free(ax), free(aw), free(y);
}

static void test_random_shapes(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        random_desc(&d);
        check_every_algorithm(&d, c);
    }
}

/* The direct algorithm's channel-blocked path (AVX-512, direct_blocked.h) on what the small random
 * shapes (at most 4 channels a group: the loops) miss: 8-40 input and 8-70 output channels a group,
 * so that 16-channel blocks and 32-channel tiles are whole, partial or both; rows of 1-40 pixels
 * (every tile width, 1-14, at strides 1, 2 and 3), dilation, asymmetric padding, 1-D to 3-D,
 * groups and batch. With JCONV_CACHE=2K,16K the bands are a row or a tile. */
static void test_direct_blocked_shapes(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        for (;;) {
            const int rank = (int)uniform_int(1, 3);
            static const int64_t max_in[3] = {60, 16, 6};
            jconv_conv_desc_init(&d, rank);
            d.batch = uniform_int(1, 2);
            d.groups = uniform_int(0, 2) == 0 ? 2 : 1;
            d.in_channels = d.groups * uniform_int(8, 40);
            d.out_channels = d.groups * uniform_int(8, 70);
            for (int i = 0; i < rank; i++) {
                d.in_size[i] = uniform_int(1, max_in[rank - 1]);
                d.kernel[i] = uniform_int(1, rank == 3 ? 3 : 5);
                d.stride[i] = uniform_int(1, 3);
                d.dilation[i] = uniform_int(0, 3) == 0 ? uniform_int(2, 3) : 1;
                d.pad_begin[i] = uniform_int(0, 3);
                d.pad_end[i] = uniform_int(0, 2) == 0 ? uniform_int(0, 3) : d.pad_begin[i];
            }
            int64_t out[3];
            if (jconv_conv_output_size(&d, out) == JCONV_OK) break;
        }
        check_every_algorithm(&d, 2000 + c);
    }
}

/* The blocked path's in-place form: 1x1 kernels at stride 1 without padding, 16-64 input channels a
 * group (whole blocks, read where they lie), 8-70 output channels, planes of 1-700 pixels (tiles
 * of 1-14 and a plane's last), 1-D to 3-D, groups and batch; and two with weights past half of L2
 * (with JCONV_CACHE=2K,16K, all of them). */
static void test_direct_in_place_shapes(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        const int rank = 1 + c % 3;
        static const int64_t max_in[3] = {700, 26, 9};
        jconv_conv_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = uniform_int(0, 2) == 0 ? 2 : 1;
        d.in_channels = d.groups * 16 * uniform_int(1, 4);
        d.out_channels = d.groups * uniform_int(8, 70);
        for (int i = 0; i < rank; i++) d.in_size[i] = uniform_int(1, max_in[rank - 1]);
        check_every_algorithm(&d, 3000 + c);
    }
    /* planes of whole 16-pixel vectors, or nearly (945 and 1-2 fewer pixels), with 16-128 input
     * channels a group: the pointwise tiles, ending in 1, 2 or 3 vectors, rows of 8 channels cut
     * short */
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        const int rank = 1 + c % 2;
        jconv_conv_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = uniform_int(0, 2) == 0 ? 2 : 1;
        d.in_channels = d.groups * 16 * uniform_int(1, 8);
        d.out_channels = d.groups * uniform_int(1, 70);
        if (rank == 1) d.in_size[0] = c % 4 == 3 ? 945 + uniform_int(0, 2) : 16 * uniform_int(1, 40);
        else d.in_size[0] = uniform_int(1, 6), d.in_size[1] = 16 * uniform_int(1, 7);
        check_every_algorithm(&d, 3200 + c);
    }
    /* weights past half of L2 (0.6-0.65 MiB): one 32-channel block per item */
    for (int c = 0; c < 2; c++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, 2 - c);
        d.in_channels = c == 0 ? 512 : 1024, d.out_channels = c == 0 ? 300 : 160;
        d.in_size[0] = c == 0 ? 7 : 37, d.in_size[1] = 7;
        check_every_algorithm(&d, 3100 + c);
    }
}

/* By hand, on the blocked path: 16 input channels of ones, 5x5, a 3x3 kernel at stride 2 and
 * padding 1 with weight oc + 1 everywhere for 40 output channels (a whole and a partial tile of
 * 32): output (oc, i, j) = 16 (oc + 1) x the taps inside the input (4 at the corners, 6 at the
 * edges, 9 in the middle), then bias -100, the residual in place (y holds oc), clamp to [0, 500]. */
static void test_direct_blocked_by_hand(void) {
    enum { IC = 16, OC = 40, H = 5, OH = 3 };
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_channels = IC, d.out_channels = OC;
    d.in_size[0] = d.in_size[1] = H;
    d.kernel[0] = d.kernel[1] = 3;
    d.stride[0] = d.stride[1] = 2;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    static float x[IC * H * H], w[OC * IC * 9], bias[OC], y[OC * OH * OH];
    for (int i = 0; i < IC * H * H; i++) x[i] = 1.0f;
    for (int i = 0; i < OC * IC * 9; i++) w[i] = (float)(i / (IC * 9) + 1);
    for (int oc = 0; oc < OC; oc++) bias[oc] = -100.0f;
    for (int i = 0; i < OC * OH * OH; i++) y[i] = (float)(i / (OH * OH));
    const jconv_post_ops clamp = {JCONV_ACTIVATION_CLAMP, 0.0f, 500.0f, 0};
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, w, bias, JCONV_ALGO_DIRECT, &clamp, &plan) == JCONV_OK, "%s", jconv_last_error());
    CHECK(jconv_conv_plan_execute(plan, x, y, y) == JCONV_OK, "%s", jconv_last_error());
    int bad = -1;
    for (int oc = 0; oc < OC; oc++)
        for (int i = 0; i < OH; i++)
            for (int j = 0; j < OH; j++) {
                const int taps = (i == 1 ? 3 : 2) * (j == 1 ? 3 : 2);
                const float want = fminf(fmaxf(16.0f * (float)((oc + 1) * taps) - 100.0f + (float)oc, 0.0f), 500.0f);
                if (y[(oc * OH + i) * OH + j] != want && bad < 0) bad = (oc * OH + i) * OH + j;
            }
    CHECK(bad < 0, "blocked direct by hand: output %d is %g", bad, bad >= 0 ? (double)y[bad] : 0.0);
    jconv_conv_plan_destroy(plan);

    /* An infinite weight at tap (0, 0) on a 3x3 input of ones, padding 1: where that tap meets the
     * padding, 0 x inf is NaN, as PyTorch 1.13 gives (row 0 and column 0 NaN, the others inf);
     * the blocked path multiplies the padding's zeros as im2col does (direct's loops skip them). */
    if (strcmp(jconv_isa(), "avx512") != 0) return;
    enum { C = 16, K = 32 };
    jconv_conv_desc_init(&d, 2);
    d.in_channels = C, d.out_channels = K;
    d.in_size[0] = d.in_size[1] = 3;
    d.kernel[0] = d.kernel[1] = 3;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    static float ones[C * 9], wi[K * C * 9], yi[K * 9];
    for (int i = 0; i < C * 9; i++) ones[i] = 1.0f;
    for (int i = 0; i < K * C * 9; i++) wi[i] = i % 9 == 0 ? INFINITY : 1.0f;
    CHECK(jconv_conv(&d, ones, wi, NULL, JCONV_ALGO_DIRECT, NULL, NULL, yi) == JCONV_OK, "%s", jconv_last_error());
    bad = -1;
    for (int i = 0; i < K * 9; i++) {
        const int row = i % 9 / 3, col = i % 3;
        if ((row == 0 || col == 0) ? !isnan(yi[i]) : yi[i] != INFINITY) bad = bad < 0 ? i : bad;
    }
    CHECK(bad < 0, "blocked direct, inf weight by the padding: output %d is %g", bad, bad >= 0 ? (double)yi[bad] : 0.0);
}

/* By hand, on the pointwise tiles: 1x1, 16 input channels, 1-D of 799 pixels (16 tiles of 48 and
 * one of 31: a vector and 15 lanes), input x[c][p] = p + 1, weight oc + 1 for 12 output channels
 * (a row of 8 and one of 4): output (oc, p) = 16 (oc + 1) (p + 1), then bias -1000, the residual
 * in place (y holds 10 oc), clamp to [0, 100000]; every value exact. */
static void test_direct_pointwise_by_hand(void) {
    enum { IC = 16, OC = 12, P = 799 };
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 1);
    d.in_channels = IC, d.out_channels = OC, d.in_size[0] = P;
    static float x[IC * P], w[OC * IC], bias[OC], y[OC * P];
    for (int i = 0; i < IC * P; i++) x[i] = (float)(i % P + 1);
    for (int i = 0; i < OC * IC; i++) w[i] = (float)(i / IC + 1);
    for (int oc = 0; oc < OC; oc++) bias[oc] = -1000.0f;
    for (int i = 0; i < OC * P; i++) y[i] = (float)(10 * (i / P));
    const jconv_post_ops clamp = {JCONV_ACTIVATION_CLAMP, 0.0f, 100000.0f, 0};
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, w, bias, JCONV_ALGO_DIRECT, &clamp, &plan) == JCONV_OK, "%s", jconv_last_error());
    CHECK(jconv_conv_plan_execute(plan, x, y, y) == JCONV_OK, "%s", jconv_last_error());
    int bad = -1;
    for (int oc = 0; oc < OC; oc++)
        for (int p = 0; p < P; p++) {
            const float want = fminf(fmaxf((float)(16 * (oc + 1) * (p + 1) - 1000 + 10 * oc), 0.0f), 100000.0f);
            if (y[oc * P + p] != want && bad < 0) bad = oc * P + p;
        }
    CHECK(bad < 0, "pointwise tiles by hand: output %d is %g", bad, bad >= 0 ? (double)y[bad] : 0.0);
    jconv_conv_plan_destroy(plan);
}

/* im2col's band way (im2col_rows.c) on what small random shapes miss: rows long enough to be cut
 * into pieces (with JCONV_CACHE=2K,16K into many), every stride along W it takes (1-4) with
 * dilation and asymmetric padding (the phase split and the pieces' column offsets), 2-D and 3-D
 * bands, groups and batch. The ctest runs force the band (JCONV_IM2COL_B=rows), the gather, or
 * leave the choice to the cost model. */
static void test_im2col_band_shapes(void) {
    const int64_t widths[] = {300, 700, 1500};
    int c = 0;
    for (int64_t stride = 1; stride <= 5; stride++)
        for (int wi = 0; wi < 3; wi++, c++) {
            jconv_conv_desc d;
            jconv_conv_desc_init(&d, 1);
            d.in_channels = 2 + c % 3, d.out_channels = 5 + c % 4;
            d.in_size[0] = widths[wi];
            d.kernel[0] = 3 + c % 3, d.stride[0] = stride, d.dilation[0] = 1 + c % 2;
            d.pad_begin[0] = c % 4, d.pad_end[0] = (c + 1) % 3;
            check_every_algorithm(&d, 1000 + c);
        }
    for (int64_t stride = 1; stride <= 4; stride++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, 2);
        d.batch = 2, d.groups = 2, d.in_channels = 4, d.out_channels = 14;
        d.in_size[0] = 9 + stride, d.in_size[1] = 37 * stride + 3;
        d.kernel[0] = 3, d.kernel[1] = 2 + stride, d.stride[0] = 1 + stride % 2, d.stride[1] = stride;
        d.dilation[1] = stride == 2 ? 2 : 1;
        d.pad_begin[0] = 1, d.pad_end[0] = 2, d.pad_begin[1] = stride - 1, d.pad_end[1] = 1;
        check_every_algorithm(&d, 1100 + (int)stride);
    }
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 3);
    d.in_channels = 3, d.out_channels = 7;
    d.in_size[0] = 5, d.in_size[1] = 6, d.in_size[2] = 40;
    d.kernel[0] = d.kernel[1] = d.kernel[2] = 3, d.stride[2] = 2;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_begin[2] = 1, d.pad_end[2] = 2;
    check_every_algorithm(&d, 1200);
    /* the gather's pieces (im2col_pieces.h, AVX-512): r50_s3_3x3s2's rows of 28 at stride 2
     * (panels that meet two output rows, lanes reading before a row's start), and a padding wide
     * enough that whole panels of some taps are zeros */
    jconv_conv_desc_init(&d, 2);
    d.in_channels = 5, d.out_channels = 13;
    d.in_size[0] = 12, d.in_size[1] = 56;
    d.kernel[0] = d.kernel[1] = 3, d.stride[0] = d.stride[1] = 2, d.pad_begin[0] = d.pad_begin[1] = 1;
    check_every_algorithm(&d, 1300);
    jconv_conv_desc_init(&d, 1);
    d.in_channels = 3, d.out_channels = 4, d.in_size[0] = 20, d.kernel[0] = 3, d.dilation[0] = 2;
    d.pad_begin[0] = 40, d.pad_end[0] = 37;
    check_every_algorithm(&d, 1301);
}

/* The depthwise kernel's paths: 3x3 with stride 2, or stride 1 on rows of 32 or more (read straight
 * from the input rows), the padded-plane paths (short rows, other kernels, dilation, stride 3,
 * 1-D and 3-D), asymmetric padding, planes narrower than the kernel, channel multipliers,
 * post-ops; against the reference. */
static void test_depthwise_paths(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        const int rank = c % 5 == 4 ? (int)uniform_int(1, 3) : 2;
        jconv_conv_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = uniform_int(1, 5);
        d.in_channels = d.groups;
        d.out_channels = d.groups * uniform_int(1, 2);
        for (int i = 0; i < rank; i++) {
            d.kernel[i] = c % 3 == 2 ? uniform_int(1, 4) : 3;
            d.stride[i] = uniform_int(1, c % 7 == 6 ? 3 : 2);
            d.dilation[i] = c % 11 == 10 ? 2 : 1;
            d.pad_begin[i] = uniform_int(0, 2);
            d.pad_end[i] = uniform_int(0, 2);
            d.in_size[i] = uniform_int(1, rank == 3 ? 6 : 21);
        }
        if (c % 2) d.in_size[rank - 1] = uniform_int(30, 45); /* rows of 32 or more: the row-wise 3x3 path */
        int64_t out[3];
        if (jconv_conv_output_size(&d, out) != JCONV_OK) continue; /* a kernel larger than the padded input */
        const int64_t ns = conv_src_count(&d), nw = conv_weight_count(&d), nd = conv_dst_count(&d, out);
        float *x = random_floats(ns), *w = random_floats(nw), *b = random_floats(d.out_channels);
        float *res = random_floats(nd), *y = malloc((size_t)nd * sizeof(float));
        double *ref = malloc((size_t)nd * sizeof(double));
        conv_reference(&d, out, x, w, b, ref);
        const int with_residual = (c / 3) % 2;
        jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
        jconv_conv_plan *plan = NULL;
        CHECK(jconv_conv_plan_create(&d, w, b, JCONV_ALGO_DEPTHWISE, c % 4 == 0 ? &relu : NULL, &plan) == JCONV_OK,
              "%s", jconv_last_error());
        for (int64_t i = 0; i < nd; i++) y[i] = NAN;
        CHECK(jconv_conv_plan_execute(plan, x, with_residual ? res : NULL, y) == JCONV_OK, "%s", jconv_last_error());
        int64_t bad = -1;
        const int64_t taps = nw / d.out_channels;
        for (int64_t i = 0; i < nd && bad < 0; i++) {
            double want = ref[i] + (with_residual ? res[i] : 0.0);
            if (c % 4 == 0 && want < 0) want = 0;
            if (!(fabs(y[i] - want) <= (double)(taps + 4) * FLT_EPSILON * (taps + 2))) bad = i;
        }
        CHECK(bad < 0, "depthwise case %d rank %d k %lld s %lld d %lld pad %lld/%lld in %lld: output %lld differs", c,
              rank, (long long)d.kernel[rank - 1], (long long)d.stride[rank - 1], (long long)d.dilation[rank - 1],
              (long long)d.pad_begin[rank - 1], (long long)d.pad_end[rank - 1], (long long)d.in_size[rank - 1],
              (long long)bad);
        jconv_conv_plan_destroy(plan);
        free(x), free(w), free(b), free(res), free(y), free(ref);
    }
}

/* The depthwise 3x3 "same" path over a flat plane (dwconv_flat.h: stride 1, padding 1, rows of
 * 2-31): every row width it takes, 2-D and 3-D, bias, separate and in-place residual, ReLU, against
 * the reference; and by hand, an infinity at a row's end reaches only its own 3x3 neighbourhood
 * (the flat loop's first and last columns read the neighbouring rows' ends, then are redone). */
static void test_depthwise_flat(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        const int rank = c % 4 == 3 ? 3 : 2;
        jconv_conv_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = d.in_channels = uniform_int(1, 4);
        d.out_channels = d.groups * uniform_int(1, 2);
        for (int i = 0; i < rank; i++) d.kernel[i] = 3, d.pad_begin[i] = d.pad_end[i] = 1;
        if (rank == 3) d.kernel[0] = 1, d.pad_begin[0] = d.pad_end[0] = 0, d.in_size[0] = uniform_int(1, 3);
        d.in_size[rank - 2] = uniform_int(1, 12);
        d.in_size[rank - 1] = 2 + c % 30; /* every width the path takes */
        int64_t out[3];
        CHECK(jconv_conv_output_size(&d, out) == JCONV_OK, "flat case %d: %s", c, jconv_last_error());
        const int64_t ns = conv_src_count(&d), nw = conv_weight_count(&d), nd = conv_dst_count(&d, out);
        float *x = random_floats(ns), *w = random_floats(nw), *b = random_floats(d.out_channels);
        float *res = random_floats(nd), *y = malloc((size_t)nd * sizeof(float));
        double *ref = malloc((size_t)nd * sizeof(double));
        conv_reference(&d, out, x, w, b, ref);
        const int residual = c % 3; /* none, separate, in place (y holds it) */
        for (int64_t i = 0; i < nd; i++) y[i] = residual == 2 ? res[i] : NAN;
        jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
        jconv_conv_plan *plan = NULL;
        CHECK(jconv_conv_plan_create(&d, w, b, JCONV_ALGO_DEPTHWISE, c % 5 == 0 ? &relu : NULL, &plan) == JCONV_OK,
              "%s", jconv_last_error());
        CHECK(jconv_conv_plan_execute(plan, x, residual == 1 ? res : residual == 2 ? y : NULL, y) == JCONV_OK, "%s",
              jconv_last_error());
        int64_t bad = -1;
        for (int64_t i = 0; i < nd && bad < 0; i++) {
            double want = ref[i] + (residual != 0 ? res[i] : 0.0);
            if (c % 5 == 0 && want < 0) want = 0;
            if (!(fabs(y[i] - want) <= 13.0 * FLT_EPSILON * 11.0)) bad = i;
        }
        CHECK(bad < 0, "flat case %d rank %d %lld x %lld residual %d: output %lld differs", c, rank,
              (long long)d.in_size[rank - 2], (long long)d.in_size[rank - 1], residual, (long long)bad);
        jconv_conv_plan_destroy(plan);
        free(x), free(w), free(b), free(res), free(y), free(ref);
    }

    enum { H = 4, W = 5 };
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_size[0] = H, d.in_size[1] = W, d.kernel[0] = d.kernel[1] = 3;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
    float x[H * W] = {0}, w[9], y[H * W];
    for (int i = 0; i < 9; i++) w[i] = 1.0f;
    x[1 * W + W - 1] = INFINITY; /* row 1's last column */
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_DEPTHWISE, NULL, &plan) == JCONV_OK, "%s", jconv_last_error());
    CHECK(jconv_conv_plan_execute(plan, x, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    for (int h = 0; h < H; h++)
        for (int col = 0; col < W; col++) {
            const int near = h <= 2 && col >= W - 2;
            CHECK(near ? y[h * W + col] == INFINITY : y[h * W + col] == 0.0f, "infinity at (1, %d): y(%d, %d) = %g", W - 1,
                  h, col, (double)y[h * W + col]);
        }
    jconv_conv_plan_destroy(plan);
}

/* Convolutions whose GEMM sizes sit below, at and above every block edge: M (out channels per
 * group) around MR, K (in channels x taps) around KC and its multiples, N (output pixels) around NR
 * and the NC chunking. Every algorithm against the reference. */
static void test_gemm_block_edges(void) {
    const int64_t ms[] = {1, 5, 6, 7, 13}, ks[] = {1, 255, 256, 257, 513}, ns[] = {1, 15, 16, 17, 527, 1031};
    int c = 0;
    for (int mi = 0; mi < 5; mi++)
        for (int ki = 0; ki < 5; ki++)
            for (int ni = 0; ni < 6; ni++, c++) {
                if ((mi + ki + ni) % 2 != 0 && ni < 4) continue; /* keep it quick: half of the small ones */
                jconv_conv_desc d;
                jconv_conv_desc_init(&d, 1);
                d.out_channels = ms[mi];
                d.in_channels = ks[ki];
                d.in_size[0] = ns[ni];
                if (c % 5 == 1) d.pad_end[0] = 2; /* a 1x1 with end padding: the output outgrows the input */
                if (c % 3 == 0 && ks[ki] % 3 == 0) { /* a 3-tap kernel: K = IC * 3, padded */
                    d.in_channels = ks[ki] / 3;
                    d.kernel[0] = 3;
                    d.pad_begin[0] = d.pad_end[0] = 1;
                }
                int64_t out[3];
                jconv_conv_output_size(&d, out);
                const int64_t nx = d.in_channels * d.in_size[0], nw = d.out_channels * d.in_channels * d.kernel[0];
                const int64_t ny = d.out_channels * out[0];
                float *x = random_floats(nx), *w = random_floats(nw), *y = malloc((size_t)ny * sizeof(float));
                float *ax = malloc((size_t)nx * sizeof(float)), *aw = malloc((size_t)nw * sizeof(float));
                double *ref = malloc((size_t)ny * sizeof(double)), *mag = malloc((size_t)ny * sizeof(double));
                for (int64_t i = 0; i < nx; i++) ax[i] = fabsf(x[i]);
                for (int64_t i = 0; i < nw; i++) aw[i] = fabsf(w[i]);
                conv_reference(&d, out, x, w, NULL, ref);
                conv_reference(&d, out, ax, aw, NULL, mag);
                for (int a = JCONV_ALGO_DIRECT; a <= JCONV_ALGO_DEPTHWISE; a++) {
                    if (!jconv_algorithm_available((jconv_algorithm)a)) continue;
                    for (int64_t i = 0; i < ny; i++) y[i] = NAN;
                    jconv_status status = jconv_conv(&d, x, w, NULL, (jconv_algorithm)a, NULL, NULL, y);
                    if (status == JCONV_UNSUPPORTED) continue;
                    int64_t bad = status == JCONV_OK ? -1 : 0;
                    for (int64_t i = 0; i < ny && bad < 0; i++)
                        if (!(fabs(y[i] - ref[i]) <= (double)(nw / d.out_channels + 3) * FLT_EPSILON * mag[i] + 1e-30))
                            bad = i;
                    CHECK(bad < 0, "M=%lld K=%lld N=%lld k=%lld algo %s: output %lld differs (%s)",
                          (long long)d.out_channels, (long long)(d.in_channels * d.kernel[0]), (long long)out[0],
                          (long long)d.kernel[0], jconv_algorithm_name((jconv_algorithm)a), (long long)bad,
                          jconv_last_error());
                }
                free(x), free(w), free(y), free(ax), free(aw), free(ref), free(mag);
            }
}

/* Plans whose packed weights and scratch pass 2 MiB, the size from which jconv_alloc asks Linux for
 * huge pages (core/memory.c; JCONV_HUGE_PAGES=0, a ctest of its own, turns that off): a 1x1 layer
 * of 2.1 MB of weights (direct and im2col each hold two such buffers) and a 3-tap one (one each
 * for im2col and the Winograd tiles), every algorithm against the reference, and every byte the
 * plans held given back. */
static void test_large_buffers(void) {
    const int64_t before = jconv_allocated_bytes();
    const int64_t shapes[2][4] = {{1024, 520, 40, 1}, {256, 300, 300, 3}}; /* IC, OC, L, kernel */
    for (int s = 0; s < 2; s++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, 1);
        d.in_channels = shapes[s][0], d.out_channels = shapes[s][1], d.in_size[0] = shapes[s][2];
        d.kernel[0] = shapes[s][3], d.pad_begin[0] = d.pad_end[0] = shapes[s][3] / 2;
        check_every_algorithm(&d, s);
    }
    CHECK(jconv_allocated_bytes() == before, "%lld bytes still held after the large plans",
          (long long)(jconv_allocated_bytes() - before));
}

/* im2col's output for case c the same bits at 1 thread and at `threads`: no split of the work
 * changes a sum. Bias, ReLU and a residual (apart, or in place in the output) vary with c. */
static void check_im2col_bits_by_threads(const jconv_conv_desc *d, int c, int threads) {
    const int before = jconv_get_num_threads();
    int64_t out[3];
    jconv_conv_output_size(d, out);
    const int64_t nx = conv_src_count(d), nw = conv_weight_count(d), ny = conv_dst_count(d, out);
    float *x = random_floats(nx), *w = random_floats(nw), *b = random_floats(d->out_channels);
    float *residual = random_floats(ny), *y[2];
    const jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
    for (int t = 0; t < 2; t++) {
        jconv_set_num_threads(t == 0 ? 1 : threads);
        y[t] = malloc((size_t)ny * sizeof(float));
        if (c % 3 == 1) memcpy(y[t], residual, (size_t)ny * sizeof(float)); /* the residual in place */
        CHECK(jconv_conv(d, x, w, c % 2 ? b : NULL, JCONV_ALGO_IM2COL, c % 4 == 0 ? &relu : NULL,
                         c % 3 == 0 ? residual : c % 3 == 1 ? y[t] : NULL, y[t]) == JCONV_OK,
              "%s", jconv_last_error());
    }
    char text[512];
    describe(d, text, sizeof text);
    CHECK(memcmp(y[0], y[1], (size_t)ny * sizeof(float)) == 0, "case %d %s: 1 and %d threads differ", c, text,
          threads);
    free(x), free(w), free(b), free(residual), free(y[0]), free(y[1]);
    jconv_set_num_threads(before);
}

/* im2col on small maps split by k at 2 threads (conv_im2col.c: an item per k block, the later
 * blocks summed apart and added in block order): 1x1 and gathered (padded, strided, dilated)
 * layers with maps under 16 x 16, more output channels than two panels and K of 2-3 blocks (of
 * 512; of 32 with JCONV_CACHE=2K,16K), with batch, groups, bias, residual (in place too) and
 * activations. Every algorithm against the reference, and im2col's output the same bits at 1 and
 * 2 threads: the split changes no sum. */
static void test_small_maps_split_by_k(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, 2);
        d.batch = c % 4 == 3 ? 2 : 1;
        d.groups = c % 5 == 4 ? 2 : 1;
        const int pointwise = c % 3 != 2;
        d.in_channels = d.groups * uniform_int(pointwise ? 513 : 60, pointwise ? 1100 : 120);
        d.out_channels = d.groups * uniform_int(12, 40);
        for (int i = 0; i < 2; i++) {
            d.in_size[i] = uniform_int(1, 15);
            if (pointwise) continue;
            d.kernel[i] = 3;
            d.stride[i] = uniform_int(1, 2);
            d.dilation[i] = uniform_int(1, 2);
            d.pad_begin[i] = d.pad_end[i] = d.dilation[i];
        }
        check_every_algorithm(&d, c);
        check_im2col_bits_by_threads(&d, c, 2);
    }
}

/* im2col's ordered way (conv_im2col.c), where A's block streams from L3 and the threads take each
 * other's groups of panels one k block at a time, a later block only after the earlier one of the
 * same panels: 1x1 and gathered layers (padded, strided, dilated, asymmetric) with more output
 * channels than an L2 holds over a k block and K of 2-4 blocks, with batch, groups, bias, residual
 * (in place too) and activations. Every algorithm against the reference, and im2col's output the
 * same bits at 1 thread as at 2 and at 5 (5 threads on fewer cores are preempted mid-item, so
 * their items are taken by the others and waited for). The first case streams with an L2 up to 1
 * MiB; the others (more of them) with the small-blocks run's JCONV_CACHE=2K,16K. */
static void test_ordered_items(int cases) {
    for (int c = 0; c < cases; c++) {
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, 2);
        const int big = c == 0, pointwise = big || c % 3 != 2;
        d.batch = c % 4 == 3 ? 2 : 1;
        d.groups = big || c % 5 != 4 ? 1 : 2;
        d.in_channels = d.groups * (big ? 1024 : uniform_int(pointwise ? 40 : 8, pointwise ? 140 : 16));
        d.out_channels = d.groups * (big ? 530 : uniform_int(130, 260));
        for (int i = 0; i < 2; i++) {
            d.in_size[i] = big ? (i == 0 ? 15 : 20) : uniform_int(12, 24);
            if (pointwise) continue;
            d.kernel[i] = 3;
            d.stride[i] = uniform_int(1, 2);
            d.dilation[i] = uniform_int(1, 2);
            d.pad_begin[i] = uniform_int(0, 2), d.pad_end[i] = uniform_int(0, 2);
        }
        check_every_algorithm(&d, c);
        check_im2col_bits_by_threads(&d, c, 2);
        check_im2col_bits_by_threads(&d, c, 5);
    }
}

/* Depthwise copies each input plane into a zero-padded one: a padding far wider than the input
 * and output (here 2000 on each side of a 3x3 map, stride 1000: a 4003 x 4003 copy for a 5 x 5
 * output) is declined when forced, with a message, and `auto` runs it by direct, exactly. */
static void test_depthwise_declines_wasteful_padding(void) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, 2);
    d.in_channels = d.out_channels = d.groups = 2;
    for (int i = 0; i < 2; i++) d.in_size[i] = 3, d.stride[i] = 1000, d.pad_begin[i] = d.pad_end[i] = 2000;
    const float x[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9}, w[2] = {2, -3}, b[2] = {0.5f, -1};
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, w, b, JCONV_ALGO_DEPTHWISE, NULL, &plan) == JCONV_UNSUPPORTED &&
              strstr(jconv_last_error(), "padded input plane") != NULL,
          "forced depthwise: %s", jconv_last_error());
    CHECK(jconv_conv_plan_create(&d, w, b, JCONV_ALGO_AUTO, NULL, &plan) == JCONV_OK, "%s", jconv_last_error());
    if (plan == NULL) return;
    CHECK(strcmp(jconv_conv_plan_algorithm_name(plan), "direct") == 0, "auto chose %s",
          jconv_conv_plan_algorithm_name(plan));
    int64_t out[3];
    jconv_conv_output_size(&d, out);
    CHECK(out[0] == 5 && out[1] == 5, "output %lldx%lld", (long long)out[0], (long long)out[1]);
    float y[50];
    double ref[50];
    CHECK(jconv_conv_plan_execute(plan, x, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    conv_reference(&d, out, x, w, b, ref);
    int same = 1;
    for (int i = 0; i < 50; i++) same &= y[i] == (float)ref[i];
    CHECK(same, "auto's output differs from the reference");
    jconv_conv_plan_destroy(plan);
}

/* The blocks follow the cache sizes: the small-blocks ctest run sets JCONV_CACHE=2K,16K, so that
 * kc is 16 (an A micro-panel within a quarter of 2 KiB, a B micro-panel within half) and nc 256
 * (16 x 256 floats fill 16 KiB), the packed way's kc 32 (an A micro-panel within 3/8 of 2 KiB)
 * and nc 128, and every test above crosses many block edges. */
static void test_cache_blocks(void) {
    const char *cache = getenv("JCONV_CACHE");
    if (cache != NULL && strcmp(cache, "2K,16K") == 0)
        CHECK(strstr(jconv_gemm_info(), "kc 16 nc 256, B packed: kc 32 nc 128, A streaming: kc 16 nc 128 (L1d 2 KiB, L2 16 KiB, from JCONV_CACHE)") != NULL,
              "blocks from JCONV_CACHE=2K,16K: %s", jconv_gemm_info());
    else
        CHECK(strstr(jconv_gemm_info(), " kc ") != NULL, "gemm info names the blocks: %s", jconv_gemm_info());
}

/* ------------------------------------------------------------ bad input ------------------------- */

static void valid_desc(jconv_conv_desc *d) {
    jconv_conv_desc_init(d, 2);
    d->batch = 2;
    d->in_channels = 4;
    d->out_channels = 6;
    d->groups = 2;
    d->in_size[0] = 5, d->in_size[1] = 6;
    d->kernel[0] = 3, d->kernel[1] = 3;
}

static void expect_rejected(const jconv_conv_desc *d, jconv_status want, const char *needle, const char *what) {
    float x[1024] = {0}, w[1024] = {0};
    float y[4] = {7, 7, 7, 7};
    jconv_conv_plan *plan = (jconv_conv_plan *)&plan; /* garbage: must be reset to NULL */
    jconv_status status = jconv_conv_plan_create(d, w, NULL, JCONV_ALGO_AUTO, NULL, &plan);
    CHECK(status == want && plan == NULL, "%s: status %d (%s), want %d", what, (int)status, jconv_last_error(), (int)want);
    CHECK(strstr(jconv_last_error(), needle) != NULL, "%s: message '%s' should name '%s'", what, jconv_last_error(), needle);
    int64_t out[3];
    CHECK(jconv_conv_output_size(d, out) == want, "%s: output_size agrees", what);
    CHECK(jconv_conv(d, x, w, NULL, JCONV_ALGO_AUTO, NULL, NULL, y) == want && y[0] == 7, "%s: one-shot agrees", what);
}

static void test_bad_descriptors(void) {
    jconv_conv_desc d;
#define MUTATED(field_change, needle)                                                                              \
    do {                                                                                                          \
        valid_desc(&d);                                                                                           \
        field_change;                                                                                             \
        expect_rejected(&d, JCONV_INVALID_ARGUMENT, needle, #field_change);                                       \
    } while (0)
    MUTATED(d.spatial_rank = 0, "spatial_rank");
    MUTATED(d.spatial_rank = 4, "spatial_rank");
    MUTATED(d.batch = 0, "batch");
    MUTATED(d.batch = -3, "batch");
    MUTATED(d.in_channels = 0, "in_channels");
    MUTATED(d.out_channels = -1, "out_channels");
    MUTATED(d.groups = 0, "groups");
    MUTATED(d.groups = 3, "groups=3 does not divide in_channels=4");
    MUTATED((d.groups = 4, d.in_channels = 8), "groups=4 does not divide out_channels=6");
    MUTATED(d.in_size[1] = 0, "in_size[1]");
    MUTATED(d.kernel[0] = 0, "kernel[0]");
    MUTATED(d.stride[1] = 0, "stride[1]");
    MUTATED(d.dilation[0] = -1, "dilation[0]");
    MUTATED(d.pad_begin[0] = -1, "pad_begin[0]");
    MUTATED(d.pad_end[1] = -2, "pad_end[1]");
    MUTATED(d.kernel[1] = 7, "kernel[1]=7");
    MUTATED((d.kernel[0] = 3, d.dilation[0] = 3), "kernel[0]=3 with dilation 3");
    MUTATED(d.in_size[0] = INT64_MAX, "in_size[0]");
    MUTATED((d.in_size[0] = 1LL << 40, d.in_size[1] = 1LL << 40), "overflow");
    MUTATED((d.kernel[0] = 1LL << 40, d.dilation[0] = 1LL << 40), "overflows");
#undef MUTATED
    expect_rejected(NULL, JCONV_INVALID_ARGUMENT, "desc", "NULL desc");
}

static void test_bad_calls(void) {
    jconv_conv_desc d;
    valid_desc(&d);
    float x[240] = {0}, w[108] = {0}, y[192];
    jconv_conv_plan *plan = NULL;
    CHECK(jconv_conv_plan_create(&d, NULL, NULL, JCONV_ALGO_AUTO, NULL, &plan) == JCONV_INVALID_ARGUMENT &&
              strstr(jconv_last_error(), "weights"),
          "NULL weights: %s", jconv_last_error());
    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_AUTO, NULL, NULL) == JCONV_INVALID_ARGUMENT, "NULL plan");
    CHECK(jconv_conv_plan_create(&d, w, NULL, (jconv_algorithm)99, NULL, &plan) == JCONV_INVALID_ARGUMENT &&
              strstr(jconv_last_error(), "algorithm=99"),
          "bad algorithm: %s", jconv_last_error());
    jconv_post_ops bad_clamp = {JCONV_ACTIVATION_CLAMP, 6.0f, 0.0f, 0};
    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_AUTO, &bad_clamp, &plan) == JCONV_INVALID_ARGUMENT &&
              strstr(jconv_last_error(), "clamp_min"),
          "clamp min > max: %s", jconv_last_error());
    jconv_post_ops bad_kind = {42, 0, 0, 0};
    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_AUTO, &bad_kind, &plan) == JCONV_INVALID_ARGUMENT,
          "unknown activation");
    for (int a = JCONV_ALGO_AUTO; a <= JCONV_ALGO_DEPTHWISE; a++) {
        jconv_status status = jconv_conv_plan_create(&d, w, NULL, (jconv_algorithm)a, NULL, &plan);
        if (jconv_algorithm_available((jconv_algorithm)a)) {
            /* built: it runs the shape, or declines it saying why (depthwise needs IC/groups == 1) */
            CHECK(status == JCONV_OK || (status == JCONV_UNSUPPORTED && a == JCONV_ALGO_DEPTHWISE &&
                                         strstr(jconv_last_error(), "in_channels / groups == 1")),
                  "algorithm %s: %s", jconv_algorithm_name((jconv_algorithm)a), jconv_last_error());
        } else {
            CHECK(status == JCONV_UNSUPPORTED && strstr(jconv_last_error(), jconv_algorithm_name((jconv_algorithm)a)),
                  "algorithm %s not built: %s", jconv_algorithm_name((jconv_algorithm)a), jconv_last_error());
        }
        jconv_conv_plan_destroy(plan);
    }

    CHECK(jconv_conv_plan_create(&d, w, NULL, JCONV_ALGO_DIRECT, NULL, &plan) == JCONV_OK, "%s", jconv_last_error());
    CHECK(strcmp(jconv_conv_plan_algorithm_name(plan), "direct") == 0, "algorithm name");
    CHECK(jconv_conv_plan_execute(NULL, x, NULL, y) == JCONV_INVALID_ARGUMENT, "NULL plan executes");
    CHECK(jconv_conv_plan_execute(plan, NULL, NULL, y) == JCONV_INVALID_ARGUMENT, "NULL src");
    CHECK(jconv_conv_plan_execute(plan, x, NULL, NULL) == JCONV_INVALID_ARGUMENT, "NULL dst");
    CHECK(jconv_conv_plan_execute(plan, x, NULL, x + 8) == JCONV_INVALID_ARGUMENT && strstr(jconv_last_error(), "overlap"),
          "src overlaps dst");
    CHECK(jconv_conv_plan_execute(plan, x, y + 1, y) == JCONV_INVALID_ARGUMENT, "residual shifted over dst");
    CHECK(jconv_conv_plan_execute(plan, x, y, y) == JCONV_OK, "residual == dst is allowed");
    jconv_conv_plan_destroy(plan);
    jconv_conv_plan_destroy(NULL);

    jconv_algorithm a;
    CHECK(jconv_algorithm_from_name("winograd-f4x3", &a) == JCONV_OK && a == JCONV_ALGO_WINOGRAD_F4X3, "from name");
    CHECK(jconv_algorithm_from_name("fast", &a) == JCONV_INVALID_ARGUMENT && strstr(jconv_last_error(), "fast"),
          "unknown name");
    CHECK(jconv_set_num_threads(0) == JCONV_INVALID_ARGUMENT && strstr(jconv_last_error(), "threads=0"), "0 threads");
    CHECK(strcmp(jconv_status_string(JCONV_INVALID_ARGUMENT), "invalid argument") == 0, "status string");
    CHECK(strcmp(jconv_status_string((jconv_status)77), "unknown status") == 0, "unknown status string");
}

/* ------------------------------------------------------------ main ------------------------------ */

int main(int argc, char **argv) {
    int cases = 300;
    if (test_setup(argc, argv, &cases) != 0) return 1;
    test_row_of_five();
    test_eight_filters();
    test_padding_dilation_bias_relu();
    test_asymmetric_padding();
    test_random_shapes(cases);
    test_direct_blocked_shapes(cases / 6);
    test_direct_in_place_shapes(cases / 10);
    test_direct_blocked_by_hand();
    test_direct_pointwise_by_hand();
    test_im2col_band_shapes();
    test_gemm_block_edges();
    test_large_buffers();
    test_small_maps_split_by_k(cases / 10);
    test_ordered_items(cases / 12);
    test_cache_blocks();
    test_depthwise_paths(cases);
    test_depthwise_flat(cases / 2);
    test_depthwise_declines_wasteful_padding();
    test_bad_descriptors();
    test_bad_calls();
    return test_finish();
}
