/* The depthwise plane kernel vectorised for AVX-512 (this file is built with -mavx512f -mfma and
 * 512-bit vectors preferred): the same loops as dwconv_avx2.c, 16 floats at a time. */
#define DWCONV_PLANE dwconv_plane_avx512
#include "dwconv_impl.h"
