/* Shape and buffer checks shared by the ops that take plain shapes (layout ops, pooling). */
#include "internal.h"

jconv_status jconv_check_shape(const char *what, int rank, const int64_t *shape, int64_t *count) {
    if (shape == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "%s shape is NULL", what);
    int64_t n = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 1 || shape[i] > JCONV_MAX_ELEMENTS)
            return jconv_fail(JCONV_INVALID_ARGUMENT, "%s shape[%d]=%lld must be >= 1", what, i, (long long)shape[i]);
        if (!jconv_multiply_checked(n, shape[i], &n))
            return jconv_fail(JCONV_INVALID_ARGUMENT, "%s shape overflows: more than 2^60 elements", what);
    }
    *count = n;
    return JCONV_OK;
}

jconv_status jconv_check_no_overlap(const float *src, int64_t src_count, const float *dst, int64_t dst_count) {
    const uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst;
    if (s < d + (uintptr_t)dst_count * sizeof(float) && d < s + (uintptr_t)src_count * sizeof(float))
        return jconv_fail(JCONV_INVALID_ARGUMENT, "src and dst overlap");
    return JCONV_OK;
}
