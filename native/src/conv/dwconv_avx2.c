/* The depthwise plane kernel vectorised for AVX2 + FMA (this file is built with -mavx2 -mfma). */
#define DWCONV_PLANE dwconv_plane_avx2
#include "dwconv_impl.h"
