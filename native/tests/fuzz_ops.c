/* libFuzzer target: decodes bytes into an op (convolution, transposed convolution, pooling,
 * adaptive pooling, pixel/channel shuffle, pad, upsample) with any rank and sizes (zero, negative
 * and huge ones included) plus small tensors, and checks that:
 *   - nothing crashes, leaks or reads out of bounds (run under ASan + UBSan);
 *   - a descriptor is rejected exactly when an independent predicate says it is invalid, with a
 *     message, and nothing is written then;
 *   - valid convolutions and transposed convolutions match the naive double-precision references
 *     exactly (the data are quarters, so every sum is exact), and pixel shuffle inverts unshuffle.
 * Built by ci/fuzz.sh with clang. */
#include "conv_reference.h"
#include "jconv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT (1LL << 60) /* JCONV_MAX_ELEMENTS: INT64_MAX / 8 rounds down to 2^60 - 1 */
#define MAX_RUN_ELEMENTS 4096 /* only tensors this small are allocated and run */

typedef struct reader {
    const uint8_t *data;
    size_t size, pos;
} reader;

static uint8_t next_byte(reader *r) { return r->pos < r->size ? r->data[r->pos++] : 0; }

/* Mostly small sizes, sometimes zero, negative or huge. */
static int64_t next_size(reader *r) {
    static const int64_t special[] = {-1, -7, INT64_MIN, INT64_MAX, 1LL << 31, 1LL << 40, 1LL << 59, 1LL << 61,
                                      1000, 65536, 3, 2, 1, 0, 5, 4};
    const uint8_t b = next_byte(r);
    return b < 240 ? b % 7 : special[b - 240];
}

/* Quarters in [-2, 2): products are sixteenths of at most 4, and any sum of up to 4096 of them
 * (plus a bias) is exact in float, whatever the order: so results must equal the reference. */
/* A pad: -2 to 4 mostly, sometimes huge or very negative. */
static int64_t next_pad(reader *r) {
    const int64_t v = next_size(r);
    return v >= 0 && v <= 6 ? v - 2 : v;
}

static float next_float(reader *r) { return (float)((int)(next_byte(r) % 16) - 8) / 4.0f; }

#define FAIL(...)                                                                                                 \
    do {                                                                                                          \
        fprintf(stderr, __VA_ARGS__);                                                                             \
        fprintf(stderr, "\n");                                                                                    \
        abort();                                                                                                  \
    } while (0)

static int in_range(int64_t v, int64_t lo) { return v >= lo && v < LIMIT; }

typedef __int128 wide;

/* The status must agree with the predicate; a rejection must say why. */
static void expect(jconv_status status, int valid, const char *what) {
    if (valid && status != JCONV_OK) FAIL("%s: valid input rejected: %s", what, jconv_last_error());
    if (!valid && status == JCONV_OK) FAIL("%s: invalid input accepted", what);
    if (!valid && (status != JCONV_INVALID_ARGUMENT || jconv_last_error()[0] == '\0'))
        FAIL("%s: rejected with status %d and message '%s'", what, (int)status, jconv_last_error());
}

static float *filled(reader *r, int64_t n) {
    float *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) v[i] = next_float(r);
    return v;
}

/* ---------------------------------------------------------------- convolution ----------------- */

static void fuzz_direct_widened(reader *r, const jconv_conv_desc *narrow, const int64_t out[3]);

static void fuzz_conv(reader *r, int transposed) {
    jconv_conv_transpose_desc d;
    memset(&d, 0, sizeof d);
    d.spatial_rank = 1 + next_byte(r) % 4; /* 4 is invalid */
    d.batch = next_size(r), d.in_channels = next_size(r), d.out_channels = next_size(r), d.groups = next_size(r);
    for (int i = 0; i < 3; i++) {
        d.in_size[i] = next_size(r), d.kernel[i] = next_size(r), d.stride[i] = next_size(r);
        d.pad_begin[i] = next_size(r), d.pad_end[i] = next_size(r), d.dilation[i] = next_size(r);
        d.output_padding[i] = transposed ? next_size(r) : 0;
    }
    const int rank = (int)d.spatial_rank;
    int valid = rank >= 1 && rank <= 3 && in_range(d.batch, 1) && in_range(d.in_channels, 1) &&
                in_range(d.out_channels, 1) && in_range(d.groups, 1);
    valid = valid && d.in_channels % d.groups == 0 && d.out_channels % d.groups == 0;
    wide src = valid ? (wide)d.batch * d.in_channels : 0, dst = valid ? (wide)d.batch * d.out_channels : 0;
    wide weights = valid ? (wide)d.out_channels * (d.in_channels / d.groups) : 0;
    valid = valid && src < LIMIT && dst < LIMIT && weights < LIMIT;
    int64_t out[3] = {0, 0, 0};
    for (int i = 0; valid && i < rank; i++) {
        valid = in_range(d.in_size[i], 1) && in_range(d.kernel[i], 1) && in_range(d.stride[i], 1) &&
                in_range(d.dilation[i], 1) && in_range(d.pad_begin[i], 0) && in_range(d.pad_end[i], 0);
        if (!valid) break;
        const wide span = (wide)d.dilation[i] * (d.kernel[i] - 1);
        valid = span < LIMIT;
        if (!valid) break;
        wide o;
        if (transposed) {
            const int64_t limit = d.stride[i] > d.dilation[i] ? d.stride[i] : d.dilation[i];
            const wide grown = (wide)(d.in_size[i] - 1) * d.stride[i];
            valid = d.output_padding[i] >= 0 && d.output_padding[i] < limit && grown < LIMIT;
            o = grown - d.pad_begin[i] - d.pad_end[i] + span + d.output_padding[i] + 1;
            valid = valid && o >= 1;
        } else {
            const wide padded = (wide)d.in_size[i] + d.pad_begin[i] + d.pad_end[i];
            valid = span + 1 <= padded;
            o = (padded - span - 1) / d.stride[i] + 1;
        }
        if (!valid) break;
        out[i] = (int64_t)o;
        src *= d.in_size[i], dst *= o, weights *= d.kernel[i];
        valid = src < LIMIT && dst < LIMIT && weights < LIMIT;
    }

    int64_t got[3];
    jconv_conv_desc c;
    memcpy(&c, &d, sizeof c); /* the first 23 fields */
    jconv_status status = transposed ? jconv_conv_transpose_output_size(&d, got) : jconv_conv_output_size(&c, got);
    expect(status, valid, transposed ? "conv_transpose_output_size" : "conv_output_size");
    if (!valid) {
        float dummy[4] = {1, 2, 3, 4}, y[4] = {7, 7, 7, 7};
        status = transposed ? jconv_conv_transpose(&d, dummy, dummy, NULL, JCONV_ALGO_AUTO, NULL, NULL, y)
                            : jconv_conv(&c, dummy, dummy, NULL, JCONV_ALGO_AUTO, NULL, NULL, y);
        expect(status, 0, "conv one-shot");
        if (y[0] != 7) FAIL("a rejected call wrote its output");
        return;
    }
    for (int i = 0; i < rank; i++)
        if (got[i] != out[i]) FAIL("output size %d: %lld, expected %lld", i, (long long)got[i], (long long)out[i]);
    if (src > MAX_RUN_ELEMENTS || dst > MAX_RUN_ELEMENTS || weights > MAX_RUN_ELEMENTS) return;

    float *x = filled(r, (int64_t)src), *w = filled(r, (int64_t)weights), *b = filled(r, d.out_channels);
    float *y = malloc((size_t)dst * sizeof(float));
    jconv_post_ops post = {next_byte(r) % 3, -1.0f, 2.0f, 0};
    double *ref = malloc((size_t)dst * sizeof(double)), max_ref = 0.0;
    if (transposed) conv_transpose_reference(&d, out, x, w, b, ref);
    else conv_reference(&c, out, x, w, b, ref);
    for (int64_t i = 0; i < (int64_t)dst; i++) max_ref = fmax(max_ref, fabs(ref[i]));
    /* AUTO, then (convolutions) a forced Winograd tile, which runs exactly the shapes whose kernel
     * is 3 (any dilation: over the input's dilation phases) or 1 in every dim, with stride 1. */
    int winograd_can = !transposed;
    for (int i = 0; i < rank; i++)
        winograd_can = winograd_can && d.stride[i] == 1 && (d.kernel[i] == 1 || d.kernel[i] == 3);
    int any_three = 0;
    for (int i = 0; i < rank; i++) any_three |= d.kernel[i] == 3;
    winograd_can = winograd_can && any_three;
    const jconv_algorithm tile = (jconv_algorithm)(JCONV_ALGO_WINOGRAD_F2X3 + next_byte(r) % 3);
    for (int run = 0; run < (transposed ? 1 : 2); run++) {
        const jconv_algorithm algorithm = run == 0 ? JCONV_ALGO_AUTO : tile;
        jconv_conv_plan *plan = NULL;
        status = transposed ? jconv_conv_transpose_plan_create(&d, w, b, algorithm, &post, &plan)
                            : jconv_conv_plan_create(&c, w, b, algorithm, &post, &plan);
        if (run == 1 && !winograd_can) {
            if (status != JCONV_UNSUPPORTED) FAIL("%s accepted a shape it cannot do", jconv_algorithm_name(tile));
            break;
        }
        expect(status, 1, jconv_algorithm_name(algorithm));
        expect(jconv_conv_plan_execute(plan, x, NULL, y), 1, "conv execute");
        /* Exact data (see next_float): equal to the reference, not merely close, except through
         * Winograd's transforms (F(4,3) and F(6,3) divide by 3), within their bound. */
        const int winograd = strncmp(jconv_conv_plan_algorithm_name(plan), "winograd", 8) == 0;
        const double tolerance = winograd ? 8.0 * jconv_conv_plan_error_bound(plan) * (max_ref + 1.0) : 0.0;
        for (int64_t i = 0; i < (int64_t)dst; i++) {
            float want = (float)ref[i];
            if (post.activation == JCONV_ACTIVATION_RELU) want = want < 0 ? 0 : want;
            if (post.activation == JCONV_ACTIVATION_CLAMP) want = fminf(fmaxf(want, -1.0f), 2.0f);
            if (!(fabs((double)y[i] - want) <= tolerance))
                FAIL("%s %s output %lld: %g, reference %g", transposed ? "conv_transpose" : "conv",
                     jconv_conv_plan_algorithm_name(plan), (long long)i, y[i], want);
        }
        jconv_conv_plan_destroy(plan);
    }
    free(ref);
    free(x), free(w), free(b), free(y);
    if (!transposed) fuzz_direct_widened(r, &c, out);
}

/* The direct algorithm's channel-blocked path (AVX-512) needs 8 or more channels a group, which the
 * decoded sizes (mostly 0-6) seldom give: the same descriptor with 8 times the channels, when its
 * tensors stay small, run forced to direct and compared exactly (new data, read after the rest, so
 * that older inputs decode as before). */
static void fuzz_direct_widened(reader *r, const jconv_conv_desc *narrow, const int64_t out[3]) {
    jconv_conv_desc d = *narrow;
    d.in_channels *= 8, d.out_channels *= 8;
    int64_t spatial_in = 1, spatial_out = 1, taps = 1;
    for (int i = 0; i < (int)d.spatial_rank; i++) spatial_in *= d.in_size[i], spatial_out *= out[i], taps *= d.kernel[i];
    const int64_t src = d.batch * d.in_channels * spatial_in, dst = d.batch * d.out_channels * spatial_out;
    const int64_t weights = d.out_channels * (d.in_channels / d.groups) * taps;
    if (src > MAX_RUN_ELEMENTS || dst > MAX_RUN_ELEMENTS || weights > MAX_RUN_ELEMENTS) return;
    float *x = filled(r, src), *w = filled(r, weights), *b = filled(r, d.out_channels);
    float *residual = filled(r, dst), *y = malloc((size_t)dst * sizeof(float));
    double *ref = malloc((size_t)dst * sizeof(double));
    const jconv_post_ops post = {next_byte(r) % 3, -1.0f, 2.0f, 0};
    const int with_residual = next_byte(r) % 2;
    conv_reference(&d, out, x, w, b, ref);
    jconv_conv_plan *plan = NULL;
    expect(jconv_conv_plan_create(&d, w, b, JCONV_ALGO_DIRECT, &post, &plan), 1, "direct (8x channels)");
    expect(jconv_conv_plan_execute(plan, x, with_residual ? residual : NULL, y), 1, "direct (8x channels) execute");
    for (int64_t i = 0; i < dst; i++) {
        float want = (float)(ref[i] + (with_residual ? residual[i] : 0.0));
        if (post.activation == JCONV_ACTIVATION_RELU) want = want < 0 ? 0 : want;
        if (post.activation == JCONV_ACTIVATION_CLAMP) want = fminf(fmaxf(want, -1.0f), 2.0f);
        if (!(y[i] == want)) FAIL("conv direct (8x channels) output %lld: %g, reference %g", (long long)i, y[i], want);
    }
    jconv_conv_plan_destroy(plan);
    free(x), free(w), free(b), free(residual), free(y), free(ref);
}

/* ---------------------------------------------------------------- pooling --------------------- */

static void fuzz_pool(reader *r) {
    jconv_pool_desc d;
    memset(&d, 0, sizeof d);
    d.spatial_rank = 1 + next_byte(r) % 4;
    d.kind = next_byte(r) % 3; /* 2 is invalid */
    d.batch = next_size(r), d.channels = next_size(r);
    d.ceil_mode = next_byte(r) % 3, d.count_include_pad = next_byte(r) % 3;
    for (int i = 0; i < 3; i++) {
        d.in_size[i] = next_size(r), d.kernel[i] = next_size(r), d.stride[i] = next_size(r);
        d.pad[i] = next_size(r), d.dilation[i] = next_size(r);
    }
    const int rank = (int)d.spatial_rank;
    const int64_t cap = 1LL << 40;
    int valid = rank >= 1 && rank <= 3 && d.kind <= 1 && d.ceil_mode <= 1 && d.count_include_pad <= 1 &&
                in_range(d.batch, 1) && in_range(d.channels, 1);
    wide src = valid ? (wide)d.batch * d.channels : 0, dst = src;
    valid = valid && src < LIMIT;
    for (int i = 0; valid && i < rank; i++) {
        valid = d.in_size[i] >= 1 && d.in_size[i] <= cap && d.kernel[i] >= 1 && d.kernel[i] <= cap &&
                d.stride[i] >= 1 && d.stride[i] <= cap && d.dilation[i] >= 1 && d.dilation[i] <= cap && d.pad[i] >= 0 &&
                d.pad[i] <= cap && (d.kind == JCONV_POOL_MAX || d.dilation[i] == 1) && d.pad[i] <= d.kernel[i] / 2;
        /* PyTorch's avg_pool3d: the input at least as large as the kernel */
        valid = valid && !(d.kind == JCONV_POOL_AVG && rank == 3 && d.in_size[i] < d.kernel[i]);
        if (!valid) break;
        wide num = (wide)d.in_size[i] + 2 * d.pad[i] - (wide)d.dilation[i] * (d.kernel[i] - 1) - 1 +
                   (d.ceil_mode ? d.stride[i] - 1 : 0);
        wide o = (num >= 0 ? num / d.stride[i] : -((-num + d.stride[i] - 1) / d.stride[i])) + 1;
        /* the ceil_mode rule only lowers o, so an o below 1 is final (and (o - 1) * stride could overflow) */
        if (o >= 1 && d.ceil_mode && (o - 1) * d.stride[i] >= d.in_size[i] + d.pad[i]) o--;
        valid = o >= 1;
        if (!valid) break;
        src *= d.in_size[i], dst *= o;
        valid = valid && src < LIMIT && dst < LIMIT;
    }
    int64_t got[3];
    expect(jconv_pool_output_size(&d, got), valid, "pool_output_size");
    if (!valid || src > MAX_RUN_ELEMENTS || dst > MAX_RUN_ELEMENTS) return;
    float *x = filled(r, (int64_t)src), *y = malloc((size_t)dst * sizeof(float));
    int64_t *indices = d.kind == JCONV_POOL_MAX ? malloc((size_t)dst * sizeof(int64_t)) : NULL;
    expect(jconv_pool(&d, x, y, indices), 1, "pool");
    free(x), free(y), free(indices);
}

/* ---------------------------------------------------------------- layout ops ------------------ */

static void fuzz_layout(reader *r, int op) {
    int64_t shape[5];
    /* N, C and 0 to 3 spatial dims; pixel shuffle and upsampling always take 4 (no rank argument). */
    const int rank = op == 0 || op == 3 ? 4 : 2 + next_byte(r) % 4;
    for (int i = 0; i < 5; i++) shape[i] = next_size(r);
    wide count = 1;
    int positive = 1;
    for (int i = 0; i < rank && positive; i++) {
        positive = in_range(shape[i], 1);
        count *= positive ? shape[i] : 1;
        positive = positive && count < LIMIT;
    }
    const int64_t factor = next_size(r), groups = next_size(r);
    const int64_t begin[3] = {next_pad(r), next_pad(r), next_pad(r)};
    const int64_t end[3] = {next_pad(r), next_pad(r), next_pad(r)};
    const jconv_pad_mode mode = (jconv_pad_mode)(next_byte(r) % 5); /* 4 is invalid */
    const int64_t out_h = next_size(r), out_w = next_size(r), out_size[3] = {next_size(r), next_size(r), next_size(r)};
    const int up_mode = next_byte(r) % 3, align = next_byte(r) % 3;
    const double scale_h = next_byte(r) / 16.0, scale_w = next_byte(r) / 16.0;

    /* Whether the op accepts these arguments, and how many outputs it then writes. */
    int ok = positive;
    wide out_count = count;
    const int spatial = rank - 2;
    switch (op) {
    case 0: /* pixel shuffle */
        ok = ok && factor >= 1 && factor <= (1 << 20) && shape[1] % (factor * factor) == 0;
        break;
    case 1: /* channel shuffle */
        ok = ok && groups >= 1 && shape[1] % groups == 0;
        break;
    case 2: /* pad */
        ok = ok && spatial >= 1 && mode <= JCONV_PAD_CIRCULAR;
        out_count = ok ? (wide)shape[0] * shape[1] : 0;
        for (int i = 0; ok && i < spatial; i++) {
            const int64_t n = shape[2 + i], b = begin[i], e = end[i];
            const int64_t cap = 1LL << 40;
            if (b < -cap || b > cap || e < -cap || e > cap) ok = 0;
            if (mode == JCONV_PAD_REFLECT) ok = ok && b < n && e < n;
            /* circular wraps around what negative pads leave (worked out once b and e are in range) */
            if (ok && mode == JCONV_PAD_CIRCULAR) {
                const int64_t kept = n - (b < 0 ? -b : 0) - (e < 0 ? -e : 0);
                ok = kept >= 1 && b <= kept && e <= kept;
            }
            ok = ok && n + b + e >= 1;
            /* output sizes are >= 1, so the running product only grows: bounding it at each step is
             * bounding the total (and keeps it far from overflowing 128 bits) */
            if (ok) out_count *= n + b + e;
            ok = ok && out_count < LIMIT;
        }
        break;
    case 3: /* upsample */
        ok = ok && out_h >= 1 && out_w >= 1 && up_mode <= 1 && align <= 1 && !(align && up_mode == 0) &&
             shape[2] <= (1 << 24) && shape[3] <= (1 << 24) && out_h <= (1 << 24) && out_w <= (1 << 24);
        if (ok) out_count = (wide)shape[0] * shape[1] * out_h * out_w;
        ok = ok && out_count < LIMIT;
        break;
    default: /* adaptive average pooling */
        ok = ok && spatial >= 1;
        out_count = ok ? (wide)shape[0] * shape[1] : 0;
        for (int i = 0; ok && i < spatial; i++) {
            ok = in_range(out_size[i], 1) && out_size[i] <= (1 << 24) && shape[2 + i] <= (1 << 24);
            out_count *= ok ? out_size[i] : 1;
            ok = ok && out_count < LIMIT; /* a growing product: bounded at each step, it cannot overflow */
        }
    }
    /* Valid calls run only on small tensors; invalid ones must fail before touching memory. */
    if (ok && (count > MAX_RUN_ELEMENTS || out_count > 16 * MAX_RUN_ELEMENTS)) return;
    float *x = filled(r, ok ? (int64_t)count : 1);
    float *y = malloc(sizeof(float) * (ok ? (size_t)out_count : 1));
    jconv_status status;
    switch (op) {
    case 0:
        status = jconv_pixel_shuffle(shape, factor, x, y);
        expect(status, ok, "pixel_shuffle");
        if (ok) {
            const int64_t back[4] = {shape[0], shape[1] / (factor * factor), shape[2] * factor, shape[3] * factor};
            float *z = malloc(sizeof(float) * (size_t)count);
            expect(jconv_pixel_unshuffle(back, factor, y, z), 1, "pixel_unshuffle");
            if (memcmp(x, z, (size_t)count * sizeof(float)) != 0) FAIL("unshuffle(shuffle(x)) != x");
            free(z);
        }
        break;
    case 1:
        expect(jconv_channel_shuffle(rank, shape, groups, x, y), ok, "channel_shuffle");
        break;
    case 2:
        if (spatial >= 1) expect(jconv_pad(spatial, shape, begin, end, mode, 0.5f, x, y), ok, "pad");
        break;
    case 3:
        expect(jconv_upsample2d(shape, out_h, out_w, (jconv_upsample_mode)up_mode, align, scale_h, scale_w, x, y),
               ok, "upsample2d");
        break;
    default:
        if (spatial >= 1) expect(jconv_adaptive_avg_pool(spatial, shape, out_size, x, y), ok, "adaptive_avg_pool");
    }
    free(x), free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, size, 0};
    const uint8_t op = next_byte(&r) % 8;
    if (op <= 1) fuzz_conv(&r, op == 1);
    else if (op == 2) fuzz_pool(&r);
    else fuzz_layout(&r, op - 3);
    if (jconv_allocated_bytes() != 0) FAIL("%lld bytes left allocated", (long long)jconv_allocated_bytes());
    return 0;
}
