/* C tests of transposed convolution, pooling and layout ops: hand-computed cases, the adjoint
 * identity <conv(x), y> == <x, conv_transpose(y)> against the naive reference convolution on
 * random shapes, and bad input. Usage: test_ops [--threads N]. */
#include "check.h"
#include "conv_reference.h"
#include "jconv.h"
#include "test_main.h"
#include "test_random.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define REJECTS(call, needle)                                                                                     \
    CHECK((call) == JCONV_INVALID_ARGUMENT && strstr(jconv_last_error(), needle) != NULL, "%s: '%s'", #call,      \
          jconv_last_error())

static int equal(const float *a, const float *b, int n) {
    for (int i = 0; i < n; i++)
        if (!(a[i] == b[i])) return 0;
    return 1;
}


/* ------------------------------------------------------------ transposed convolution ------------ */

static void test_conv_transpose_by_hand(void) {
    /* x = 1 2 3, k = 1 10 100, stride 2, padding 1, output_padding 1, bias 0.5:
     * full [1, 10, 102, 20, 203, 30, 300], trimmed by one at the start -> 6 values. */
    jconv_conv_transpose_desc d;
    jconv_conv_transpose_desc_init(&d, 1);
    d.in_size[0] = 3;
    d.kernel[0] = 3;
    d.stride[0] = 2;
    d.pad_begin[0] = d.pad_end[0] = 1;
    d.output_padding[0] = 1;
    const float x[3] = {1, 2, 3}, w[3] = {1, 10, 100}, bias = 0.5f;
    const float want[6] = {10.5f, 102.5f, 20.5f, 203.5f, 30.5f, 300.5f};
    float y[6];
    int64_t out[3];
    CHECK(jconv_conv_transpose_output_size(&d, out) == JCONV_OK && out[0] == 6, "output %lld", (long long)out[0]);
    CHECK(jconv_conv_transpose(&d, x, w, &bias, JCONV_ALGO_AUTO, NULL, NULL, y) == JCONV_OK, "%s", jconv_last_error());
    CHECK(equal(y, want, 6), "got %g %g %g %g %g %g", y[0], y[1], y[2], y[3], y[4], y[5]);
}

/* <conv(x), y> == <x, conv_transpose(y)> with the same weights; conv from the naive reference. */
static void test_conv_transpose_is_the_adjoint(int cases) {
    for (int c = 0; c < cases; c++) {
        const int rank = (int)uniform_int(1, 3);
        jconv_conv_desc d;
        jconv_conv_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = uniform_int(1, 3);
        d.in_channels = d.groups * uniform_int(1, 3);
        d.out_channels = d.groups * uniform_int(1, 3);
        for (int i = 0; i < rank; i++) {
            d.in_size[i] = uniform_int(1, rank == 3 ? 5 : 9);
            d.kernel[i] = uniform_int(1, 3);
            d.stride[i] = uniform_int(1, 3);
            d.dilation[i] = uniform_int(1, 2);
            d.pad_begin[i] = uniform_int(0, 2);
            d.pad_end[i] = uniform_int(0, 2);
        }
        int64_t out[3];
        if (jconv_conv_output_size(&d, out) != JCONV_OK) {
            c--;
            continue;
        }
        jconv_conv_transpose_desc t;
        jconv_conv_transpose_desc_init(&t, rank);
        t.batch = d.batch;
        t.in_channels = d.out_channels; /* the transposed op maps the conv's output back */
        t.out_channels = d.in_channels;
        t.groups = d.groups;
        for (int i = 0; i < rank; i++) {
            t.in_size[i] = out[i];
            t.kernel[i] = d.kernel[i];
            t.stride[i] = d.stride[i];
            t.dilation[i] = d.dilation[i];
            t.pad_begin[i] = d.pad_begin[i];
            t.pad_end[i] = d.pad_end[i];
            /* what brings the size back to in_size: always in [0, stride) */
            t.output_padding[i] = d.in_size[i] - ((out[i] - 1) * d.stride[i] - d.pad_begin[i] - d.pad_end[i] +
                                                  d.dilation[i] * (d.kernel[i] - 1) + 1);
        }
        int64_t nx = d.batch * d.in_channels, ny = d.batch * d.out_channels, nw = d.out_channels * (d.in_channels / d.groups);
        for (int i = 0; i < rank; i++) nx *= d.in_size[i], ny *= out[i], nw *= d.kernel[i];
        float *x = random_floats(nx), *y = random_floats(ny), *w = random_floats(nw), *ty = malloc((size_t)nx * sizeof(float));
        double *cx = malloc((size_t)ny * sizeof(double));
        conv_reference(&d, out, x, w, NULL, cx);
        /* A conv weight [OC][IC/g][k] is the transposed op's [IC'][OC'/g][k]: the same array. Both
         * algorithms, forced in turn. */
        for (int a = JCONV_ALGO_DIRECT; a <= JCONV_ALGO_IM2COL; a++) {
            jconv_status status = jconv_conv_transpose(&t, y, w, NULL, (jconv_algorithm)a, NULL, NULL, ty);
            CHECK(status == JCONV_OK, "case %d: %s", c, jconv_last_error());
            double left = 0, right = 0, scale = 0;
            for (int64_t i = 0; i < ny; i++) left += cx[i] * y[i], scale += fabs(cx[i] * y[i]);
            for (int64_t i = 0; i < nx; i++) right += (double)x[i] * ty[i], scale += fabs((double)x[i] * ty[i]);
            CHECK(fabs(left - right) <= 1e-5 * scale + 1e-12, "case %d %s: <conv x, y> = %g, <x, convT y> = %g", c,
                  jconv_algorithm_name((jconv_algorithm)a), left, right);
        }
        free(x), free(y), free(w), free(ty), free(cx);
    }
}

static void test_conv_transpose_bad_input(void) {
    jconv_conv_transpose_desc d;
    jconv_conv_transpose_desc_init(&d, 2);
    d.in_size[0] = d.in_size[1] = 4;
    d.kernel[0] = d.kernel[1] = 3;
    d.stride[0] = 2;
    int64_t out[3];
    d.output_padding[0] = 2;
    REJECTS(jconv_conv_transpose_output_size(&d, out), "output_padding[0]=2");
    d.output_padding[0] = 0;
    d.pad_begin[1] = d.pad_end[1] = 4;
    REJECTS(jconv_conv_transpose_output_size(&d, out), "output size W=-2");
    d.pad_begin[1] = d.pad_end[1] = 0;
    d.groups = 2;
    REJECTS(jconv_conv_transpose_output_size(&d, out), "groups=2 does not divide in_channels=1");
    d.groups = 1;
    CHECK(jconv_conv_transpose_output_size(&d, out) == JCONV_OK && out[0] == 9 && out[1] == 6, "%lldx%lld",
          (long long)out[0], (long long)out[1]);
    jconv_conv_plan *plan = NULL;
    float w[9] = {0};
    CHECK(jconv_conv_transpose_plan_create(&d, w, NULL, JCONV_ALGO_WINOGRAD_F4X3, NULL, &plan) == JCONV_UNSUPPORTED &&
              plan == NULL,
          "winograd is not for transposed convolutions: %s", jconv_last_error());
    REJECTS(jconv_conv_transpose_plan_create(NULL, w, NULL, JCONV_ALGO_AUTO, NULL, &plan), "desc");
}

/* ------------------------------------------------------------ pooling --------------------------- */

static void test_pooling_by_hand(void) {
    /* 1-D 1 5 2 4 3, kernel 2, stride 2, pad 1: windows [pad 1] [5 2] [4 3] */
    const float x[5] = {1, 5, 2, 4, 3};
    float y[3];
    int64_t idx[3];
    jconv_pool_desc d;
    jconv_pool_desc_init(&d, JCONV_POOL_MAX, 1);
    d.in_size[0] = 5;
    d.kernel[0] = d.stride[0] = 2;
    d.pad[0] = 1;
    CHECK(jconv_pool(&d, x, y, idx) == JCONV_OK, "%s", jconv_last_error());
    CHECK(y[0] == 1 && y[1] == 5 && y[2] == 4 && idx[0] == 0 && idx[1] == 1 && idx[2] == 3, "max %g %g %g", y[0], y[1],
          y[2]);
    d.kind = JCONV_POOL_AVG;
    CHECK(jconv_pool(&d, x, y, NULL) == JCONV_OK && y[0] == 0.5f && y[1] == 3.5f && y[2] == 3.5f,
          "avg with pad counted: %g %g %g", y[0], y[1], y[2]);
    d.count_include_pad = 0;
    CHECK(jconv_pool(&d, x, y, NULL) == JCONV_OK && y[0] == 1.0f, "avg without pad: %g", y[0]);
    REJECTS(jconv_pool(&d, x, y, idx), "indices are for max pooling only");
    d.pad[0] = 2;
    REJECTS(jconv_pool(&d, x, y, NULL), "pad[0]=2 (W) must be at most half of kernel 2");
    d.pad[0] = 0;
    d.dilation[0] = 2;
    REJECTS(jconv_pool(&d, x, y, NULL), "average pooling has no dilation");
    d.dilation[0] = 1;
    d.kernel[0] = 7;
    REJECTS(jconv_pool(&d, x, y, NULL), "too small");
    {   /* PyTorch's avg_pool3d refuses an input smaller than the kernel even when the padding covers it
         * (avg_pool1d/2d and max_pool3d do not) */
        jconv_pool_desc small;
        jconv_pool_desc_init(&small, JCONV_POOL_AVG, 3);
        small.batch = small.channels = 1;
        for (int i = 0; i < 3; i++) small.in_size[i] = 2, small.kernel[i] = 3, small.pad[i] = 1;
        float small_x[8] = {0}, small_y[8];
        REJECTS(jconv_pool(&small, small_x, small_y, NULL), "in_size[0]=2 (D) is smaller than kernel 3");
        small.kind = JCONV_POOL_MAX;
        CHECK(jconv_pool(&small, small_x, small_y, NULL) == JCONV_OK, "max_pool3d of an input smaller than the kernel");
        jconv_pool_desc_init(&small, JCONV_POOL_AVG, 2);
        small.batch = small.channels = 1;
        for (int i = 0; i < 2; i++) small.in_size[i] = 2, small.kernel[i] = 3, small.pad[i] = 1;
        CHECK(jconv_pool(&small, small_x, small_y, NULL) == JCONV_OK, "avg_pool2d of an input smaller than the kernel");
    }
    d.kernel[0] = 1LL << 40; /* found by the fuzzer: dilation * (kernel - 1) overflowed */
    d.dilation[0] = 1LL << 40;
    d.kind = JCONV_POOL_MAX;
    REJECTS(jconv_pool(&d, x, y, NULL), "overflows");
    d.kind = JCONV_POOL_AVG;
    d.dilation[0] = 1;
    d.kernel[0] = 2;
    d.kind = 5;
    REJECTS(jconv_pool(&d, x, y, NULL), "kind=5");
    d.kind = JCONV_POOL_MAX;
    REJECTS(jconv_pool(&d, x, (float *)x + 1, NULL), "overlap");
    REJECTS(jconv_pool(NULL, x, y, NULL), "desc is NULL");

    /* Adaptive: 1 2 3 4 5 to 2 cells: [0, 3) and [2, 5) -> 2 and 4. */
    const int64_t shape[3] = {1, 1, 5}, two = 2, zero = 0;
    CHECK(jconv_adaptive_avg_pool(1, shape, &two, x, y) == JCONV_OK, "%s", jconv_last_error());
    CHECK(y[0] == (1 + 5 + 2) / 3.0f && y[1] == (2 + 4 + 3) / 3.0f, "adaptive %g %g", y[0], y[1]);
    REJECTS(jconv_adaptive_avg_pool(1, shape, &zero, x, y), "out_size shape[0]=0");
}

/* ------------------------------------------------------------ layout ---------------------------- */

static void test_layout_by_hand(void) {
    float x[24], y[24], z[24];
    for (int i = 0; i < 24; i++) x[i] = (float)i;
    /* pixel shuffle [1, 4, 1, 1] -> [1, 1, 2, 2] is the channel order; unshuffle inverts it on [1, 2, 6, 2]. */
    const int64_t four[4] = {1, 4, 1, 1}, big[4] = {1, 2, 6, 2}, odd[4] = {1, 3, 2, 2};
    CHECK(jconv_pixel_shuffle(four, 2, x, y) == JCONV_OK && equal(x, y, 4), "shuffle of one pixel");
    CHECK(jconv_pixel_unshuffle(big, 2, x, y) == JCONV_OK, "%s", jconv_last_error());
    const int64_t small[4] = {1, 8, 3, 1};
    CHECK(jconv_pixel_shuffle(small, 2, y, z) == JCONV_OK && equal(x, z, 24), "shuffle(unshuffle(x)) == x");
    REJECTS(jconv_pixel_shuffle(odd, 2, x, y), "channels=3 is not divisible by factor^2=4");
    REJECTS(jconv_pixel_unshuffle(odd, 3, x, y), "divisible by factor=3");
    REJECTS(jconv_pixel_shuffle(four, 0, x, y), "factor=0");

    /* channel shuffle of 6 channels, 2 groups: 0 3 1 4 2 5 */
    const int64_t six[2] = {1, 6};
    const float want_shuffle[6] = {0, 3, 1, 4, 2, 5};
    CHECK(jconv_channel_shuffle(2, six, 2, x, y) == JCONV_OK && equal(y, want_shuffle, 6), "channel shuffle");
    REJECTS(jconv_channel_shuffle(2, six, 4, x, y), "groups=4");

    /* pad 1 2 3 by (2, 2) */
    const float row[3] = {1, 2, 3};
    const int64_t three[3] = {1, 1, 3}, b2 = 2, e2 = 2, b3 = 3, neg = -1, one = 1;
    const float reflect[7] = {3, 2, 1, 2, 3, 2, 1}, replicate[7] = {1, 1, 1, 2, 3, 3, 3};
    const float circular[7] = {2, 3, 1, 2, 3, 1, 2}, constant[3] = {9, 1, 2};
    CHECK(jconv_pad(1, three, &b2, &e2, JCONV_PAD_REFLECT, 0, row, y) == JCONV_OK && equal(y, reflect, 7), "reflect");
    CHECK(jconv_pad(1, three, &b2, &e2, JCONV_PAD_REPLICATE, 0, row, y) == JCONV_OK && equal(y, replicate, 7),
          "replicate");
    CHECK(jconv_pad(1, three, &b2, &e2, JCONV_PAD_CIRCULAR, 0, row, y) == JCONV_OK && equal(y, circular, 7),
          "circular");
    CHECK(jconv_pad(1, three, &one, &neg, JCONV_PAD_CONSTANT, 9, row, y) == JCONV_OK && equal(y, constant, 3),
          "constant with a crop");
    REJECTS(jconv_pad(1, three, &b3, &e2, JCONV_PAD_REFLECT, 0, row, y), "must be smaller than its size 3");
    /* negative pads crop, as PyTorch's: reflect and replicate about the input's own edges, circular
     * around what is kept. 0 1 2 3 4 5 by (-1, 4): reflect 1 2 3 4 5 4 3 2 1, replicate
     * 1 2 3 4 5 5 5 5 5, circular 1 2 3 4 5 1 2 3 4; by (2, -1): 2 1 0 1 2 3 4, 0 0 0 1 2 3 4,
     * 3 4 0 1 2 3 4 (PyTorch 1.13's F.pad). */
    const float six_row[6] = {0, 1, 2, 3, 4, 5};
    const int64_t six_shape[3] = {1, 1, 6}, minus1 = -1, plus4 = 4, minus4 = -4, five = 5;
    const struct {
        const int64_t *begin, *end;
        jconv_pad_mode mode;
        float want[9];
        int64_t count;
        const char *what;
    } crops[] = {
        {&minus1, &plus4, JCONV_PAD_REFLECT, {1, 2, 3, 4, 5, 4, 3, 2, 1}, 9, "reflect with a crop at the beginning"},
        {&minus1, &plus4, JCONV_PAD_REPLICATE, {1, 2, 3, 4, 5, 5, 5, 5, 5}, 9, "replicate with a crop at the beginning"},
        {&minus1, &plus4, JCONV_PAD_CIRCULAR, {1, 2, 3, 4, 5, 1, 2, 3, 4}, 9, "circular with a crop at the beginning"},
        {&b2, &minus1, JCONV_PAD_REFLECT, {2, 1, 0, 1, 2, 3, 4}, 7, "reflect with a crop at the end"},
        {&b2, &minus1, JCONV_PAD_REPLICATE, {0, 0, 0, 1, 2, 3, 4}, 7, "replicate with a crop at the end"},
        {&b2, &minus1, JCONV_PAD_CIRCULAR, {3, 4, 0, 1, 2, 3, 4}, 7, "circular with a crop at the end"},
    };
    for (size_t i = 0; i < sizeof crops / sizeof crops[0]; i++)
        CHECK(jconv_pad(1, six_shape, crops[i].begin, crops[i].end, crops[i].mode, 0, six_row, y) == JCONV_OK &&
                  equal(y, crops[i].want, crops[i].count),
              "%s", crops[i].what);
    /* circular past what is kept (PyTorch refuses it too) */
    REJECTS(jconv_pad(1, six_shape, &five, &minus4, JCONV_PAD_CIRCULAR, 0, six_row, y),
            "must be at most the size it keeps of the input, 2");
    REJECTS(jconv_pad(1, three, &b2, &e2, (jconv_pad_mode)7, 0, row, y), "mode=7");

    /* bilinear 2x of [0, 1]: 0 0.25 0.75 1; nearest 2x: 0 0 1 1 */
    const float pair[2] = {0, 1}, bilinear[4] = {0, 0.25f, 0.75f, 1}, nearest[4] = {0, 0, 1, 1};
    const int64_t one_by_two[4] = {1, 1, 1, 2};
    CHECK(jconv_upsample2d(one_by_two, 1, 4, JCONV_UPSAMPLE_BILINEAR, 0, 1.0, 2.0, pair, y) == JCONV_OK &&
              equal(y, bilinear, 4),
          "bilinear %g %g %g %g", y[0], y[1], y[2], y[3]);
    CHECK(jconv_upsample2d(one_by_two, 1, 4, JCONV_UPSAMPLE_NEAREST, 0, 1.0, 2.0, pair, y) == JCONV_OK &&
              equal(y, nearest, 4),
          "nearest");
    REJECTS(jconv_upsample2d(one_by_two, 1, 4, JCONV_UPSAMPLE_NEAREST, 1, 1.0, 2.0, pair, y), "bilinear only");
    REJECTS(jconv_upsample2d(one_by_two, 0, 4, JCONV_UPSAMPLE_NEAREST, 0, 0, 0, pair, y), "output shape[2]=0");
    REJECTS(jconv_upsample2d(one_by_two, 1, 4, JCONV_UPSAMPLE_BILINEAR, 0, NAN, 2.0, pair, y), "scale_h=nan");
}

/* Transposed convolution (im2col: GEMM + col2im) against the reference, on layers with many
 * output-channel blocks (each thread keeps an image's packed input for all its blocks) and with
 * batch and groups (the kept image changes), inputs of several column chunks, inputs of at most 16
 * positions (computed transposed, through landing lists), inputs deeper than
 * the k block (the fuzzer found their packing overrunning its buffer), stride 1-3 (stride 2 scatters two tap rows at once),
 * padding, output_padding, dilation, bias, residual (in place too) and ReLU. */
static void test_conv_transpose_against_the_reference(int cases) {
    for (int c = 0; c < cases; c++) {
        const int big = c % 6 == 5; /* an input of several column chunks (nc) and many channel blocks */
        const int deep = c % 6 == 1; /* K past kc (256; 16 with JCONV_CACHE=2K,16K), few channel blocks */
        /* at most 16 input positions (the product computed transposed), over many channel blocks,
         * the weights' columns ending inside a panel or a pair of panels, 1-3 D */
        const int narrow = c % 6 == 3;
        const int rank = narrow ? 1 + c / 6 % 3 : !big && c % 3 == 2 ? 1 : 2;
        jconv_conv_transpose_desc d;
        jconv_conv_transpose_desc_init(&d, rank);
        d.batch = uniform_int(1, 2);
        d.groups = uniform_int(1, 2);
        d.in_channels = d.groups * uniform_int(1, 6);
        d.out_channels = d.groups * (c % 2 ? uniform_int(20, 48) : uniform_int(1, 5));
        for (int i = 0; i < rank; i++) {
            d.in_size[i] = uniform_int(1, rank == 1 ? 40 : 9);
            d.kernel[i] = uniform_int(1, 4);
            d.stride[i] = uniform_int(1, 3);
            d.dilation[i] = c % 5 == 4 ? 2 : 1;
            d.pad_begin[i] = d.pad_end[i] = uniform_int(0, (d.kernel[i] - 1) * d.dilation[i] / 2);
            d.output_padding[i] = uniform_int(0, d.stride[i] - 1);
        }
        if (narrow) {
            int64_t positions = 1;
            for (int i = 0; i < rank; i++) {
                d.in_size[i] = uniform_int(1, rank == 1 ? 16 : rank == 2 ? 4 : 2);
                positions *= d.in_size[i];
            }
            if (c % 12 == 3) d.in_size[0] = 16 / (positions / d.in_size[0]); /* 16 positions, or nearly */
            d.in_channels = d.groups * uniform_int(1, 40), d.out_channels = d.groups * uniform_int(1, 70);
        }
        if (big) {
            d.in_channels = d.groups * uniform_int(1, 3), d.out_channels = d.groups * uniform_int(40, 64);
            d.in_size[0] = uniform_int(24, 28), d.in_size[1] = uniform_int(24, 28), d.kernel[0] = d.kernel[1] = 3;
        }
        if (deep && c % 12 == 1) { /* past kc 256, over more than one chunk of 512 columns */
            d.in_channels = d.groups * uniform_int(257, 300), d.out_channels = d.groups;
            d.in_size[0] = d.in_size[1] = 23, d.kernel[0] = d.kernel[1] = 2, d.stride[0] = d.stride[1] = 2;
            d.dilation[0] = d.dilation[1] = 1, d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 0;
            d.output_padding[0] = d.output_padding[1] = 0;
        }
        else if (deep)
            d.in_channels = d.groups * uniform_int(17, 40);
        int64_t out[3];
        if (jconv_conv_transpose_output_size(&d, out) != JCONV_OK) continue;
        int64_t n_in = d.batch * d.in_channels, n_out = d.batch * d.out_channels, taps = 1;
        for (int i = 0; i < rank; i++) n_in *= d.in_size[i], n_out *= out[i], taps *= d.kernel[i];
        const int64_t n_w = d.in_channels * (d.out_channels / d.groups) * taps;
        float *x = random_floats(n_in), *w = random_floats(n_w), *b = random_floats(d.out_channels);
        float *res = random_floats(n_out), *y = malloc((size_t)n_out * sizeof(float));
        double *ref = malloc((size_t)n_out * sizeof(double));
        conv_transpose_reference(&d, out, x, w, b, ref);
        const int residual = c % 3; /* none, separate, in place */
        for (int64_t i = 0; i < n_out; i++) y[i] = residual == 2 ? res[i] : NAN;
        const jconv_post_ops relu = {JCONV_ACTIVATION_RELU, 0, 0, 0};
        CHECK(jconv_conv_transpose(&d, x, w, b, JCONV_ALGO_IM2COL, c % 4 == 0 ? &relu : NULL,
                                   residual == 1 ? res : residual == 2 ? y : NULL, y) == JCONV_OK,
              "%s", jconv_last_error());
        int64_t bad = -1;
        const double tolerance = 1e-5 * (double)(d.in_channels / d.groups * taps + 2);
        for (int64_t i = 0; i < n_out && bad < 0; i++) {
            double want = ref[i] + (residual != 0 ? res[i] : 0.0);
            if (c % 4 == 0 && want < 0) want = 0;
            if (!(fabs(y[i] - want) <= tolerance)) bad = i;
        }
        CHECK(bad < 0, "convT case %d rank %d oc %lld k %lld s %lld: output %lld is %g, want %g", c, rank,
              (long long)d.out_channels, (long long)d.kernel[rank - 1], (long long)d.stride[rank - 1], (long long)bad,
              bad < 0 ? 0.0 : (double)y[bad], bad < 0 ? 0.0 : ref[bad]);
        free(x), free(w), free(b), free(res), free(y), free(ref);
    }
}

/* Max pooling without indices (vectorised rows, and an AVX2 kernel for 3-wide stride-2 windows)
 * against the same call with indices, which runs the per-output loop: the same bits, NaN, -inf,
 * ties and signed zeros included, over row widths around the kernel's blocks of 8 outputs,
 * paddings, heights, depths, ceil mode and dilation along H. */
static void test_max_pool_rows_match_the_per_output_loop(int cases) {
    for (int c = 0; c < cases; c++) {
        const int rank = c % 5 == 4 ? 3 : 2;
        jconv_pool_desc d;
        jconv_pool_desc_init(&d, JCONV_POOL_MAX, rank);
        d.batch = uniform_int(1, 2), d.channels = uniform_int(1, 3), d.ceil_mode = c % 3 == 0;
        for (int i = 0; i < rank - 1; i++) {
            d.in_size[i] = uniform_int(1, 7), d.kernel[i] = uniform_int(1, 3), d.stride[i] = uniform_int(1, 2);
            d.pad[i] = uniform_int(0, d.kernel[i] / 2), d.dilation[i] = c % 7 == 6 ? 2 : 1;
        }
        d.in_size[rank - 1] = 1 + c % 70, d.kernel[rank - 1] = c % 4 == 3 ? uniform_int(1, 4) : 3;
        d.stride[rank - 1] = c % 4 == 2 ? 1 : 2, d.pad[rank - 1] = uniform_int(0, d.kernel[rank - 1] / 2);
        int64_t out[3];
        if (jconv_pool_output_size(&d, out) != JCONV_OK) continue;
        int64_t n_in = d.batch * d.channels, n_out = n_in;
        for (int i = 0; i < rank; i++) n_in *= d.in_size[i], n_out *= out[i];
        float *x = random_floats(n_in), *y = malloc((size_t)n_out * sizeof(float));
        float *want = malloc((size_t)n_out * sizeof(float));
        int64_t *indices = malloc((size_t)n_out * sizeof(int64_t));
        for (int64_t i = 0; i < n_in; i++) { /* specials and ties: who wins must match too */
            const int64_t pick = uniform_int(0, 29);
            x[i] = pick == 0 ? NAN : pick == 1 ? -INFINITY : pick == 2 ? 0.0f : pick == 3 ? -0.0f : pick < 7 ? 0.5f : x[i];
        }
        CHECK(jconv_pool(&d, x, want, indices) == JCONV_OK && jconv_pool(&d, x, y, NULL) == JCONV_OK, "%s",
              jconv_last_error());
        CHECK(memcmp(y, want, (size_t)n_out * sizeof(float)) == 0,
              "max pool case %d rank %d W %lld k %lld s %lld pad %lld: rows differ from the per-output loop", c, rank,
              (long long)d.in_size[rank - 1], (long long)d.kernel[rank - 1], (long long)d.stride[rank - 1],
              (long long)d.pad[rank - 1]);
        free(x), free(y), free(want), free(indices);
    }
}

int main(int argc, char **argv) {
    if (test_setup(argc, argv, NULL) != 0) return 1;
    test_conv_transpose_by_hand();
    test_conv_transpose_is_the_adjoint(150);
    test_conv_transpose_bad_input();
    test_conv_transpose_against_the_reference(120);
    test_pooling_by_hand();
    test_max_pool_rows_match_the_per_output_loop(400);
    test_layout_by_hand();
    return test_finish();
}
