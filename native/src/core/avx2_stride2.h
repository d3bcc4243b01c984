/* Stride-2 windows of three taps along a row, for AVX2 code (include only from files built with
 * -mavx2): the depthwise 3x3 stride-2 convolution and the 3-wide stride-2 max pool. */
#ifndef JCONV_AVX2_STRIDE2_H
#define JCONV_AVX2_STRIDE2_H

#include <immintrin.h>
#include <stdint.h>

/* The taps of outputs j .. j + 7, columns 2 (j + m) + 0, 1, 2 of row x, as three vectors in the
 * lane order [0 1 4 5 2 3 6 7] that one in-lane shuffle of two loads gives (the compiler's own
 * vectorisation of x[2 j] spent two cross-lane permutes and a blend per tap). Reads x[2 j ..
 * 2 j + 16] only. */
static inline void s2_taps(const float *x, int64_t j, __m256 *left, __m256 *middle, __m256 *right) {
    const __m256 lo = _mm256_loadu_ps(x + 2 * j), hi = _mm256_loadu_ps(x + 2 * j + 8);
    *left = _mm256_shuffle_ps(lo, hi, 0x88);   /* elements 0 and 2 of each half: x[2 j + 2 m] */
    *middle = _mm256_shuffle_ps(lo, hi, 0xDD); /* 1 and 3: x[2 j + 2 m + 1] */
    /* x[2 j + 2 m + 2]: elements 0, 2 of x + 2 j + 2 and 1, 3 of x + 2 j + 9 (not past x[2 j + 16]) */
    *right = _mm256_shuffle_ps(_mm256_loadu_ps(x + 2 * j + 2), _mm256_loadu_ps(x + 2 * j + 9), 0xD8);
}

/* A vector in s2_taps' lane order back in output order: 64-bit pairs (0 1)(4 5)(2 3)(6 7). */
static inline __m256 s2_in_order(__m256 v) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8)); }

#endif
