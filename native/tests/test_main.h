/* What every C test's main does: read --threads N, --cases N and --seed S, say what runs, and at the
 * end check that no native memory is held and report the counts. */
#ifndef JCONV_TEST_MAIN_H
#define JCONV_TEST_MAIN_H

#include "check.h"
#include "jconv.h"
#include "test_random.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Applies the options (cases keeps its default unless given); 0, or 1 when the threads are refused. */
static int test_setup(int argc, char **argv, int *cases) {
    int threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--cases") == 0 && cases != NULL) *cases = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0) rng_state = strtoull(argv[i + 1], NULL, 0) | 1;
    }
    if (threads > 0 && jconv_set_num_threads(threads) != JCONV_OK) {
        fprintf(stderr, "cannot set %d threads: %s\n", threads, jconv_last_error());
        return 1;
    }
    printf("jconv %s, isa %s (cpu %s), %d threads, openmp %d\ngemm: %s\n", jconv_version(), jconv_isa(),
           jconv_cpu_isa(), jconv_get_num_threads(), jconv_has_openmp(), jconv_gemm_info());
    return 0;
}

/* The exit status: every check passed and the library holds no memory. */
static int test_finish(void) {
    CHECK(jconv_allocated_bytes() == 0, "%lld bytes still allocated", (long long)jconv_allocated_bytes());
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
