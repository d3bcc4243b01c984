/* Internal declarations shared by the library's source files; not part of the public API. */
#ifndef JCONV_INTERNAL_H
#define JCONV_INTERNAL_H

#include "jconv.h"

#include <stdatomic.h>
#include <stdint.h>

#if defined(_MSC_VER)
#  define JCONV_THREAD_LOCAL __declspec(thread)
#else
#  define JCONV_THREAD_LOCAL _Thread_local
#endif

#if defined(__GNUC__)
#  define JCONV_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#  define JCONV_NOINLINE __attribute__((noinline))
#else
#  define JCONV_PRINTF(fmt, args)
#  define JCONV_NOINLINE
#endif

/* Records the detail of a failure for jconv_last_error() and returns status, so that a check
 * reads `return jconv_fail(JCONV_INVALID_ARGUMENT, "groups=%lld ...", ...)`. */
jconv_status jconv_fail(jconv_status status, const char *format, ...) JCONV_PRINTF(2, 3);

/* Clears the last error; every public entry point calls it first. */
void jconv_clear_error(void);

/* The largest element count any tensor may have: count * sizeof(float) fits in int64_t with room. */
#define JCONV_MAX_ELEMENTS (INT64_MAX / 8)

/* a * b into *product unless it overflows or passes JCONV_MAX_ELEMENTS. */
static inline int jconv_multiply_checked(int64_t a, int64_t b, int64_t *product) {
    return !__builtin_mul_overflow(a, b, product) && *product <= JCONV_MAX_ELEMENTS;
}

/* The first and one-past-last o in [0, out_count) with 0 <= o * stride + offset < in_count. */
static inline void jconv_valid_range(int64_t offset, int64_t stride, int64_t in_count, int64_t out_count,
                                     int64_t *first, int64_t *end) {
    /* o * stride + offset >= 0  <=>  o >= ceil(-offset / stride) */
    *first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    /* o * stride + offset <= in_count - 1  <=>  o <= floor((in_count - 1 - offset) / stride) */
    const int64_t last_numerator = in_count - 1 - offset;
    *end = last_numerator < 0 ? 0 : last_numerator / stride + 1;
    if (*end > out_count) *end = out_count;
    if (*first > *end) *first = *end;
}

/* Checks a tensor shape (non-NULL, every dim >= 1, element count within JCONV_MAX_ELEMENTS) and
 * writes its element count; the message names `what`. */
jconv_status jconv_check_shape(const char *what, int rank, const int64_t *shape, int64_t *count);

/* Fails with a message when the src_count floats at src and dst_count floats at dst overlap. */
jconv_status jconv_check_no_overlap(const float *src, int64_t src_count, const float *dst, int64_t dst_count);

/* 64-byte aligned allocations counted by jconv_allocated_bytes(). NULL on failure or size 0. */
void *jconv_alloc(size_t bytes);
void jconv_free(void *ptr);

/* The floats from one thread's buffer to the next's in a scratch shared by `threads` threads, for
 * buffers of `floats` each: the buffer (rounded to 64 bytes), then, with more than one thread, a
 * gap that no one touches (address space, not memory) of four times the buffer, at most
 * JCONV_THREAD_GAP_MAX_BYTES. Buffers back to back made the one after another thread's slow to
 * write: dl3_atrous's packing (625 KiB per thread) took 3 times as long in the second thread's
 * buffer as in the first's (whichever thread had it), less as a gap grew, and no longer with
 * 768 KiB; the layer ran 1.17-1.22x faster with the gap. Likely the first core's stride
 * prefetcher running past the end of its buffer (the packed panels are 48 KiB apart) into the
 * next one, whose lines the second core then has to take back: how far it runs grows with the
 * buffer's strides, hence a gap in proportion: small shapes keep small ones (a 2 MiB gap for
 * every buffer cost the sanitized fuzzer 60% of its executions; a gap of twice dl3_atrous's
 * buffer read 1-5% slower than 2 MiB there, three rounds). */
#define JCONV_THREAD_GAP_MAX_BYTES ((size_t)2 << 20)
/* floats rounded up to whole 64-byte lines: a buffer after it in the same scratch stays aligned */
static inline size_t jconv_line_floats(size_t floats) { return (floats + 15) / 16 * 16; }
static inline size_t jconv_thread_stride(size_t floats, int threads) {
    const size_t rounded = jconv_line_floats(floats), max_gap = JCONV_THREAD_GAP_MAX_BYTES / sizeof(float);
    return rounded + (threads <= 1 ? 0 : rounded < max_gap / 4 ? 4 * rounded : max_gap);
}

/* A plan's scratch buffer: the execute that finds it free uses it (growing it when its size grew,
 * e.g. with the thread count); an execute running at the same time allocates its own. Large
 * buffers freed and allocated again on every call cost page faults that showed in profiles. */
typedef struct jconv_scratch {
    _Atomic int busy;
    void *buffer;
    size_t bytes;
} jconv_scratch;

/* At least bytes of 64-byte aligned memory, or NULL when out of memory; *shared tells release
 * whether it is the plan's buffer or the call's own. */
void *jconv_scratch_acquire(jconv_scratch *scratch, size_t bytes, int *shared);
/* Gives back what acquire returned. */
void jconv_scratch_release(jconv_scratch *scratch, void *buffer, int shared);
/* Frees the buffer (no execute may hold it). */
void jconv_scratch_clear(jconv_scratch *scratch);

/* The most threads jconv_set_num_threads accepts. */
#define JCONV_MAX_THREADS 1024

/* The thread count each parallel region uses (>= 1). */
int jconv_threads(void);

/* The calling thread's index in its parallel team (0 outside one, and without OpenMP). */
int jconv_thread_index(void);

/* Where jconv_cache_sizes() found the sizes. */
typedef enum jconv_cache_source {
    JCONV_CACHE_FROM_CPU = 0,         /* CPUID, sysconf or sysctl */
    JCONV_CACHE_FROM_ENVIRONMENT = 1, /* JCONV_CACHE */
    JCONV_CACHE_DEFAULT = 2           /* nothing readable: 32 KiB and 256 KiB (or one of them) */
} jconv_cache_source;

/* The L1 data cache and the L2 cache of one core, in bytes, detected once (JCONV_CACHE overrides). */
jconv_cache_source jconv_cache_sizes(int64_t *l1d, int64_t *l2);

/* Instruction sets, in increasing order within an architecture. */
typedef enum jconv_isa_level {
    JCONV_ISA_GENERIC = 0,
    JCONV_ISA_AVX2 = 1,   /* AVX2 + FMA */
    JCONV_ISA_AVX512 = 2, /* AVX-512 F, VL, BW, DQ */
    JCONV_ISA_NEON = 3
} jconv_isa_level;

/* The level the kernels dispatch on: the CPU's, lowered by JCONV_ISA. */
jconv_isa_level jconv_isa_level_active(void);

/* Whether the AVX2 + FMA kernels run: an AVX2 or AVX-512 level (the Winograd transforms, the
 * stride-2 depthwise kernel and the pools have no AVX-512 version; AVX-512 CPUs run the AVX2 ones). */
static inline int jconv_isa_runs_avx2(void) {
    const jconv_isa_level level = jconv_isa_level_active();
    return level == JCONV_ISA_AVX2 || level == JCONV_ISA_AVX512;
}

#endif
