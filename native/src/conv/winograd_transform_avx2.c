/* The Winograd transforms vectorised for AVX2 + FMA (this file is built with -mavx2 -mfma). */
#define WINOGRAD_INPUT winograd_input_avx2
#define WINOGRAD_OUTPUT winograd_output_avx2
#include "winograd_transform_impl.h"
