/*
 * jconv.h: the whole public C API of jconv, a CPU convolution library with PyTorch's semantics.
 *
 * Tensors
 *   fp32, contiguous, row-major, batch first then channels then spatial:
 *     input   [N][IC][D][H][W]            (1-D: [N][IC][W], 2-D: [N][IC][H][W])
 *     weight  [OC][IC/groups][KD][KH][KW] (cross-correlation: the kernel is not flipped)
 *     bias    [OC], or NULL
 *     output  [N][OC][OD][OH][OW]
 *   Spatial arrays in descriptors list the dims in that natural order (D, then H, then W) and
 *   use their first `spatial_rank` entries; the others are ignored.
 *
 * Output size, per spatial dim (torch.nn.functional.conv{1,2,3}d):
 *   out = floor((in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1
 *
 * Errors
 *   Every entry point returns a jconv_status. On failure nothing is written to the output and
 *   nothing is leaked; jconv_last_error() gives a message naming the argument and its value.
 *
 * Threads
 *   Plans are immutable once created: any number of threads may execute one plan at once.
 *   Each call uses up to jconv_get_num_threads() OpenMP threads.
 */
#ifndef JCONV_H
#define JCONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(JCONV_BUILDING)
#    define JCONV_API __declspec(dllexport)
#  else
#    define JCONV_API __declspec(dllimport)
#  endif
#else
#  define JCONV_API __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------- status ---------------- */

typedef enum jconv_status {
    JCONV_OK = 0,
    JCONV_INVALID_ARGUMENT = 1, /* a null pointer, a bad size or a descriptor that is inconsistent */
    JCONV_UNSUPPORTED = 2,      /* valid, but the requested algorithm cannot do this shape */
    JCONV_OUT_OF_MEMORY = 3,    /* an allocation failed */
    JCONV_INTERNAL_ERROR = 4    /* a bug in jconv: please report it */
} jconv_status;

/* A constant English name of a status ("invalid argument"); "unknown status" for others. */
JCONV_API const char *jconv_status_string(jconv_status status);

/* The detail of the last failure on the calling thread ("" when none). Valid until the next
 * jconv call on this thread. */
JCONV_API const char *jconv_last_error(void);

/* ---------------------------------------------------------------- library --------------- */

/* "MAJOR.MINOR.PATCH". */
JCONV_API const char *jconv_version(void);

/* The instruction set the kernels were chosen for on this CPU: "avx512", "avx2", "neon" or
 * "generic". The environment variable JCONV_ISA (read once, at the first call into the library)
 * can force a lower one, never a higher one than the CPU has. */
JCONV_API const char *jconv_isa(void);

/* The instruction set the CPU supports, ignoring JCONV_ISA. */
JCONV_API const char *jconv_cpu_isa(void);

/* 1 when built with OpenMP, else 0 (then every call runs on the calling thread). */
JCONV_API int jconv_has_openmp(void);

/* Threads each call may use. Default: the number of processors OpenMP sees. */
JCONV_API int jconv_get_num_threads(void);

/* Sets the threads each later call may use, for every caller thread; n must be in [1, 1024].
 * Without OpenMP only 1 is accepted. */
JCONV_API jconv_status jconv_set_num_threads(int n);

/* ---------------------------------------------------------------- convolution ----------- */

#define JCONV_MAX_SPATIAL_RANK 3

/* A convolution's shapes. Every field is int64_t, so the layout is 23 consecutive int64_t
 * values with no padding (bindings may rely on that). */
typedef struct jconv_conv_desc {
    int64_t spatial_rank;   /* 1, 2 or 3 */
    int64_t batch;          /* N >= 1 */
    int64_t in_channels;    /* IC >= 1, a multiple of groups */
    int64_t out_channels;   /* OC >= 1, a multiple of groups */
    int64_t groups;         /* >= 1; groups == IC == OC is a depthwise convolution */
    int64_t in_size[JCONV_MAX_SPATIAL_RANK];   /* >= 1 */
    int64_t kernel[JCONV_MAX_SPATIAL_RANK];    /* >= 1 */
    int64_t stride[JCONV_MAX_SPATIAL_RANK];    /* >= 1 */
    int64_t pad_begin[JCONV_MAX_SPATIAL_RANK]; /* >= 0, zeros added before the first element */
    int64_t pad_end[JCONV_MAX_SPATIAL_RANK];   /* >= 0, zeros added after the last element */
    int64_t dilation[JCONV_MAX_SPATIAL_RANK];  /* >= 1 */
} jconv_conv_desc;

/* Fills *desc for a convolution of the given rank with batch 1, one channel, one group, sizes 1,
 * stride 1, no padding and dilation 1: set the fields that differ. */
JCONV_API jconv_status jconv_conv_desc_init(jconv_conv_desc *desc, int spatial_rank);

/* Validates *desc and writes the output's spatial sizes to out_size[0..spatial_rank). Fails
 * when the dilated kernel is larger than the padded input, or when a tensor's element count
 * would overflow. */
JCONV_API jconv_status jconv_conv_output_size(const jconv_conv_desc *desc, int64_t out_size[JCONV_MAX_SPATIAL_RANK]);

/* Algorithms. AUTO picks one by shape; the others force one and fail with JCONV_UNSUPPORTED
 * when it cannot do the shape (or is not built yet). */
typedef enum jconv_algorithm {
    JCONV_ALGO_AUTO = 0,
    JCONV_ALGO_DIRECT = 1,
    JCONV_ALGO_IM2COL = 2,
    JCONV_ALGO_WINOGRAD_F2X3 = 3,
    JCONV_ALGO_WINOGRAD_F4X3 = 4,
    JCONV_ALGO_WINOGRAD_F6X3 = 5,
    JCONV_ALGO_DEPTHWISE = 6
} jconv_algorithm;

/* "auto", "direct", "im2col", "winograd-f2x3", "winograd-f4x3", "winograd-f6x3", "depthwise";
 * NULL for a value outside the enum. */
JCONV_API const char *jconv_algorithm_name(jconv_algorithm algorithm);

/* The inverse of jconv_algorithm_name. */
JCONV_API jconv_status jconv_algorithm_from_name(const char *name, jconv_algorithm *algorithm);

/* 1 when this build has a kernel for the algorithm (AUTO always), else 0. */
JCONV_API int jconv_algorithm_available(jconv_algorithm algorithm);

typedef enum jconv_activation {
    JCONV_ACTIVATION_NONE = 0,
    JCONV_ACTIVATION_RELU = 1,  /* max(x, 0) */
    JCONV_ACTIVATION_CLAMP = 2  /* min(max(x, min), max): ReLU6 is clamp(0, 6) */
} jconv_activation;

/* What is applied to each output as it is written:
 *   y = activation(conv(x) + bias + residual)
 * bias when the plan has one, residual when execute is given one. NaN propagates through ReLU
 * and clamp as in PyTorch. */
typedef struct jconv_post_ops {
    int32_t activation; /* a jconv_activation */
    float clamp_min;    /* CLAMP only; clamp_min <= clamp_max, neither NaN */
    float clamp_max;
    int32_t reserved;   /* must be 0 */
} jconv_post_ops;

typedef struct jconv_conv_plan jconv_conv_plan;

/* Validates everything, chooses the algorithm and copies (packs) weights and bias into the plan,
 * so the caller may free them afterwards. post_ops may be NULL (none). On failure *plan is set
 * to NULL. */
JCONV_API jconv_status jconv_conv_plan_create(const jconv_conv_desc *desc, const float *weights,
                                              const float *bias, jconv_algorithm algorithm,
                                              const jconv_post_ops *post_ops, jconv_conv_plan **plan);

/* Runs the plan: dst = post_ops(conv(src) + bias + residual). residual may be NULL; when given it
 * has dst's shape and may alias dst. src must not overlap dst. Thread-safe; allocates nothing. */
JCONV_API jconv_status jconv_conv_plan_execute(const jconv_conv_plan *plan, const float *src,
                                               const float *residual, float *dst);

/* The algorithm the plan runs (never AUTO), its name, and its descriptor. */
JCONV_API jconv_algorithm jconv_conv_plan_algorithm(const jconv_conv_plan *plan);
JCONV_API const char *jconv_conv_plan_algorithm_name(const jconv_conv_plan *plan);
JCONV_API const jconv_conv_desc *jconv_conv_plan_desc(const jconv_conv_plan *plan);

/* Frees the plan; NULL is ignored. */
JCONV_API void jconv_conv_plan_destroy(jconv_conv_plan *plan);

/* One shot: create a plan, execute it once, destroy it. */
JCONV_API jconv_status jconv_conv(const jconv_conv_desc *desc, const float *src, const float *weights,
                                  const float *bias, jconv_algorithm algorithm,
                                  const jconv_post_ops *post_ops, const float *residual, float *dst);

/* ---------------------------------------------------------------- memory ---------------- */

/* Bytes the library holds right now in plans and scratch (tests use it to find leaks). */
JCONV_API int64_t jconv_allocated_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* JCONV_H */
