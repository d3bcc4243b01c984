/* A naive convolution in double precision, written from the definition in jconv.h and sharing no
 * code with the library: the oracle of the C tests. */
#ifndef CONV_REFERENCE_H
#define CONV_REFERENCE_H

#include "jconv.h"

/* dst[N][OC][out...] = sum over the taps of src * weights (+ bias), no post-ops. out_size holds
 * the output's spatial sizes as the definition gives them. */
void conv_reference(const jconv_conv_desc *desc, const int64_t *out_size, const float *src, const float *weights,
                    const float *bias, double *dst);

/* The transposed convolution by its definition (every input scattered through the kernel), in
 * double: dst[N][OC][out...] from src[N][IC][in...] and weights [IC][OC/groups][k...]. */
void conv_transpose_reference(const jconv_conv_transpose_desc *desc, const int64_t *out_size, const float *src,
                              const float *weights, const float *bias, double *dst);

/* Element counts of a descriptor's tensors (out_size: the output's spatial sizes). */
int64_t conv_src_count(const jconv_conv_desc *desc);
int64_t conv_weight_count(const jconv_conv_desc *desc);
int64_t conv_dst_count(const jconv_conv_desc *desc, const int64_t *out_size);

#endif
