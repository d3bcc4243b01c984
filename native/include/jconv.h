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

/* One line on the GEMM engine as chosen for this CPU: the micro-kernel, its tile, and the cache
 * blocks derived from the L1d and L2 sizes (read from the CPU once; the environment variable
 * JCONV_CACHE="L1D,L2", e.g. "48K,1M", overrides them). Valid until the next call on this thread. */
JCONV_API const char *jconv_gemm_info(void);

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
 * has dst's shape and may alias dst. src must not overlap dst. Thread-safe: per-call scratch only. */
JCONV_API jconv_status jconv_conv_plan_execute(const jconv_conv_plan *plan, const float *src,
                                               const float *residual, float *dst);

/* The algorithm the plan runs (never AUTO), its name, and its descriptor. */
JCONV_API jconv_algorithm jconv_conv_plan_algorithm(const jconv_conv_plan *plan);
JCONV_API const char *jconv_conv_plan_algorithm_name(const jconv_conv_plan *plan);
JCONV_API const jconv_conv_desc *jconv_conv_plan_desc(const jconv_conv_plan *plan);

/* The error the plan's algorithm guarantees on finite data: a bound on max |y - y_exact| / max |y_exact|
 * over the output for inputs and weights drawn from N(0, 1) (the measured figures are in
 * native/docs/WINOGRAD.md). The GEMM and direct paths round each sum like a dot product; Winograd's
 * transforms add error that grows with the tile (F(6,3) most), so AUTO picks a Winograd tile only
 * where its bound stays within JCONV_AUTO_ERROR_BOUND. -1 for a NULL plan. */
JCONV_API double jconv_conv_plan_error_bound(const jconv_conv_plan *plan);
#define JCONV_AUTO_ERROR_BOUND 2e-5

/* Frees the plan; NULL is ignored. */
JCONV_API void jconv_conv_plan_destroy(jconv_conv_plan *plan);

/* One shot: create a plan, execute it once, destroy it. */
JCONV_API jconv_status jconv_conv(const jconv_conv_desc *desc, const float *src, const float *weights,
                                  const float *bias, jconv_algorithm algorithm,
                                  const jconv_post_ops *post_ops, const float *residual, float *dst);

/* ---------------------------------------------------------------- transposed convolution  */

/* torch.nn.functional.conv_transpose{1,2,3}d: the adjoint (gradient) of a convolution.
 *   input   [N][IC][in...]
 *   weight  [IC][OC/groups][KD][KH][KW]   (note: IC first)
 *   output  [N][OC][out...] with, per spatial dim,
 *     out = (in - 1) * stride - pad_begin - pad_end + dilation * (kernel - 1) + output_padding + 1
 *   y[n][oc][o] = bias[oc] + sum over ic of oc's group and k with o = i * stride - pad_begin + k * dilation
 *                 of x[n][ic][i] * w[ic][oc % (OC/groups)][k]
 * output_padding must be smaller than stride or dilation (as PyTorch) and every out >= 1.
 * The first 23 fields are a jconv_conv_desc's (in_size is the transposed convolution's input);
 * 26 int64_t values in all, no padding. */
typedef struct jconv_conv_transpose_desc {
    int64_t spatial_rank;
    int64_t batch;
    int64_t in_channels;
    int64_t out_channels;
    int64_t groups;
    int64_t in_size[JCONV_MAX_SPATIAL_RANK];
    int64_t kernel[JCONV_MAX_SPATIAL_RANK];
    int64_t stride[JCONV_MAX_SPATIAL_RANK];
    int64_t pad_begin[JCONV_MAX_SPATIAL_RANK];
    int64_t pad_end[JCONV_MAX_SPATIAL_RANK];
    int64_t dilation[JCONV_MAX_SPATIAL_RANK];
    int64_t output_padding[JCONV_MAX_SPATIAL_RANK]; /* >= 0, < max(stride, dilation) */
} jconv_conv_transpose_desc;

/* Fills *desc like jconv_conv_desc_init, with output_padding 0. */
JCONV_API jconv_status jconv_conv_transpose_desc_init(jconv_conv_transpose_desc *desc, int spatial_rank);

/* Validates *desc and writes the output's spatial sizes. */
JCONV_API jconv_status jconv_conv_transpose_output_size(const jconv_conv_transpose_desc *desc,
                                                         int64_t out_size[JCONV_MAX_SPATIAL_RANK]);

/* A plan for a transposed convolution; execute, query and destroy it with the jconv_conv_plan_*
 * functions (jconv_conv_plan_desc gives the conv fields of its descriptor). */
JCONV_API jconv_status jconv_conv_transpose_plan_create(const jconv_conv_transpose_desc *desc, const float *weights,
                                                        const float *bias, jconv_algorithm algorithm,
                                                        const jconv_post_ops *post_ops, jconv_conv_plan **plan);

/* One shot: create, execute once, destroy. */
JCONV_API jconv_status jconv_conv_transpose(const jconv_conv_transpose_desc *desc, const float *src,
                                            const float *weights, const float *bias, jconv_algorithm algorithm,
                                            const jconv_post_ops *post_ops, const float *residual, float *dst);

/* ---------------------------------------------------------------- pooling --------------- */

typedef enum jconv_pool_kind {
    JCONV_POOL_MAX = 0, /* torch.nn.functional.max_pool{1,2,3}d */
    JCONV_POOL_AVG = 1  /* torch.nn.functional.avg_pool{1,2,3}d */
} jconv_pool_kind;

/* Pooling over [N][C][in...] into [N][C][out...], per spatial dim:
 *   out = floor_or_ceil((in + 2 * pad - dilation * (kernel - 1) - 1) / stride) + 1
 * rounding up when ceil_mode, and then one less if the last window would start at or after
 * in + pad (PyTorch's rule: a window that starts in the end padding is dropped).
 * pad <= kernel / 2 and out >= 1, as PyTorch requires.
 * Max: padded cells never win; NaN wins (propagates); ties keep the first. Average: dilation must be
 *   1; the divisor counts the window's cells inside [-pad, in + pad) when count_include_pad, else
 *   only those inside the input. 21 int64_t values, no padding. */
typedef struct jconv_pool_desc {
    int64_t spatial_rank;   /* 1, 2 or 3 */
    int64_t kind;           /* a jconv_pool_kind */
    int64_t batch;
    int64_t channels;
    int64_t in_size[JCONV_MAX_SPATIAL_RANK];
    int64_t kernel[JCONV_MAX_SPATIAL_RANK];
    int64_t stride[JCONV_MAX_SPATIAL_RANK];
    int64_t pad[JCONV_MAX_SPATIAL_RANK];       /* the same before and after */
    int64_t dilation[JCONV_MAX_SPATIAL_RANK];  /* max only; 1 for average */
    int64_t ceil_mode;                         /* 0 or 1 */
    int64_t count_include_pad;                 /* average only: 0 or 1 */
} jconv_pool_desc;

/* Fills *desc: the given kind and rank, batch and channels 1, sizes 1, kernel 1, stride 1, pad 0,
 * dilation 1, ceil_mode 0, count_include_pad 1 (PyTorch's default). */
JCONV_API jconv_status jconv_pool_desc_init(jconv_pool_desc *desc, jconv_pool_kind kind, int spatial_rank);

JCONV_API jconv_status jconv_pool_output_size(const jconv_pool_desc *desc, int64_t out_size[JCONV_MAX_SPATIAL_RANK]);

/* Pools src into dst. indices (max only, may be NULL) receives for each output the flat index of
 * the winning input cell within its (D*)H*W plane, as PyTorch's return_indices. */
JCONV_API jconv_status jconv_pool(const jconv_pool_desc *desc, const float *src, float *dst, int64_t *indices);

/* torch.nn.functional.adaptive_avg_pool{1,2,3}d: output cell o of a dim averages input cells
 * [floor(o * in / out), ceil((o + 1) * in / out)). shape is [N, C, in...] (2 + spatial_rank values);
 * out_size has spatial_rank values >= 1. Global average pooling is out_size all 1. */
JCONV_API jconv_status jconv_adaptive_avg_pool(int spatial_rank, const int64_t *shape, const int64_t *out_size,
                                               const float *src, float *dst);

/* ---------------------------------------------------------------- layout ---------------- */

/* torch.nn.functional.pixel_shuffle: [N][C*r*r][H][W] -> [N][C][H*r][W*r],
 *   out[n][c][h*r + i][w*r + j] = in[n][c*r*r + i*r + j][h][w].
 * shape is the input's [N, C*r*r, H, W]. */
JCONV_API jconv_status jconv_pixel_shuffle(const int64_t shape[4], int64_t factor, const float *src, float *dst);

/* The inverse: [N][C][H*r][W*r] -> [N][C*r*r][H][W]; shape is the input's. */
JCONV_API jconv_status jconv_pixel_unshuffle(const int64_t shape[4], int64_t factor, const float *src, float *dst);

/* ShuffleNet's channel shuffle over [N][C][spatial...] with C = groups * k:
 *   out[n][j * groups + i] = in[n][i * k + j]. shape has rank values (rank >= 2). */
JCONV_API jconv_status jconv_channel_shuffle(int rank, const int64_t *shape, int64_t groups, const float *src,
                                             float *dst);

typedef enum jconv_pad_mode {
    JCONV_PAD_CONSTANT = 0,  /* the value; negative pads crop */
    JCONV_PAD_REFLECT = 1,   /* mirror without repeating the edge; pads < size */
    JCONV_PAD_REPLICATE = 2, /* repeat the edge */
    JCONV_PAD_CIRCULAR = 3   /* wrap around; pads <= size */
} jconv_pad_mode;

/* torch.nn.functional.pad over the spatial dims of [N][C][in...]: out = in + pad_begin + pad_end
 * per spatial dim, pads listed in natural order (D, H, W: not PyTorch's last-dim-first order).
 * shape has 2 + spatial_rank values. A negative pad crops, in every mode, as PyTorch's: reflect
 * (pads < size) and replicate mirror or repeat about the input's own edges, circular wraps around
 * what is kept (pads at most the kept size). value is for constant only. */
JCONV_API jconv_status jconv_pad(int spatial_rank, const int64_t *shape, const int64_t *pad_begin,
                                 const int64_t *pad_end, jconv_pad_mode mode, float value, const float *src,
                                 float *dst);

typedef enum jconv_upsample_mode {
    JCONV_UPSAMPLE_NEAREST = 0, /* torch.nn.functional.interpolate(mode='nearest') */
    JCONV_UPSAMPLE_BILINEAR = 1 /* mode='bilinear' */
} jconv_upsample_mode;

/* 2-D upsampling of [N][C][H][W] to [N][C][out_h][out_w], as torch.nn.functional.interpolate.
 * scale_h, scale_w: the scale factors the caller gave (out = floor(in * scale)); PyTorch maps output
 * to input coordinates with 1 / scale when one was given, so pass it; 0 means "not given" (in / out
 * is used). align_corners applies to bilinear only and must be 0 for nearest. */
JCONV_API jconv_status jconv_upsample2d(const int64_t shape[4], int64_t out_h, int64_t out_w, jconv_upsample_mode mode,
                                        int align_corners, double scale_h, double scale_w, const float *src,
                                        float *dst);

/* ---------------------------------------------------------------- memory ---------------- */

/* Bytes the library holds right now in plans and scratch (tests use it to find leaks). */
JCONV_API int64_t jconv_allocated_bytes(void);

#ifdef __cplusplus
}
#endif

#endif /* JCONV_H */
