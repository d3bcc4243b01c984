/* The depthwise algorithm: groups with one input channel each (in_channels / groups == 1, any
 * number of outputs per group), every rank, stride, padding and dilation. Each output plane is
 * computed by one thread from a zero-padded copy of its input plane (per-thread scratch), with the
 * plane kernel compiled for the active ISA (dwconv_generic.c, dwconv_avx2.c, dwconv_avx512.c). */
#include "../core/work_ranges.h"
#include "conv.h"

typedef void (*dwconv_plane_fn)(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                                const float *residual, const jconv_post_ops *post_ops, float *out, float *padded);

void dwconv_plane_generic(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                          const float *residual, const jconv_post_ops *post_ops, float *out, float *padded);
#if defined(__x86_64__) || defined(__i386__)
void dwconv_plane_avx2(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                       const float *residual, const jconv_post_ops *post_ops, float *out, float *padded);
void dwconv_plane_avx512(const conv_geometry *g, const float *in_plane, const float *w, float bias,
                         const float *residual, const jconv_post_ops *post_ops, float *out, float *padded);
#endif

/* AVX-512 for stride 1 along W only: there it ran mb2_dw_112 1.10x and mb2_dw_14 1.04-1.07x
 * faster than AVX2, but mb2_dw_s2 0.93-0.95x (its taps come from the AVX2 even/odd shuffles
 * either way; bench, builds alternating, three rounds). */
static dwconv_plane_fn plane_kernel(const conv_geometry *g) {
#if defined(__x86_64__) || defined(__i386__)
    if (jconv_isa_level_active() == JCONV_ISA_AVX512 && g->stride[2] == 1) return dwconv_plane_avx512;
    if (jconv_isa_runs_avx2()) return dwconv_plane_avx2;
#endif
    (void)g; /* only the x86 choice reads it */
    return dwconv_plane_generic;
}

/* Elements of the zero-padded input plane, or -1 when it would exceed DEPTHWISE_MAX_PADDED_PLANE. */
static int64_t padded_plane_size(const conv_geometry *g) {
    int64_t size = 1;
    for (int dim = 0; dim < 3; dim++) {
        const int64_t extent = g->in[dim] + g->pad_begin[dim] + g->pad_end[dim]; /* < 2^62: each term < 2^60 */
        if (!jconv_multiply_checked(size, extent, &size) || size > DEPTHWISE_MAX_PADDED_PLANE) return -1;
    }
    return size;
}

/* One input channel per group, not transposed, and a padded plane of sane size: each output plane
 * copies its input into one, so its cost must follow the input and output planes. The fuzzer found
 * huge paddings with huge strides, whose padded copy cannot be allocated, and a padded plane of 3
 * million floats for 3003 outputs; direct computes per output and handles those. */
int conv_depthwise_supports(const conv_geometry *g) {
    const int64_t padded = padded_plane_size(g);
    const int64_t in_plane = g->in[0] * g->in[1] * g->in[2], out_plane = g->out[0] * g->out[1] * g->out[2];
    return !g->transposed && g->in_channels_per_group == 1 && padded > 0 &&
           padded <= DEPTHWISE_PADDED_FACTOR * (in_plane + out_plane) + DEPTHWISE_PADDED_FLOOR;
}

jconv_status conv_depthwise_execute(const struct jconv_conv_plan *plan, const float *src, const float *residual,
                                    float *dst) {
    const conv_geometry *g = &plan->geometry;
    const int64_t in_plane = g->in[0] * g->in[1] * g->in[2], out_plane = g->out[0] * g->out[1] * g->out[2];
    const int64_t padded_plane = padded_plane_size(g); /* > 0: the plan checked conv_depthwise_supports */
    const int64_t padded_rows = padded_plane / (g->in[2] + g->pad_begin[2] + g->pad_end[2]);
    const int64_t planes = g->batch * g->out_channels, taps = g->kernel[0] * g->kernel[1] * g->kernel[2];
    const dwconv_plane_fn kernel = plane_kernel(g);
    const int threads = jconv_threads();
    int failed = 0;
    /* each thread its own range of planes first, then what is left of the others' (work_ranges.h) */
    jconv_work_ranges work;
    jconv_work_ranges_init(&work, threads, planes);
#pragma omp parallel num_threads(threads) if (threads > 1 && planes > 1) reduction(| : failed)
    {
        const int thread = jconv_thread_index();
        /* the padded plane, then the stride-1 sums or the even/odd columns (see dwconv_impl.h) */
        float *padded = jconv_alloc((size_t)(2 * padded_plane + padded_rows) * sizeof(float));
        if (padded == NULL) failed = 1;
        int64_t first, end;
        while (padded != NULL && jconv_work_next(&work, thread, &first, &end))
            for (int64_t p = first; p < end; p++) {
                const int64_t n = p / g->out_channels, oc = p % g->out_channels;
                const int64_t ic = oc / g->out_channels_per_group; /* its group's one input channel */
                kernel(g, src + (n * g->in_channels + ic) * in_plane, plan->weights + oc * taps,
                       plan->bias != NULL ? plan->bias[oc] : 0.0f,
                       residual != NULL ? residual + p * out_plane : NULL, &plan->post_ops, dst + p * out_plane,
                       padded);
            }
        jconv_free(padded);
    }
    if (failed) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate the depthwise padding buffer");
    return JCONV_OK;
}
