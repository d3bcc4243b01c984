/* Padding of the spatial dims: constant, reflect, replicate and circular, as torch.nn.functional.pad.
 * Each output element reads one source element (or is the constant): the mode only changes which. */
#include "../core/internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static const char *const mode_names[] = {"constant", "reflect", "replicate", "circular"};

/* The source index of output index o - begin along a dim of size n, or -1 for the constant. */
static int64_t source(int64_t i, int64_t n, jconv_pad_mode mode) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case JCONV_PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case JCONV_PAD_REPLICATE: return i < 0 ? 0 : n - 1;
    case JCONV_PAD_CIRCULAR: return i < 0 ? i + n : i - n;
    default: return -1;
    }
}

jconv_status jconv_pad(int spatial_rank, const int64_t *shape, const int64_t *pad_begin, const int64_t *pad_end,
                       jconv_pad_mode mode, float value, const float *src, float *dst) {
    jconv_clear_error();
    if (spatial_rank < 1 || spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%d must be 1, 2 or 3", spatial_rank);
    if ((int)mode < 0 || (int)mode > JCONV_PAD_CIRCULAR)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "mode=%d is not a jconv_pad_mode", (int)mode);
    int64_t src_count;
    jconv_status status = jconv_check_shape("input", 2 + spatial_rank, shape, &src_count);
    if (status != JCONV_OK) return status;
    if (pad_begin == NULL || pad_end == NULL)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "%s is NULL", pad_begin == NULL ? "pad_begin" : "pad_end");
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, begin[3] = {0, 0, 0};
    for (int i = 0; i < spatial_rank; i++) {
        const int64_t n = shape[2 + i], b = pad_begin[i], e = pad_end[i];
        const char *mode_name = mode_names[mode];
        if (b < -(1LL << 40) || b > (1LL << 40) || e < -(1LL << 40) || e > (1LL << 40))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "pad %lld/%lld of spatial dim %d is out of range", (long long)b,
                              (long long)e, i);
        if (mode != JCONV_PAD_CONSTANT && (b < 0 || e < 0))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "%s padding of spatial dim %d is %lld/%lld: must be >= 0",
                              mode_name, i, (long long)b, (long long)e);
        if (mode == JCONV_PAD_REFLECT && (b >= n || e >= n))
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "reflect padding %lld/%lld of spatial dim %d must be smaller than its size %lld",
                              (long long)b, (long long)e, i, (long long)n);
        if (mode == JCONV_PAD_CIRCULAR && (b > n || e > n))
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "circular padding %lld/%lld of spatial dim %d must be at most its size %lld",
                              (long long)b, (long long)e, i, (long long)n);
        if (n + b + e < 1)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "padding %lld/%lld leaves spatial dim %d of size %lld empty",
                              (long long)b, (long long)e, i, (long long)n);
        in[3 - spatial_rank + i] = n;
        out[3 - spatial_rank + i] = n + b + e;
        begin[3 - spatial_rank + i] = b;
    }
    int64_t dst_count = shape[0] * shape[1];
    for (int dim = 0; dim < 3; dim++)
        if (!jconv_multiply_checked(dst_count, out[dim], &dst_count))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "output size overflows");
    if (src == NULL || dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "%s is NULL", src == NULL ? "src" : "dst");
    status = jconv_check_no_overlap(src, src_count, dst, dst_count);
    if (status != JCONV_OK) return status;

    const int64_t planes = shape[0] * shape[1], in_plane = in[0] * in[1] * in[2];
    const int64_t rows = planes * out[0] * out[1];
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t oh = row % out[1], od = (row / out[1]) % out[0], plane = row / (out[1] * out[0]);
        float *to = dst + row * out[2];
        const int64_t id = source(od - begin[0], in[0], mode), ih = source(oh - begin[1], in[1], mode);
        if (id < 0 || ih < 0) {
            for (int64_t ow = 0; ow < out[2]; ow++) to[ow] = value;
            continue;
        }
        const float *from = src + plane * in_plane + (id * in[1] + ih) * in[2];
        for (int64_t ow = 0; ow < out[2]; ow++) {
            const int64_t iw = source(ow - begin[2], in[2], mode);
            to[ow] = iw < 0 ? value : from[iw];
        }
    }
    return JCONV_OK;
}
