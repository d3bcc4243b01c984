/* Shape checks shared by the ops that take plain shapes (layout ops, pooling). */
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
