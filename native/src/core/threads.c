/* The library-wide thread count. It is a plain setting read by every parallel region through
 * num_threads(), not omp_set_num_threads(), whose effect is per calling thread. */
#include "internal.h"

#include <stdatomic.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static atomic_int configured_threads; /* 0: not set, use the default */

int jconv_has_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int jconv_threads(void) {
    int n = atomic_load(&configured_threads);
    if (n > 0) return n;
#ifdef _OPENMP
    n = omp_get_num_procs();
    return n > 0 ? n : 1;
#else
    return 1;
#endif
}

int jconv_get_num_threads(void) { return jconv_threads(); }

int jconv_thread_index(void) {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

jconv_status jconv_set_num_threads(int n) {
    jconv_clear_error();
    if (n < 1 || n > JCONV_MAX_THREADS)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "threads=%d must be in [1, %d]", n, JCONV_MAX_THREADS);
    if (!jconv_has_openmp() && n != 1)
        return jconv_fail(JCONV_UNSUPPORTED, "threads=%d: this build has no OpenMP, only 1 thread is possible", n);
    atomic_store(&configured_threads, n);
    return JCONV_OK;
}
