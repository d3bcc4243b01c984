/* oneDNN on the same layers, in the same process, for the C bench's side-by-side ratios. */
#ifndef ONEDNN_CONV_H
#define ONEDNN_CONV_H

#include "layer_suite.h"

typedef struct onednn_layer onednn_layer;

/* Layer l (op conv or convT) as a oneDNN primitive: convolution_auto (or its Winograd when winograd
 * is set), memory formats `any` (its blocked layouts; the reorders into them are not part of a
 * run), zero-filled buffers. NULL when oneDNN declines the layer. impl receives oneDNN's
 * implementation name. */
onednn_layer *onednn_prepare(const layer *l, int winograd, char *impl, int impl_size);
/* One execution, waited for. */
void onednn_run(onednn_layer *layer);
void onednn_release(onednn_layer *layer);

#endif
