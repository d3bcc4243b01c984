/* Pixel shuffle, pixel unshuffle and channel shuffle: pure permutations of the elements, each
 * output element read from exactly one input element. */
#include "../core/internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static jconv_status check_buffers(const float *src, const float *dst, int64_t count) {
    if (src == NULL || dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "%s is NULL", src == NULL ? "src" : "dst");
    return jconv_check_no_overlap(src, count, dst, count);
}

/* Validates a pixel (un)shuffle and returns the element count. */
static jconv_status check_pixel(const int64_t shape[4], int64_t factor, int unshuffle, const float *src,
                                const float *dst, int64_t *count) {
    jconv_status status = jconv_check_shape("input", 4, shape, count);
    if (status != JCONV_OK) return status;
    if (factor < 1 || factor > (1LL << 20))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "factor=%lld must be >= 1", (long long)factor);
    if (!unshuffle && shape[1] % (factor * factor) != 0)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "channels=%lld is not divisible by factor^2=%lld",
                          (long long)shape[1], (long long)(factor * factor));
    if (unshuffle && (shape[2] % factor != 0 || shape[3] % factor != 0))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "height=%lld and width=%lld must be divisible by factor=%lld",
                          (long long)shape[2], (long long)shape[3], (long long)factor);
    return check_buffers(src, dst, *count);
}

/* out[n][c][h*r + i][w*r + j] = in[n][c*r*r + i*r + j][h][w], over the small (shuffled) grid. */
static void pixel_permute(const int64_t small[4], int64_t r, const float *src, float *dst, int to_large) {
    const int64_t N = small[0], C = small[1], H = small[2], W = small[3];
    const int64_t rows = N * C * H * r; /* one output row of the large grid, or its source */
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && rows > 1)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t i = row % r, h = (row / r) % H, c = (row / (r * H)) % C, n = row / (r * H * C);
        for (int64_t w = 0; w < W; w++)
            for (int64_t j = 0; j < r; j++) {
                const int64_t small_index = (((n * C + c) * r * r + i * r + j) * H + h) * W + w;
                const int64_t large_index = ((n * C + c) * H * r + h * r + i) * W * r + w * r + j;
                if (to_large) dst[large_index] = src[small_index];
                else dst[small_index] = src[large_index];
            }
    }
}

jconv_status jconv_pixel_shuffle(const int64_t shape[4], int64_t factor, const float *src, float *dst) {
    jconv_clear_error();
    int64_t count;
    jconv_status status = check_pixel(shape, factor, 0, src, dst, &count);
    if (status != JCONV_OK) return status;
    const int64_t small[4] = {shape[0], shape[1] / (factor * factor), shape[2], shape[3]};
    pixel_permute(small, factor, src, dst, 1);
    return JCONV_OK;
}

jconv_status jconv_pixel_unshuffle(const int64_t shape[4], int64_t factor, const float *src, float *dst) {
    jconv_clear_error();
    int64_t count;
    jconv_status status = check_pixel(shape, factor, 1, src, dst, &count);
    if (status != JCONV_OK) return status;
    const int64_t small[4] = {shape[0], shape[1], shape[2] / factor, shape[3] / factor};
    pixel_permute(small, factor, src, dst, 0);
    return JCONV_OK;
}

jconv_status jconv_channel_shuffle(int rank, const int64_t *shape, int64_t groups, const float *src, float *dst) {
    jconv_clear_error();
    if (rank < 2 || rank > 8) return jconv_fail(JCONV_INVALID_ARGUMENT, "rank=%d must be in [2, 8]", rank);
    int64_t count;
    jconv_status status = jconv_check_shape("input", rank, shape, &count);
    if (status != JCONV_OK) return status;
    if (groups < 1 || shape[1] % groups != 0)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "groups=%lld must be >= 1 and divide channels=%lld",
                          (long long)groups, (long long)shape[1]);
    status = check_buffers(src, dst, count);
    if (status != JCONV_OK) return status;
    const int64_t C = shape[1], per_group = C / groups, plane = count / (shape[0] * C);
    const int64_t channels = shape[0] * C;
    const int threads = jconv_threads();
    (void)threads;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && channels > 1)
    for (int64_t nc = 0; nc < channels; nc++) {
        const int64_t n = nc / C, c_out = nc % C;
        const int64_t i = c_out % groups, j = c_out / groups; /* c_out = j * groups + i */
        const float *from = src + (n * C + i * per_group + j) * plane;
        float *to = dst + nc * plane;
        for (int64_t e = 0; e < plane; e++) to[e] = from[e];
    }
    return JCONV_OK;
}
