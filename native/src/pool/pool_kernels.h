/* Pooling kernels built for one ISA (their files get its flags; pool.c calls them only when the CPU
 * runs that ISA). */
#ifndef JCONV_POOL_KERNELS_H
#define JCONV_POOL_KERNELS_H

#include <stdint.h>

/* Outputs [0, count) of max pooling with windows of 3 columns at stride 2 along W over the given
 * window rows, in their order: out[j] = the max, by max_pool_row's rule, of rows[r][2 j + kw] over
 * r < row_count then kw < 3. Reads rows[r][0 .. 2 count] only. Returns how many outputs it wrote:
 * count, or 0 when count < 8. */
int64_t max_pool_3wide_s2_avx2(const float *const *rows, int64_t row_count, int64_t count, float *out);

#endif
