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
 * --rounds R runs the whole suite R times, layer after layer each time, and then prints a table
 * of each layer's medians over the rounds with the rounds' range in brackets: a slow spell of the
 * machine, minutes long, then moves a few rounds rather than the whole answer.
 * Usage: jconv_bench [--suite FILE] [--algo NAME] [--threads N] [--filter TEXT] [--min-time S]
 *                    [--no-onednn] [--winograd] [--sgemm N] [--rounds R] */
#include "bench_time.h"
#include "fma_peak.h"
#include "jconv.h"
#include "layer_suite.h"
#ifdef JCONV_WITH_ONEDNN
#include "onednn_conv.h"
#define JCONV_BENCH_ONEDNN 1
#else
#define JCONV_BENCH_ONEDNN 0
#endif

#include <errno.h>
#include <limits.h>
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

/* One layer's figures in one round (ms: medians; 0 where a contender did not run). */
typedef struct layer_result {
    int ran; /* 0: the layer was refused (its row says why) */
    char algorithm[32];
    double flops, ms, peak_now, onednn_ms, winograd_ms;
} layer_result;

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

static void bench_layer(const layer *l, const options *o, layer_result *result) {
    memset(result, 0, sizeof *result);
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
        result->ran = 1, result->flops = flops, result->ms = median, result->peak_now = peak_now;
        snprintf(result->algorithm, sizeof result->algorithm, "%s", jconv_conv_plan_algorithm_name(plan));
        count--; /* the comparisons: jconv's contenders only */
        for (int i = 1; i < count; i++) {
            const double theirs = medians[i];
            if (i == 1 && !runs[i].declined) result->onednn_ms = theirs;
            if (i == 2 && !runs[i].declined) result->winograd_ms = theirs;
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

/* The median of n values (sorted in place) and their range. */
typedef struct spread {
    double median, lo, hi;
} spread;

static spread spread_of(double *values, int n) {
    spread s = {0.0, 0.0, 0.0};
    if (n == 0) return s;
    s.median = bench_median(values, n);
    s.lo = values[0], s.hi = values[n - 1];
    return s;
}

/* The rounds' table (--rounds), in Markdown: per layer the median of each round's figures (the
 * time, % of the peak now, oneDNN's time and the ratio), the ratio and % with the rounds' range;
 * GFLOP/s from the median times. */
static void print_rounds(const layer *layers, int count, const layer_result *results, int rounds, const options *o) {
    const int onednn = o->onednn && JCONV_BENCH_ONEDNN, winograd = onednn && o->winograd;
    printf("\nmedians over %d rounds (the rounds' range in brackets):\n\n", rounds);
    printf("| layer | jconv algorithm | jconv ms | GFLOP/s | %% peak now |%s%s\n",
           onednn ? " oneDNN ms | oneDNN GFLOP/s | ratio |" : "", winograd ? " oneDNN Winograd ms | Winograd ratio |" : "");
    printf("|---|---|---|---|---|%s%s\n", onednn ? "---|---|---|" : "", winograd ? "---|---|" : "");
    double *values = malloc(5 * (size_t)rounds * sizeof(double));
    if (values == NULL) return;
    for (int i = 0; i < count; i++) {
        /* per round: jconv's time, % of the peak now, oneDNN's time and ratio, Winograd's */
        double *ms = values, *percent = values + rounds, *theirs = values + 2 * rounds, *ratio = values + 3 * rounds;
        double *wino = values + 4 * rounds;
        int ran = 0, compared = 0, wino_ran = 0;
        const char *algorithm = NULL;
        double flops = 0.0;
        for (int r = 0; r < rounds; r++) {
            const layer_result *x = &results[r * count + i];
            if (!x->ran) continue;
            algorithm = x->algorithm, flops = x->flops;
            ms[ran] = x->ms, percent[ran] = 100.0 * x->flops / x->ms * 1e-6 / x->peak_now, ran++;
            if (x->onednn_ms > 0) theirs[compared] = x->onednn_ms, ratio[compared] = x->onednn_ms / x->ms, compared++;
            if (x->winograd_ms > 0) wino[wino_ran++] = x->winograd_ms;
        }
        if (ran == 0) {
            printf("| %s | refused |\n", layers[i].name);
            continue;
        }
        const spread t = spread_of(ms, ran), p = spread_of(percent, ran);
        printf("| %s | %s | %.3g | %.0f | %.0f%% (%.0f-%.0f) |", layers[i].name, algorithm, t.median,
               flops / t.median * 1e-6, p.median, p.lo, p.hi);
        if (onednn && compared > 0) {
            const spread u = spread_of(theirs, compared), q = spread_of(ratio, compared);
            printf(" %.3g | %.0f | %.2fx (%.2f-%.2f) |", u.median, flops / u.median * 1e-6, q.median, q.lo, q.hi);
        } else if (onednn) {
            printf(" declined | - | - |");
        }
        if (winograd && wino_ran > 0) {
            const spread w = spread_of(wino, wino_ran);
            printf(" %.3g | %.2fx |", w.median, w.median / t.median);
        } else if (winograd) {
            printf(" declined | - |");
        }
        printf("\n");
    }
    free(values);
}

/* Whether text is a whole number in [lo, hi], then in *n (the caller names the option if not). */
static int whole_number(const char *text, long long lo, long long hi, long long *n) {
    char *end;
    errno = 0;
    *n = strtoll(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && *n >= lo && *n <= hi;
}

int main(int argc, char **argv) {
    const char *suite = JCONV_DEFAULT_SUITE, *filter = NULL;
    long long sgemm = 0, rounds = 1;
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
        else if (strcmp(arg, "--sgemm") == 0) {
            if (!whole_number(value, 1, 1 << 15, &sgemm)) {
                fprintf(stderr, "--sgemm %s: not a size from 1 to 32768\n", value);
                return 2;
            }
        } else if (strcmp(arg, "--rounds") == 0) {
            if (!whole_number(value, 1, 1000, &rounds)) {
                fprintf(stderr, "--rounds %s: not a count from 1 to 1000\n", value);
                return 2;
            }
        } else if (strcmp(arg, "--filter") == 0) filter = value;
        else if (strcmp(arg, "--min-time") == 0) {
            char *end;
            o.min_time = strtod(value, &end);
            if (end == value || *end != '\0' || !(o.min_time >= 0.0 && o.min_time <= 3600.0)) {
                fprintf(stderr, "--min-time %s: not a number of seconds from 0 to 3600\n", value);
                return 2;
            }
        } else if (strcmp(arg, "--algo") == 0) {
            if (jconv_algorithm_from_name(value, &o.algorithm) != JCONV_OK) {
                fprintf(stderr, "%s\n", jconv_last_error());
                return 2;
            }
        } else if (strcmp(arg, "--threads") == 0) {
            long long threads;
            if (!whole_number(value, INT_MIN, INT_MAX, &threads)) {
                fprintf(stderr, "--threads %s: not a whole number\n", value);
                return 2;
            }
            if (jconv_set_num_threads((int)threads) != JCONV_OK) { /* it says which counts it takes */
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
    /* the layers to time: the SGEMM's, then the suite's conv and convT rows that pass the filter */
    layer *timed = malloc(((size_t)count + 1) * sizeof(layer));
    layer_result *results = timed != NULL ? malloc((size_t)rounds * ((size_t)count + 1) * sizeof(layer_result)) : NULL;
    if (results == NULL) {
        fprintf(stderr, "out of memory\n");
        free(timed), free(layers);
        return 2;
    }
    int n = 0;
    if (sgemm > 0) {
        layer *g = &timed[n++];
        memset(g, 0, sizeof *g);
        snprintf(g->name, sizeof g->name, "sgemm_%lld", sgemm);
        strcpy(g->op, "conv");
        g->rank = 1;
        g->batch = g->groups = 1;
        g->in_channels = g->out_channels = g->in_size[0] = sgemm; /* K = M = N */
        g->kernel[0] = g->stride[0] = g->dilation[0] = 1;
    }
    for (int i = 0; i < count; i++) {
        if (filter != NULL && strstr(layers[i].name, filter) == NULL) continue;
        if (strcmp(layers[i].op, "conv") == 0 || strcmp(layers[i].op, "convT") == 0) timed[n++] = layers[i];
        else printf("%-16s skipped: the C bench times conv and convT rows (java -jar target/jconv.jar bench runs %s)\n",
                    layers[i].name, layers[i].op);
    }
    for (int r = 0; r < rounds; r++) {
        if (rounds > 1) printf("round %d of %lld\n", r + 1, rounds);
        for (int i = 0; i < n; i++) bench_layer(&timed[i], &o, &results[r * n + i]);
    }
    if (rounds > 1) print_rounds(timed, n, results, (int)rounds, &o);
    free(results), free(timed), free(layers);
    return 0;
}
