/* The C tests' seeded random numbers: xorshift64*, so every run draws the same cases. */
#ifndef JCONV_TEST_RANDOM_H
#define JCONV_TEST_RANDOM_H

#include <stdint.h>
#include <stdlib.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL; /* tests may reseed; never 0 */

static uint64_t next_u64(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Uniform in [lo, hi]. */
static int64_t uniform_int(int64_t lo, int64_t hi) { return lo + (int64_t)(next_u64() % (uint64_t)(hi - lo + 1)); }

/* Uniform in [-1, 1). */
static float uniform_float(void) { return (float)((double)(next_u64() >> 11) / 9007199254740992.0 * 2.0 - 1.0); }

/* count values from uniform_float, malloc'd. */
static float *random_floats(int64_t count) {
    float *values = malloc((size_t)(count > 0 ? count : 1) * sizeof(float));
    for (int64_t i = 0; i < count; i++) values[i] = uniform_float();
    return values;
}

#endif
