/* The library's version, set by CMake from the project version. */
#include "internal.h"

#ifndef JCONV_VERSION_STRING
#error "JCONV_VERSION_STRING is defined by the build"
#endif

const char *jconv_version(void) { return JCONV_VERSION_STRING; }
