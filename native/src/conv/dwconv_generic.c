/* The depthwise plane kernel for the baseline ISA. */
#define DWCONV_PLANE dwconv_plane_generic
#include "dwconv_impl.h"
