/* Adaptive average pooling: output cell o of a dim of size out averages input cells
 * [floor(o * in / out), ceil((o + 1) * in / out)), computed in float as PyTorch does, and the sum
 * divided by each dim's extent in turn (sum / kd / kh / kw), which rounds as PyTorch rounds. */
#include "../core/internal.h"

#include <math.h>

static int64_t start_index(int64_t o, int64_t out, int64_t in) { return (int64_t)floorf((float)(o * in) / (float)out); }

static int64_t end_index(int64_t o, int64_t out, int64_t in) { return (int64_t)ceilf((float)((o + 1) * in) / (float)out); }

jconv_status jconv_adaptive_avg_pool(int spatial_rank, const int64_t *shape, const int64_t *out_size, const float *src,
                                     float *dst) {
    jconv_clear_error();
    if (spatial_rank < 1 || spatial_rank > JCONV_MAX_SPATIAL_RANK)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "spatial_rank=%d must be 1, 2 or 3", spatial_rank);
    int64_t src_count, dst_spatial;
    jconv_status status = jconv_check_shape("input", 2 + spatial_rank, shape, &src_count);
    if (status == JCONV_OK) status = jconv_check_shape("out_size", spatial_rank, out_size, &dst_spatial);
    if (status != JCONV_OK) return status;
    if (src == NULL || dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "%s is NULL", src == NULL ? "src" : "dst");
    int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
    for (int i = 0; i < spatial_rank; i++) {
        in[3 - spatial_rank + i] = shape[2 + i];
        out[3 - spatial_rank + i] = out_size[i];
        /* o * in is computed in int64 and then as float: keep both exact enough to be PyTorch's. */
        if (shape[2 + i] > (1LL << 24) || out_size[i] > (1LL << 24))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "in/out size %lld/%lld of spatial dim %d exceeds 2^24",
                              (long long)shape[2 + i], (long long)out_size[i], i);
    }
    int64_t dst_count;
    if (!jconv_multiply_checked(shape[0] * shape[1], dst_spatial, &dst_count))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "output size overflows");
    status = jconv_check_no_overlap(src, src_count, dst, dst_count);
    if (status != JCONV_OK) return status;

    const int64_t planes = shape[0] * shape[1], in_plane = in[0] * in[1] * in[2];
    const int64_t rows = planes * out[0] * out[1];
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t oh = row % out[1], od = (row / out[1]) % out[0], plane = row / (out[1] * out[0]);
        const float *p = src + plane * in_plane;
        const int64_t d0 = start_index(od, out[0], in[0]), d1 = end_index(od, out[0], in[0]);
        const int64_t h0 = start_index(oh, out[1], in[1]), h1 = end_index(oh, out[1], in[1]);
        for (int64_t ow = 0; ow < out[2]; ow++) {
            const int64_t w0 = start_index(ow, out[2], in[2]), w1 = end_index(ow, out[2], in[2]);
            float sum = 0.0f;
            for (int64_t id = d0; id < d1; id++)
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) sum += p[(id * in[1] + ih) * in[2] + iw];
            float v = sum;
            if (spatial_rank == 3) v = v / (float)(d1 - d0);
            if (spatial_rank >= 2) v = v / (float)(h1 - h0);
            dst[row * out[2] + ow] = v / (float)(w1 - w0);
        }
    }
    return JCONV_OK;
}
