/* Two builds of libjconv side by side in one process: each conv and convT layer of a suite runs
 * as a plan of each build, executions alternating (A B, B A, ...), and the medians and their
 * ratio are printed. On a shared, noisy machine this shows changes that separate bench runs, which
 * differ by 20-40% between themselves, hide. Two builds also differ by where their code lands:
 * layers whose code did not change can read up to about 10% apart, so smaller effects need the
 * layers the change did not touch as controls.
 * Usage: jconv_ab LIB_A LIB_B [--suite FILE] [--filter TEXT] [--threads N] [--reps R] [--algo NAME]
 *                 [--relu]   (--algo: auto, the default, or one to force in both, e.g. im2col)
 *   e.g. jconv_ab /tmp/before/libjconv.so build/libjconv.so --filter 1x1 --threads 1 */
#include "bench_time.h"
#include "jconv.h"
#include "layer_suite.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry points used, looked up in one build (RTLD_LOCAL keeps the two apart). */
typedef struct build {
    const char *path;
    void (*desc_init)(jconv_conv_transpose_desc *, int);
    jconv_status (*conv_create)(const jconv_conv_desc *, const float *, const float *, jconv_algorithm,
                                const jconv_post_ops *, jconv_conv_plan **);
    jconv_status (*transpose_create)(const jconv_conv_transpose_desc *, const float *, const float *, jconv_algorithm,
                                     const jconv_post_ops *, jconv_conv_plan **);
    jconv_status (*execute)(const jconv_conv_plan *, const float *, const float *, float *);
    void (*destroy)(jconv_conv_plan *);
    jconv_status (*set_threads)(int);
    const char *(*algorithm_name)(const jconv_conv_plan *);
    jconv_status (*algorithm_from_name)(const char *, jconv_algorithm *);
    jconv_status (*conv_output_size)(const jconv_conv_desc *, int64_t *);
    jconv_status (*transpose_output_size)(const jconv_conv_transpose_desc *, int64_t *);
} build;

static int load(const char *path, build *b) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 0;
    }
    b->path = path;
    *(void **)&b->desc_init = dlsym(h, "jconv_conv_transpose_desc_init");
    *(void **)&b->conv_create = dlsym(h, "jconv_conv_plan_create");
    *(void **)&b->transpose_create = dlsym(h, "jconv_conv_transpose_plan_create");
    *(void **)&b->execute = dlsym(h, "jconv_conv_plan_execute");
    *(void **)&b->destroy = dlsym(h, "jconv_conv_plan_destroy");
    *(void **)&b->set_threads = dlsym(h, "jconv_set_num_threads");
    *(void **)&b->algorithm_name = dlsym(h, "jconv_conv_plan_algorithm_name");
    *(void **)&b->algorithm_from_name = dlsym(h, "jconv_algorithm_from_name");
    *(void **)&b->conv_output_size = dlsym(h, "jconv_conv_output_size");
    *(void **)&b->transpose_output_size = dlsym(h, "jconv_conv_transpose_output_size");
    if (!b->desc_init || !b->conv_create || !b->transpose_create || !b->execute || !b->destroy || !b->set_threads ||
        !b->algorithm_name || !b->algorithm_from_name || !b->conv_output_size || !b->transpose_output_size) {
        fprintf(stderr, "%s: not a jconv library\n", path);
        return 0;
    }
    return 1;
}

static float *filled(int64_t count) {
    float *values = malloc((size_t)count * sizeof(float));
    for (int64_t i = 0; i < count; i++) values[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    return values;
}

/* A plan of layer l in build b, or NULL (the message printed); *dst gets the output's size. */
static jconv_conv_plan *plan_of(const build *b, const layer *l, const float *w, const float *bias,
                                jconv_algorithm algorithm, const jconv_post_ops *post_ops, int64_t *dst) {
    const int transposed = strcmp(l->op, "convT") == 0;
    jconv_conv_transpose_desc d;
    b->desc_init(&d, l->rank);
    d.batch = l->batch, d.in_channels = l->in_channels, d.out_channels = l->out_channels, d.groups = l->groups;
    for (int i = 0; i < l->rank; i++) {
        d.in_size[i] = l->in_size[i], d.kernel[i] = l->kernel[i], d.stride[i] = l->stride[i];
        d.pad_begin[i] = d.pad_end[i] = l->pad[i], d.dilation[i] = l->dilation[i];
        d.output_padding[i] = transposed ? l->output_padding[i] : 0;
    }
    jconv_conv_desc c;
    memcpy(&c, &d, sizeof c); /* the conv fields come first */
    int64_t out[3];
    if ((transposed ? b->transpose_output_size(&d, out) : b->conv_output_size(&c, out)) != JCONV_OK) return NULL;
    *dst = l->batch * l->out_channels;
    for (int i = 0; i < l->rank; i++) *dst *= out[i];
    jconv_conv_plan *plan = NULL;
    const jconv_status status = transposed ? b->transpose_create(&d, w, bias, algorithm, post_ops, &plan)
                                           : b->conv_create(&c, w, bias, algorithm, post_ops, &plan);
    if (status != JCONV_OK) printf("%-16s %s: status %d\n", l->name, b->path, (int)status);
    return plan;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: jconv_ab LIB_A LIB_B [--suite FILE] [--filter TEXT] [--threads N] [--reps R] "
                        "[--algo NAME] [--relu]\n");
        return 2;
    }
    build builds[2];
    if (!load(argv[1], &builds[0]) || !load(argv[2], &builds[1])) return 2;
    const char *suite = JCONV_DEFAULT_SUITE, *filter = NULL;
    int threads = 0, reps = 200;
    const char *algorithm_name = "auto";
    jconv_post_ops post_ops = {JCONV_ACTIVATION_NONE, 0.0f, 0.0f, 0};
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--relu") == 0) post_ops.activation = JCONV_ACTIVATION_RELU;
        else if (i + 1 < argc && strcmp(argv[i], "--suite") == 0) suite = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--filter") == 0) filter = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) threads = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0) reps = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--algo") == 0) algorithm_name = argv[++i];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    jconv_algorithm algorithm;
    if (builds[0].algorithm_from_name(algorithm_name, &algorithm) != JCONV_OK) {
        fprintf(stderr, "unknown algorithm %s\n", algorithm_name);
        return 2;
    }
    if (reps < 3) reps = 3;
    for (int i = 0; i < 2 && threads > 0; i++)
        if (builds[i].set_threads(threads) != JCONV_OK) return 2;
    layer *layers;
    const int count = layer_suite_read(suite, &layers);
    if (count < 0) return 2;
    printf("A = %s\nB = %s\n%d alternating executions per build and layer; speedup = A median / B median\n",
           builds[0].path, builds[1].path, reps);
    double *times[2] = {malloc((size_t)reps * sizeof(double)), malloc((size_t)reps * sizeof(double))};
    for (int n = 0; n < count; n++) {
        const layer *l = &layers[n];
        if ((strcmp(l->op, "conv") != 0 && strcmp(l->op, "convT") != 0) ||
            (filter != NULL && strstr(l->name, filter) == NULL))
            continue;
        int64_t src = l->batch * l->in_channels, taps = 1;
        for (int i = 0; i < l->rank; i++) src *= l->in_size[i], taps *= l->kernel[i];
        const int64_t weights = l->out_channels * (l->in_channels / l->groups) * taps;
        float *x = filled(src), *w = filled(weights), *bias = filled(l->out_channels);
        int64_t dst = 1;
        jconv_conv_plan *plans[2] = {plan_of(&builds[0], l, w, bias, algorithm, &post_ops, &dst),
                                     plan_of(&builds[1], l, w, bias, algorithm, &post_ops, &dst)};
        float *y = malloc((size_t)dst * sizeof(float));
        if (plans[0] != NULL && plans[1] != NULL) {
            for (int i = 0; i < 2; i++) builds[i].execute(plans[i], x, NULL, y); /* warm-up */
            for (int r = 0; r < reps; r++)
                for (int turn = 0; turn < 2; turn++) {
                    const int i = (r + turn) % 2;
                    const double t0 = bench_now_seconds();
                    builds[i].execute(plans[i], x, NULL, y);
                    times[i][r] = bench_now_seconds() - t0;
                }
            const double a = bench_median(times[0], reps) * 1e3, b = bench_median(times[1], reps) * 1e3;
            printf("%-16s %-14s A %9.3f ms  B %9.3f ms  B speedup %.3fx\n", l->name,
                   builds[1].algorithm_name(plans[1]), a, b, a / b);
        }
        for (int i = 0; i < 2; i++)
            if (plans[i] != NULL) builds[i].destroy(plans[i]);
        free(x), free(w), free(bias), free(y);
    }
    free(times[0]), free(times[1]), free(layers);
    return 0;
}
