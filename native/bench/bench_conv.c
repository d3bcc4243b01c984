/* The C benchmark: times every conv and convT layer of a layer suite through a plan and prints, per
 * layer, the algorithm, the median milliseconds, GFLOP/s (padding taps included, as layers.csv
 * counts them) and the % of the FMA peak ("peak now": an FMA loop timed between the layer's own
 * executions, its median GFLOP/s; the header's peak is the best of three at the start); with
 * oneDNN found by CMake, also oneDNN's
 * convolution_auto on the same layer in the same process and our speed relative to it (> 1: we
 * are faster), and with --winograd oneDNN's Winograd where it accepts the layer.
 * --sgemm N adds a row "sgemm_N": an N x N x N single-precision GEMM, C[M][N] = A[M][K] B[K][N]
 * with plain row-major matrices, run as the 1x1 convolution it is (A the weights, B the input's
 * rows: the GEMM engine without any rearrangement), FLOPs 2 N^3.
 * Usage: jconv_bench [--suite FILE] [--algo NAME] [--threads N] [--filter TEXT] [--min-time S]
 *                    [--no-onednn] [--winograd] [--sgemm N] */
#include "bench_time.h"
#include "fma_peak.h"
#include "jconv.h"
#include "layer_suite.h"
#ifdef JCONV_WITH_ONEDNN
#include "onednn_conv.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static float *filled(int64_t count) {
    float *values = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; values != NULL && i < count; i++) values[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    return values;
}

typedef struct options {
    jconv_algorithm algorithm;
    double min_time, peak; /* peak: the FMA peak measured at the start, GFLOP/s */
    int onednn, winograd, threads;
} options;

/* One side of a layer's comparison: the jconv plan, or a oneDNN primitive (declined: not run), or
 * the FMA loop (fma_iterations > 0: the peak of the moment). */
typedef struct contender {
    jconv_conv_plan *plan;
    long long fma_iterations;
    int threads;
#ifdef JCONV_WITH_ONEDNN
    onednn_layer *onednn;
#else
    void *onednn;
#endif
    char impl[64];
    int declined;
} contender;

static void run_contender(const contender *c, const float *x, float *y) {
    if (c->fma_iterations > 0) fma_peak_run(c->threads, c->fma_iterations);
    else if (c->plan != NULL) jconv_conv_plan_execute(c->plan, x, NULL, y);
#ifdef JCONV_WITH_ONEDNN
    else onednn_run(c->onednn);
#endif
}

/* A warm-up run each (caches, pages, threads), then rounds until every contender has 3 runs and
 * min_time has passed per contender; medians in milliseconds (0 for a declined one). */
static void time_contenders(const contender *runs, int count, double min_time, const float *x, float *y,
                            double *medians) {
    enum { MAX_REPS = 1000 };
    static double times[4][MAX_REPS];
    int live = 0; /* the layer's contenders: the FMA loop's short runs do not add to the time */
    for (int i = 0; i < count; i++) {
        if (runs[i].declined) continue;
        run_contender(&runs[i], x, y);
        live += runs[i].fma_iterations == 0;
    }
    int reps = 0;
    const double start = bench_now_seconds();
    while (reps < MAX_REPS && (reps < 3 || bench_now_seconds() - start < min_time * live)) {
        for (int turn = 0; turn < count; turn++) {
            const int i = (turn + reps) % count;
            if (runs[i].declined) continue;
            const double t0 = bench_now_seconds();
            run_contender(&runs[i], x, y);
            times[i][reps] = bench_now_seconds() - t0;
        }
        reps++;
    }
    for (int i = 0; i < count; i++) medians[i] = runs[i].declined ? 0.0 : bench_median(times[i], reps) * 1e3;
}

static void bench_layer(const layer *l, const options *o) {
    const int transposed = strcmp(l->op, "convT") == 0;
    jconv_conv_transpose_desc d;
    jconv_conv_transpose_desc_init(&d, l->rank);
    d.batch = l->batch;
    d.in_channels = l->in_channels;
    d.out_channels = l->out_channels;
    d.groups = l->groups;
    for (int i = 0; i < l->rank; i++) {
        d.in_size[i] = l->in_size[i];
        d.kernel[i] = l->kernel[i];
        d.stride[i] = l->stride[i];
        d.pad_begin[i] = d.pad_end[i] = l->pad[i];
        d.dilation[i] = l->dilation[i];
        d.output_padding[i] = transposed ? l->output_padding[i] : 0;
    }
    jconv_conv_desc c;
    memcpy(&c, &d, sizeof c); /* the conv fields come first */
    int64_t out[3];
    if ((transposed ? jconv_conv_transpose_output_size(&d, out) : jconv_conv_output_size(&c, out)) != JCONV_OK) {
        printf("%-16s error: %s\n", l->name, jconv_last_error());
        return;
    }
    int64_t src = l->batch * l->in_channels, dst = l->batch * l->out_channels, taps = 1;
    for (int i = 0; i < l->rank; i++) src *= l->in_size[i], dst *= out[i], taps *= l->kernel[i];
    const int64_t weights = l->out_channels * (l->in_channels / l->groups) * taps;
    /* layers.csv: 2 * N * OC * prod(out) * IC/g * prod(k); for convT with in and out swapped */
    const double flops = transposed ? 2.0 * (double)src * (double)(l->out_channels / l->groups * taps)
                                    : 2.0 * (double)dst * (double)(l->in_channels / l->groups * taps);

    float *x = filled(src), *w = filled(weights), *b = filled(l->out_channels), *y = malloc((size_t)dst * sizeof(float));
    jconv_conv_plan *plan = NULL;
    jconv_status status = transposed ? jconv_conv_transpose_plan_create(&d, w, b, o->algorithm, NULL, &plan)
                                     : jconv_conv_plan_create(&c, w, b, o->algorithm, NULL, &plan);
    if (status != JCONV_OK) {
        printf("%-16s %-14s %s\n", l->name, "-", jconv_last_error());
    } else {
        /* The contenders run in turn, one execution each per round (the first of a round changes
         * every round), so that a slow spell of this shared machine hits all of them alike. */
        contender runs[4] = {{plan, 0, 0, NULL, {0}, 0}};
        int count = 1;
#ifdef JCONV_WITH_ONEDNN
        for (int winograd = 0; o->onednn && winograd <= (o->winograd && !transposed); winograd++) {
            runs[count].onednn = onednn_prepare(l, winograd, runs[count].impl, sizeof runs[count].impl);
            runs[count].declined = runs[count].onednn == NULL;
            count++;
        }
#endif
        /* last, the FMA loop for about a millisecond a round */
        const int fma = count++;
        runs[fma].threads = o->threads;
        runs[fma].fma_iterations = (long long)(o->peak / o->threads * 1e-3 * 1e9 / fma_loop_flops_per_iteration()) + 1;
        double medians[4];
        time_contenders(runs, count, o->min_time, x, y, medians);
        const double peak_now = (double)runs[fma].fma_iterations * fma_loop_flops_per_iteration() * o->threads /
                                medians[fma] * 1e-6;
        const double median = medians[0], gflops = flops / median * 1e-6;
        printf("%-16s %-14s %9.3f %8.1f %6.1f%% %8.0f", l->name, jconv_conv_plan_algorithm_name(plan), median, gflops,
               100.0 * gflops / peak_now, peak_now);
        count--; /* the comparisons: jconv's contenders only */
        for (int i = 1; i < count; i++) {
            const double theirs = medians[i];
            if (i == 1 && runs[i].declined) printf("  %9s %8s %7s  %-18s", "-", "-", "-", "declined");
            else if (i == 1) printf("  %9.3f %8.1f %6.2fx  %-18s", theirs, flops / theirs * 1e-6, theirs / median, runs[i].impl);
            else if (runs[i].declined) printf("  winograd declined");
            else printf("  winograd %9.3f ms %8.1f GFLOP/s %6.2fx", theirs, flops / theirs * 1e-6, theirs / median);
        }
#ifdef JCONV_WITH_ONEDNN
        for (int i = 1; i < count; i++) onednn_release(runs[i].onednn);
#endif
        printf("\n");
        fflush(stdout);
    }
    jconv_conv_plan_destroy(plan);
    free(x), free(w), free(b), free(y);
}

int main(int argc, char **argv) {
    const char *suite = JCONV_DEFAULT_SUITE, *filter = NULL;
    long long sgemm = 0;
    options o = {JCONV_ALGO_AUTO, 0.5, 0, 1, 0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--no-onednn") == 0) {
            o.onednn = 0;
            continue;
        }
        if (strcmp(arg, "--winograd") == 0) {
            o.winograd = 1;
            continue;
        }
        const char *value = i + 1 < argc ? argv[++i] : NULL;
        if (value == NULL) {
            fprintf(stderr, "%s needs a value\n", arg);
            return 2;
        }
        if (strcmp(arg, "--suite") == 0) suite = value;
        else if (strcmp(arg, "--sgemm") == 0) sgemm = atoll(value);
        else if (strcmp(arg, "--filter") == 0) filter = value;
        else if (strcmp(arg, "--min-time") == 0) o.min_time = atof(value);
        else if (strcmp(arg, "--algo") == 0) {
            if (jconv_algorithm_from_name(value, &o.algorithm) != JCONV_OK) {
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
    const int count = layer_suite_read(suite, &layers);
    if (count < 0) return 2;
    const int threads = jconv_get_num_threads();
#ifdef _OPENMP
    omp_set_num_threads(threads); /* oneDNN's OpenMP threads, from this (the calling) thread */
#endif
    o.peak = fma_peak_gflops(threads);
    o.threads = threads;
    printf("jconv %s, isa %s, %d threads, measured FMA peak %.0f GFLOP/s%s\n", jconv_version(), jconv_isa(), threads,
           o.peak,
#ifdef JCONV_WITH_ONEDNN
           o.onednn ? "; oneDNN (convolution_auto, formats any, reorders not timed) beside each layer" : ""
#else
           "; built without oneDNN"
#endif
    );
    printf("gemm: %s\n", jconv_gemm_info());
    printf("%-16s %-14s %9s %8s %7s %8s", "layer", "algorithm", "ms", "GFLOP/s", "peak", "peak now");
#ifdef JCONV_WITH_ONEDNN
    if (o.onednn) printf("  %9s %8s %7s  %-18s", "oneDNN ms", "GFLOP/s", "ratio", "oneDNN impl");
#endif
    printf("\n");
    if (sgemm > 0) {
        layer g;
        memset(&g, 0, sizeof g);
        snprintf(g.name, sizeof g.name, "sgemm_%lld", sgemm);
        strcpy(g.op, "conv");
        g.rank = 1;
        g.batch = g.groups = 1;
        g.in_channels = g.out_channels = g.in_size[0] = sgemm; /* K = M = N */
        g.kernel[0] = g.stride[0] = g.dilation[0] = 1;
        bench_layer(&g, &o);
    }
    for (int i = 0; i < count; i++) {
        if (filter != NULL && strstr(layers[i].name, filter) == NULL) continue;
        if (strcmp(layers[i].op, "conv") == 0 || strcmp(layers[i].op, "convT") == 0) bench_layer(&layers[i], &o);
        else printf("%-16s skipped: the C bench times conv and convT rows (java -jar target/jconv.jar bench runs %s)\n",
                    layers[i].name, layers[i].op);
    }
    free(layers);
    return 0;
}
