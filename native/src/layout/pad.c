/* Padding of the spatial dims: constant, reflect, replicate and circular, as torch.nn.functional.pad.
 * Each output element reads one source element (or is the constant): the mode only changes which.
 * A negative pad crops, in every mode, as PyTorch's: reflect and replicate still mirror or repeat
 * about the input's own edges (reflect [2, -1] of 0..5 is 2 1 0 1 2 3 4), while circular wraps
 * around what is kept ([-1, 4] is 1 2 3 4 5 1 2 3 4), so its pads may not exceed the kept size
 * (PyTorch refuses those too: its copy would read its own unwritten output). */
#include "../core/internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* The input index that input position i (output index - begin) reads along a dim of size n, or -1
 * for the constant; circular wraps within the kept part [kept_begin, kept_begin + kept). */
static int64_t source(int64_t i, int64_t n, int64_t kept_begin, int64_t kept, jconv_pad_mode mode) {
    if (mode == JCONV_PAD_CIRCULAR)
        return i < kept_begin ? i + kept : i >= kept_begin + kept ? i - kept : i;
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case JCONV_PAD_REFLECT: return i < 0 ? -i : 2 * (n - 1) - i;
    case JCONV_PAD_REPLICATE: return i < 0 ? 0 : n - 1;
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
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, begin[3] = {0, 0, 0}, kept_begin[3] = {0, 0, 0}, kept[3] = {1, 1, 1};
    for (int i = 0; i < spatial_rank; i++) {
        const int64_t n = shape[2 + i], b = pad_begin[i], e = pad_end[i];
        if (b < -(1LL << 40) || b > (1LL << 40) || e < -(1LL << 40) || e > (1LL << 40))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "pad %lld/%lld of spatial dim %d is out of range", (long long)b,
                              (long long)e, i);
        if (mode == JCONV_PAD_REFLECT && (b >= n || e >= n))
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "reflect padding %lld/%lld of spatial dim %d must be smaller than its size %lld",
                              (long long)b, (long long)e, i, (long long)n);
        if (n + b + e < 1)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "padding %lld/%lld leaves spatial dim %d of size %lld empty",
                              (long long)b, (long long)e, i, (long long)n);
        /* what the negative pads leave of the input */
        const int64_t crop_begin = b < 0 ? -b : 0, size_kept = n - crop_begin - (e < 0 ? -e : 0);
        if (mode == JCONV_PAD_CIRCULAR && (size_kept < 1 || b > size_kept || e > size_kept))
            return jconv_fail(JCONV_INVALID_ARGUMENT,
                              "circular padding %lld/%lld of spatial dim %d must be at most the size it keeps of the "
                              "input, %lld",
                              (long long)b, (long long)e, i, (long long)(size_kept > 0 ? size_kept : 0));
        in[3 - spatial_rank + i] = n;
        out[3 - spatial_rank + i] = n + b + e;
        begin[3 - spatial_rank + i] = b;
        kept_begin[3 - spatial_rank + i] = crop_begin;
        kept[3 - spatial_rank + i] = size_kept;
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
        const int64_t id = source(od - begin[0], in[0], kept_begin[0], kept[0], mode);
        const int64_t ih = source(oh - begin[1], in[1], kept_begin[1], kept[1], mode);
        if (id < 0 || ih < 0) {
            for (int64_t ow = 0; ow < out[2]; ow++) to[ow] = value;
            continue;
        }
        const float *from = src + plane * in_plane + (id * in[1] + ih) * in[2];
        for (int64_t ow = 0; ow < out[2]; ow++) {
            const int64_t iw = source(ow - begin[2], in[2], kept_begin[2], kept[2], mode);
            to[ow] = iw < 0 ? value : from[iw];
        }
    }
    return JCONV_OK;
}
