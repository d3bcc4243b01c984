#include "layer_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "8:56:56" into values; a single number is broadcast to every one of rank dims. */
static int parse_list(const char *text, int rank, int64_t *values) {
    int count = 0;
    const char *p = text;
    while (count < 3) {
        char *end;
        values[count++] = strtoll(p, &end, 10);
        if (end == p) return -1;
        if (*end != ':') break;
        p = end + 1;
    }
    if (rank == 0) return count;
    if (count == 1)
        for (int i = 1; i < rank; i++) values[i] = values[0];
    else if (count != rank)
        return -1;
    return rank;
}

int layer_suite_read(const char *path, layer **layers_out) {
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        fprintf(stderr, "cannot open layer suite %s\n", path);
        return -1;
    }
    int count = 0, capacity = 0, line_number = 0, header_seen = 0;
    layer *layers = NULL;
    char line[1024];
    while (fgets(line, sizeof line, file) != NULL) {
        line_number++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r') continue;
        if (!header_seen) { /* the first other line names the columns */
            header_seen = 1;
            continue;
        }
        char *fields[13];
        int n = 0;
        for (char *p = line; n < 13;) {
            fields[n++] = p;
            char *comma = strchr(p, ',');
            if (comma == NULL) break;
            *comma = '\0';
            p = comma + 1;
        }
        if (n < 12) {
            fprintf(stderr, "%s:%d: expected 13 fields\n", path, line_number);
            free(layers);
            fclose(file);
            return -1;
        }
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 32;
            layers = realloc(layers, (size_t)capacity * sizeof *layers);
        }
        layer *l = &layers[count];
        memset(l, 0, sizeof *l);
        snprintf(l->name, sizeof l->name, "%s", fields[0]);
        snprintf(l->op, sizeof l->op, "%s", fields[1]);
        l->batch = atoll(fields[2]);
        l->in_channels = atoll(fields[3]);
        l->out_channels = atoll(fields[4]);
        l->rank = parse_list(fields[5], 0, l->in_size);
        int ok = l->rank > 0 && parse_list(fields[6], l->rank, l->kernel) > 0 &&
                 parse_list(fields[7], l->rank, l->stride) > 0 && parse_list(fields[8], l->rank, l->pad) > 0 &&
                 parse_list(fields[9], l->rank, l->dilation) > 0 &&
                 parse_list(fields[11], l->rank, l->output_padding) > 0;
        l->groups = atoll(fields[10]);
        if (!ok) {
            fprintf(stderr, "%s:%d: a spatial list does not match the rank of in_spatial\n", path, line_number);
            free(layers);
            fclose(file);
            return -1;
        }
        count++;
    }
    fclose(file);
    *layers_out = layers;
    return count;
}
