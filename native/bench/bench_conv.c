/* The C benchmark: times every conv layer of a layer suite through a plan and prints, per layer,
 * the algorithm, the median, min and max milliseconds and GFLOP/s (padding taps included).
 * Usage: jconv_bench [--suite FILE] [--algo NAME] [--threads N] [--filter TEXT] [--min-time SECONDS] */
#include "jconv.h"
#include "layer_suite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
#if defined(CLOCK_MONOTONIC)
    clock_gettime(CLOCK_MONOTONIC, &t);
#else
    timespec_get(&t, TIME_UTC);
#endif
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *filled(int64_t count) {
    float *values = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; values != NULL && i < count; i++) values[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    return values;
}

static void bench_conv(const layer *l, jconv_algorithm algorithm, double min_time) {
    jconv_conv_desc d;
    jconv_conv_desc_init(&d, l->rank);
    d.batch = l->batch;
    d.in_channels = l->in_channels;
    d.out_channels = l->out_channels;
    d.groups = l->groups;
    int64_t out[3], src = l->batch * l->in_channels, dst = l->batch * l->out_channels;
    int64_t weights = l->out_channels * (l->in_channels / l->groups);
    for (int i = 0; i < l->rank; i++) {
        d.in_size[i] = l->in_size[i];
        d.kernel[i] = l->kernel[i];
        d.stride[i] = l->stride[i];
        d.pad_begin[i] = d.pad_end[i] = l->pad[i];
        d.dilation[i] = l->dilation[i];
    }
    if (jconv_conv_output_size(&d, out) != JCONV_OK) {
        printf("%-16s error: %s\n", l->name, jconv_last_error());
        return;
    }
    for (int i = 0; i < l->rank; i++) src *= l->in_size[i], dst *= out[i], weights *= l->kernel[i];
    double flops = 2.0 * (double)dst * (double)(weights / l->out_channels);

    float *x = filled(src), *w = filled(weights), *b = filled(l->out_channels), *y = malloc((size_t)dst * sizeof(float));
    jconv_conv_plan *plan = NULL;
    if (jconv_conv_plan_create(&d, w, b, algorithm, NULL, &plan) != JCONV_OK) {
        printf("%-16s %-14s %s\n", l->name, "-", jconv_last_error());
    } else {
        enum { MAX_REPS = 1000 };
        static double times[MAX_REPS];
        jconv_conv_plan_execute(plan, x, NULL, y); /* warm-up: caches, pages, threads */
        int reps = 0;
        double start = now_seconds();
        while (reps < MAX_REPS && (reps < 3 || now_seconds() - start < min_time)) {
            double t0 = now_seconds();
            jconv_conv_plan_execute(plan, x, NULL, y);
            times[reps++] = now_seconds() - t0;
        }
        qsort(times, (size_t)reps, sizeof(double), compare_doubles);
        double median = reps % 2 ? times[reps / 2] : 0.5 * (times[reps / 2 - 1] + times[reps / 2]);
        printf("%-16s %-14s %10.3f %10.3f %10.3f %6d %9.1f\n", l->name, jconv_conv_plan_algorithm_name(plan),
               median * 1e3, times[0] * 1e3, times[reps - 1] * 1e3, reps, flops / median * 1e-9);
    }
    jconv_conv_plan_destroy(plan);
    free(x), free(w), free(b), free(y);
}

int main(int argc, char **argv) {
    const char *suite = JCONV_DEFAULT_SUITE, *filter = NULL;
    jconv_algorithm algorithm = JCONV_ALGO_AUTO;
    double min_time = 0.5;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL) {
            fprintf(stderr, "%s needs a value\n", arg);
            return 2;
        }
        i++;
        if (strcmp(arg, "--suite") == 0) suite = value;
        else if (strcmp(arg, "--filter") == 0) filter = value;
        else if (strcmp(arg, "--min-time") == 0) min_time = atof(value);
        else if (strcmp(arg, "--algo") == 0) {
            if (jconv_algorithm_from_name(value, &algorithm) != JCONV_OK) {
                fprintf(stderr, "%s\n", jconv_last_error());
                return 2;
            }
        } else if (strcmp(arg, "--threads") == 0) {
            if (jconv_set_num_threads(atoi(value)) != JCONV_OK) {
                fprintf(stderr, "%s\n", jconv_last_error());
                return 2;
            }
        } else {
            fprintf(stderr, "unknown option %s\n", arg);
            return 2;
        }
    }
    layer *layers;
    int count = layer_suite_read(suite, &layers);
    if (count < 0) return 2;
    printf("jconv %s, isa %s, %d threads\n", jconv_version(), jconv_isa(), jconv_get_num_threads());
    printf("%-16s %-14s %10s %10s %10s %6s %9s\n", "layer", "algorithm", "median_ms", "min_ms", "max_ms", "reps",
           "GFLOP/s");
    for (int i = 0; i < count; i++) {
        if (filter != NULL && strstr(layers[i].name, filter) == NULL) continue;
        if (strcmp(layers[i].op, "conv") == 0) bench_conv(&layers[i], algorithm, min_time);
        else printf("%-16s skipped: the C bench times conv rows (java -jar target/jconv.jar bench runs %s)\n",
                    layers[i].name, layers[i].op);
    }
    free(layers);
    return 0;
}
