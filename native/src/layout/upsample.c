/* 2-D nearest and bilinear upsampling with PyTorch 1.13's CPU arithmetic: coordinates in float,
 * output-to-input scale 1 / scale_factor when the caller gave one, else in / out; bilinear
 * weights and the order of the weighted sum as its kernel computes them. */
#include "../core/internal.h"

#include <math.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* PyTorch's compute_scales_value: the scale from output to input coordinates. */
static float scale_value(double scale, int64_t in, int64_t out) {
    return scale > 0.0 ? (float)(1.0 / scale) : (float)in / (float)out;
}

static int64_t nearest_index(int64_t o, int64_t in, int64_t out, double scale) {
    if (out == in) return o;
    if (out == 2 * in) return o >> 1;
    const int64_t i = (int64_t)floorf((float)o * scale_value(scale, in, out));
    return i < in - 1 ? i : in - 1;
}

/* One dim's two source indices and their weights (PyTorch's compute_source_index_and_lambda). */
typedef struct linear_tap {
    int64_t i0, i1;
    float w0, w1;
} linear_tap;

static linear_tap linear_index(int64_t o, int64_t in, int64_t out, int align_corners, double scale) {
    linear_tap t;
    if (out == in) {
        t.i0 = t.i1 = o;
        t.w0 = 1.0f;
        t.w1 = 0.0f;
        return t;
    }
    float ratio;
    if (align_corners) ratio = out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
    else ratio = scale_value(scale, in, out);
    float real;
    if (align_corners) {
        real = ratio * (float)o;
    } else {
        real = ratio * ((float)o + 0.5f) - 0.5f;
        if (real < 0.0f) real = 0.0f;
    }
    int64_t i0 = (int64_t)floorf(real);
    if (i0 > in - 1) i0 = in - 1;
    float lambda = real - (float)i0;
    lambda = lambda < 0.0f ? 0.0f : (lambda > 1.0f ? 1.0f : lambda);
    t.i0 = i0;
    t.i1 = i0 + (i0 < in - 1 ? 1 : 0);
    t.w1 = lambda;
    t.w0 = 1.0f - lambda;
    return t;
}

jconv_status jconv_upsample2d(const int64_t shape[4], int64_t out_h, int64_t out_w, jconv_upsample_mode mode,
                              int align_corners, double scale_h, double scale_w, const float *src, float *dst) {
    jconv_clear_error();
    int64_t src_count, dst_count;
    jconv_status status = jconv_check_shape("input", 4, shape, &src_count);
    if (status != JCONV_OK) return status;
    const int64_t out_shape[4] = {shape[0], shape[1], out_h, out_w};
    status = jconv_check_shape("output", 4, out_shape, &dst_count);
    if (status != JCONV_OK) return status;
    if (mode != JCONV_UPSAMPLE_NEAREST && mode != JCONV_UPSAMPLE_BILINEAR)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "mode=%d is not a jconv_upsample_mode", (int)mode);
    if (align_corners != 0 && align_corners != 1)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "align_corners=%d must be 0 or 1", align_corners);
    if (align_corners && mode == JCONV_UPSAMPLE_NEAREST)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "align_corners applies to bilinear only");
    if (!(scale_h >= 0.0) || !(scale_w >= 0.0) || isinf(scale_h) || isinf(scale_w))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "scale_h=%g, scale_w=%g must be finite and >= 0 (0: not given)",
                          scale_h, scale_w);
    if (shape[2] > (1LL << 24) || shape[3] > (1LL << 24) || out_h > (1LL << 24) || out_w > (1LL << 24))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial sizes above 2^24 lose float coordinates");
    if (src == NULL || dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "%s is NULL", src == NULL ? "src" : "dst");
    status = jconv_check_no_overlap(src, src_count, dst, dst_count);
    if (status != JCONV_OK) return status;

    const int64_t H = shape[2], W = shape[3], rows = shape[0] * shape[1] * out_h;
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t oh = row % out_h, plane = row / out_h;
        const float *p = src + plane * H * W;
        float *to = dst + row * out_w;
        if (mode == JCONV_UPSAMPLE_NEAREST) {
            const float *from = p + nearest_index(oh, H, out_h, scale_h) * W;
            for (int64_t ow = 0; ow < out_w; ow++) to[ow] = from[nearest_index(ow, W, out_w, scale_w)];
        } else {
            const linear_tap th = linear_index(oh, H, out_h, align_corners, scale_h);
            const float *r0 = p + th.i0 * W, *r1 = p + th.i1 * W;
            for (int64_t ow = 0; ow < out_w; ow++) {
                const linear_tap tw = linear_index(ow, W, out_w, align_corners, scale_w);
                float top = r0[tw.i0] * tw.w0;
                top += r0[tw.i1] * tw.w1;
                float bottom = r1[tw.i0] * tw.w0;
                bottom += r1[tw.i1] * tw.w1;
                float v = top * th.w0;
                v += bottom * th.w1;
                to[ow] = v;
            }
        }
    }
    return JCONV_OK;
}
