/* oneDNN on the same layers, in the same process, for the C bench's side-by-side ratios. */
#ifndef ONEDNN_CONV_H
#define ONEDNN_CONV_H

#include "layer_suite.h"

/* Times layer l (op conv or convT) through oneDNN's convolution_auto (or its Winograd when winograd
 * is set), memory formats `any`, reorders not timed. Returns the median milliseconds over at least
 * 3 runs lasting min_time seconds, or -1 when oneDNN declines the layer. impl receives oneDNN's
 * implementation name. */
double onednn_time_layer(const layer *l, int winograd, double min_time, char *impl, int impl_size);

#endif
