/* Convolution plans: create (validate, choose, copy weights), execute, destroy; the one-shot. */
#include "conv.h"

#include <math.h>
#include <string.h>

static const char *const algorithm_names[] = {"auto",          "direct",        "im2col",   "winograd-f2x3",
                                              "winograd-f4x3", "winograd-f6x3", "depthwise"};
#define ALGORITHM_COUNT ((int)(sizeof algorithm_names / sizeof algorithm_names[0]))

const char *jconv_algorithm_name(jconv_algorithm algorithm) {
    return (int)algorithm >= 0 && (int)algorithm < ALGORITHM_COUNT ? algorithm_names[algorithm] : NULL;
}

jconv_status jconv_algorithm_from_name(const char *name, jconv_algorithm *algorithm) {
    jconv_clear_error();
    if (name == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "name is NULL");
    if (algorithm == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "algorithm is NULL");
    for (int i = 0; i < ALGORITHM_COUNT; i++)
        if (strcmp(name, algorithm_names[i]) == 0) {
            *algorithm = (jconv_algorithm)i;
            return JCONV_OK;
        }
    return jconv_fail(JCONV_INVALID_ARGUMENT,
                      "algorithm '%.64s' is not one of auto, direct, im2col, winograd-f2x3, winograd-f4x3, "
                      "winograd-f6x3, depthwise",
                      name);
}

/* The kernel of each algorithm for convolutions or transposed ones, NULL where this build has none. */
static conv_execute_fn algorithm_kernel(jconv_algorithm algorithm, int transposed) {
    switch (algorithm) {
    case JCONV_ALGO_DIRECT: return transposed ? conv_transpose_direct_execute : conv_direct_execute;
    case JCONV_ALGO_IM2COL: return transposed ? conv_transpose_gemm_execute : conv_im2col_execute;
    case JCONV_ALGO_DEPTHWISE: return transposed ? NULL : conv_depthwise_execute;
    case JCONV_ALGO_WINOGRAD_F2X3:
    case JCONV_ALGO_WINOGRAD_F4X3:
    case JCONV_ALGO_WINOGRAD_F6X3: return transposed ? NULL : conv_winograd_execute;
    default: return NULL;
    }
}

int jconv_algorithm_available(jconv_algorithm algorithm) {
    return algorithm == JCONV_ALGO_AUTO || algorithm_kernel(algorithm, 0) != NULL;
}

/* The algorithm AUTO runs for a shape, from measurements (jconv_bench, README): depthwise layers
 * (one input per group) leave the GEMM's 6-row tiles mostly empty and the depthwise kernel wins
 * there; transposed depthwise layers keep the direct gather. Otherwise the cheapest by the cost
 * models (conv.h): im2col + GEMM, the blocked direct path (AVX-512; its loops elsewhere lose to
 * im2col by 5-20x), or, for 3-tap stride-1 kernels, a Winograd tile whose error bound is within
 * JCONV_AUTO_ERROR_BOUND. */
static jconv_algorithm choose_algorithm(const conv_geometry *geometry) {
    if (geometry->in_channels_per_group == 1 && geometry->out_channels_per_group <= 2)
        return conv_depthwise_supports(geometry) ? JCONV_ALGO_DEPTHWISE : JCONV_ALGO_DIRECT;
    const double im2col = conv_im2col_cost(geometry), direct = conv_direct_blocked_cost(geometry);
    const jconv_algorithm winograd = conv_winograd_choose(geometry, direct < im2col ? direct : im2col);
    if (winograd != JCONV_ALGO_AUTO) return winograd;
    return direct < im2col ? JCONV_ALGO_DIRECT : JCONV_ALGO_IM2COL;
}

static float *copy_floats(const float *values, int64_t count) {
    float *copy = jconv_alloc((size_t)count * sizeof(float));
    if (copy != NULL) memcpy(copy, values, (size_t)count * sizeof(float));
    return copy;
}

/* Creates a plan from a validated geometry: the part convolutions and transposed ones share. */
static jconv_status create_plan(const jconv_conv_desc *desc, const conv_geometry *geometry, const float *weights,
                                const float *bias, jconv_algorithm algorithm, const jconv_post_ops *post_ops,
                                jconv_conv_plan **plan_out) {
    jconv_post_ops resolved_post_ops;
    if (weights == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "weights is NULL");
    jconv_status status = conv_post_ops_check(post_ops, &resolved_post_ops);
    if (status != JCONV_OK) return status;
    if (jconv_algorithm_name(algorithm) == NULL)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "algorithm=%d is not a jconv_algorithm", (int)algorithm);
    if (algorithm == JCONV_ALGO_AUTO) algorithm = choose_algorithm(geometry);
    if (algorithm == JCONV_ALGO_DEPTHWISE && !conv_depthwise_supports(geometry))
        return jconv_fail(JCONV_UNSUPPORTED,
                          "algorithm depthwise needs in_channels / groups == 1 (got %lld), no transposition (%s) and "
                          "a padded input plane of at most %lld elements and at most %d times the input and output "
                          "planes' elements plus %d",
                          (long long)geometry->in_channels_per_group, geometry->transposed ? "transposed" : "none",
                          (long long)DEPTHWISE_MAX_PADDED_PLANE, DEPTHWISE_PADDED_FACTOR, DEPTHWISE_PADDED_FLOOR);
    if (conv_winograd_tile_size(algorithm) > 0 && !conv_winograd_supports(geometry))
        return jconv_fail(JCONV_UNSUPPORTED,
                          "algorithm %s needs a convolution (not transposed) with kernel 3 in every dim whose kernel "
                          "is not 1 and stride 1 in every dim (got kernel %lldx%lldx%lld, stride %lldx%lldx%lld)",
                          jconv_algorithm_name(algorithm), (long long)geometry->kernel[0],
                          (long long)geometry->kernel[1], (long long)geometry->kernel[2],
                          (long long)geometry->stride[0], (long long)geometry->stride[1],
                          (long long)geometry->stride[2]);
    conv_execute_fn execute = algorithm_kernel(algorithm, geometry->transposed);
    if (execute == NULL)
        return jconv_fail(JCONV_UNSUPPORTED, "algorithm %s is not built yet%s", jconv_algorithm_name(algorithm),
                          geometry->transposed ? " for transposed convolution" : "");

    jconv_conv_plan *plan = jconv_alloc(sizeof *plan);
    if (plan == NULL) return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate a plan");
    memset(plan, 0, sizeof *plan);
    plan->desc = *desc;
    plan->geometry = *geometry;
    plan->algorithm = algorithm;
    plan->post_ops = resolved_post_ops;
    plan->execute = execute;
    plan->scratch = jconv_alloc(sizeof *plan->scratch);
    if (plan->scratch == NULL) goto out_of_memory;
    memset(plan->scratch, 0, sizeof *plan->scratch);
    atomic_init(&plan->scratch->busy, 0);
    plan->weights = copy_floats(weights, geometry->weight_elements);
    if (plan->weights == NULL) goto out_of_memory;
    if (bias != NULL) {
        plan->bias = copy_floats(bias, geometry->out_channels);
        if (plan->bias == NULL) goto out_of_memory;
    }
    /* weights packed or transformed once, here */
    const int tile = conv_winograd_tile_size(algorithm);
    if (tile > 0) status = conv_winograd_prepare(plan, tile);
    else if (algorithm == JCONV_ALGO_IM2COL)
        status = geometry->transposed ? conv_transpose_gemm_prepare(plan) : conv_im2col_prepare(plan);
    else if (algorithm == JCONV_ALGO_DIRECT && conv_direct_blocked_supports(geometry))
        status = conv_direct_blocked_prepare(plan);
    if (status != JCONV_OK) {
        jconv_conv_plan_destroy(plan);
        return status;
    }
    *plan_out = plan;
    return JCONV_OK;

out_of_memory:
    jconv_conv_plan_destroy(plan);
    return jconv_fail(JCONV_OUT_OF_MEMORY, "cannot allocate %lld bytes of weights and bias",
                      (long long)((geometry->weight_elements + geometry->out_channels) * (int64_t)sizeof(float)));
}

jconv_status jconv_conv_plan_create(const jconv_conv_desc *desc, const float *weights, const float *bias,
                                    jconv_algorithm algorithm, const jconv_post_ops *post_ops,
                                    jconv_conv_plan **plan_out) {
    jconv_clear_error();
    if (plan_out == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "plan is NULL");
    *plan_out = NULL;
    conv_geometry geometry;
    jconv_status status = conv_geometry_init(desc, &geometry);
    if (status != JCONV_OK) return status;
    return create_plan(desc, &geometry, weights, bias, algorithm, post_ops, plan_out);
}

jconv_status jconv_conv_transpose_plan_create(const jconv_conv_transpose_desc *desc, const float *weights,
                                              const float *bias, jconv_algorithm algorithm,
                                              const jconv_post_ops *post_ops, jconv_conv_plan **plan_out) {
    jconv_clear_error();
    if (plan_out == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "plan is NULL");
    *plan_out = NULL;
    conv_geometry geometry;
    jconv_status status = conv_transpose_geometry_init(desc, &geometry);
    if (status != JCONV_OK) return status;
    jconv_conv_desc common;
    conv_desc_from_transpose(desc, &common);
    return create_plan(&common, &geometry, weights, bias, algorithm, post_ops, plan_out);
}

jconv_status jconv_conv_plan_execute(const jconv_conv_plan *plan, const float *src, const float *residual,
                                     float *dst) {
    jconv_clear_error();
    if (plan == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "plan is NULL");
    if (src == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "src is NULL");
    if (dst == NULL) return jconv_fail(JCONV_INVALID_ARGUMENT, "dst is NULL");
    const size_t src_bytes = (size_t)plan->geometry.src_elements * sizeof(float);
    const size_t dst_bytes = (size_t)plan->geometry.dst_elements * sizeof(float);
    const uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst, r = (uintptr_t)residual;
    if (s < d + dst_bytes && d < s + src_bytes) return jconv_fail(JCONV_INVALID_ARGUMENT, "src and dst overlap");
    /* Each output reads its own residual element before writing: residual == dst is fine, a
     * shifted overlap is not. */
    if (residual != NULL && r != d && r < d + dst_bytes && d < r + dst_bytes)
        return jconv_fail(JCONV_INVALID_ARGUMENT, "residual overlaps dst without being equal to it");
    return plan->execute(plan, src, residual, dst);
}

jconv_algorithm jconv_conv_plan_algorithm(const jconv_conv_plan *plan) {
    return plan != NULL ? plan->algorithm : JCONV_ALGO_AUTO;
}

const char *jconv_conv_plan_algorithm_name(const jconv_conv_plan *plan) {
    return plan != NULL ? jconv_algorithm_name(plan->algorithm) : NULL;
}

/* A dot product of K terms rounded in float: the relative error on N(0,1) data grows like sqrt(K)
 * (measured in test_winograd: at most 4.2e-7 for K = 4608 and 13824 over 12 seeds). */
static double sum_error_bound(int64_t terms) {
    return 2e-6 * (terms > 4608 ? sqrt((double)terms / 4608.0) : 1.0);
}

double jconv_conv_plan_error_bound(const jconv_conv_plan *plan) {
    if (plan == NULL) return -1.0;
    if (plan->winograd != NULL) return conv_winograd_plan_error_bound(plan->winograd);
    const conv_geometry *g = &plan->geometry;
    return sum_error_bound(g->in_channels_per_group * g->kernel[0] * g->kernel[1] * g->kernel[2]);
}

const jconv_conv_desc *jconv_conv_plan_desc(const jconv_conv_plan *plan) { return plan != NULL ? &plan->desc : NULL; }

void jconv_conv_plan_destroy(jconv_conv_plan *plan) {
    if (plan == NULL) return;
    jconv_free(plan->weights);
    jconv_free(plan->bias);
    jconv_free(plan->packed_weights);
    jconv_free(plan->landings);
    conv_winograd_release(plan->winograd);
    if (plan->scratch != NULL) jconv_scratch_clear(plan->scratch);
    jconv_free(plan->scratch);
    jconv_free(plan);
}

jconv_status jconv_conv(const jconv_conv_desc *desc, const float *src, const float *weights, const float *bias,
                        jconv_algorithm algorithm, const jconv_post_ops *post_ops, const float *residual, float *dst) {
    jconv_conv_plan *plan;
    jconv_status status = jconv_conv_plan_create(desc, weights, bias, algorithm, post_ops, &plan);
    if (status != JCONV_OK) return status;
    status = jconv_conv_plan_execute(plan, src, residual, dst);
    jconv_conv_plan_destroy(plan);
    return status;
}

jconv_status jconv_conv_transpose(const jconv_conv_transpose_desc *desc, const float *src, const float *weights,
                                  const float *bias, jconv_algorithm algorithm, const jconv_post_ops *post_ops,
                                  const float *residual, float *dst) {
    jconv_conv_plan *plan;
    jconv_status status = jconv_conv_transpose_plan_create(desc, weights, bias, algorithm, post_ops, &plan);
    if (status != JCONV_OK) return status;
    status = jconv_conv_plan_execute(plan, src, residual, dst);
    jconv_conv_plan_destroy(plan);
    return status;
}
