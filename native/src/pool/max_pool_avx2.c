/* Max pooling's 3-wide, stride-2 windows along W in AVX2 (this file is built with -mavx2): the
 * ResNet stem's 3x3 stride-2 pool ran at 6.5 GB/s as nine passes over each output row, one per tap,
 * with the stride-2 loads vectorised only at the baseline SSE2 width. */
#include "../core/avx2_stride2.h"
#include "pool_kernels.h"

/* m, or v when v > m or v is NaN: the scalar rule of max_pool_row (NaN wins and stays; an equal
 * value, signed zeros included, does not replace the first). */
static inline __m256 take_greater_or_nan(__m256 m, __m256 v) {
    const __m256 wins = _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    return _mm256_blendv_ps(m, v, wins);
}

int64_t max_pool_3wide_s2_avx2(const float *const *rows, int64_t row_count, int64_t count, float *out) {
    if (count < 8) return 0;
    for (int64_t j = 0; j < count; j += 8) {
        if (j + 8 > count) j = count - 8; /* the last eight overlap the ones before: the same values again */
        __m256 m = _mm256_set1_ps(-__builtin_inff());
        for (int64_t r = 0; r < row_count; r++) {
            __m256 left, middle, right;
            s2_taps(rows[r], j, &left, &middle, &right);
            m = take_greater_or_nan(m, left);
            m = take_greater_or_nan(m, middle);
            m = take_greater_or_nan(m, right);
        }
        _mm256_storeu_ps(out + j, s2_in_order(m));
    }
    return count;
}
