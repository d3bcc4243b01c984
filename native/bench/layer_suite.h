/* The layer suite file (layers.csv): real layers of well-known networks, one per line. */
#ifndef LAYER_SUITE_H
#define LAYER_SUITE_H

#include <stdint.h>

typedef struct layer {
    char name[64];
    char op[16];      /* conv, convT, maxpool, avgpool */
    int rank;         /* spatial dims: 1, 2 or 3 */
    int64_t batch, in_channels, out_channels, groups;
    int64_t in_size[3], kernel[3], stride[3], pad[3], dilation[3], output_padding[3];
} layer;

/* Reads every layer of the file into a malloc'd array; returns the count, or -1 with a message
 * on stderr. */
int layer_suite_read(const char *path, layer **layers);

#endif
