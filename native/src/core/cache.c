/* The data cache sizes the GEMM's block sizes are derived from: read once from the CPU (x86 CPUID
 * deterministic cache leaves, AMD's legacy leaves, sysconf or sysctl elsewhere), or from the
 * environment variable JCONV_CACHE ("L1D,L2" in bytes, with an optional K or M suffix: "48K,1M"),
 * which a virtual machine that reports the wrong sizes, or a test that wants small blocks, sets. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <cpuid.h>
#define JCONV_HAVE_CPUID 1
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#elif defined(__linux__)
#include <unistd.h>
#endif

/* When nothing can be read: the smallest L1d and L2 of the CPUs the kernels target. */
#define DEFAULT_L1D (32 * 1024)
#define DEFAULT_L2 (256 * 1024)

#ifdef JCONV_HAVE_CPUID
/* Intel's leaf 4 and AMD's 0x8000001D describe one cache per subleaf in the same format. */
static void read_deterministic_leaf(unsigned leaf, int64_t *l1d, int64_t *l2) {
    for (unsigned sub = 0; sub < 16; sub++) {
        unsigned a, b, c, d;
        __cpuid_count(leaf, sub, a, b, c, d);
        const unsigned type = a & 31, level = (a >> 5) & 7; /* type 1 data, 2 instruction, 3 unified */
        if (type == 0) break;
        if (type == 2) continue;
        const int64_t bytes = (int64_t)(((b >> 22) & 1023) + 1) * (((b >> 12) & 1023) + 1) * ((b & 4095) + 1) *
                              ((int64_t)c + 1);
        if (level == 1 && *l1d == 0) *l1d = bytes;
        if (level == 2 && *l2 == 0) *l2 = bytes;
    }
}

static void read_cpuid(int64_t *l1d, int64_t *l2) {
    unsigned max_basic, max_ext = 0, b, c, d;
    if (!__get_cpuid(0, &max_basic, &b, &c, &d)) return;
    const int amd = b == 0x68747541u; /* "Auth" of AuthenticAMD */
    __get_cpuid(0x80000000u, &max_ext, &b, &c, &d);
    if (amd && max_ext >= 0x8000001Du) {
        read_deterministic_leaf(0x8000001Du, l1d, l2);
    } else if (!amd && max_basic >= 4) {
        read_deterministic_leaf(4, l1d, l2);
    }
    if (amd && *l1d == 0 && max_ext >= 0x80000005u) {
        unsigned a;
        __get_cpuid(0x80000005u, &a, &b, &c, &d);
        *l1d = (int64_t)(c >> 24) * 1024;
    }
    if (amd && *l2 == 0 && max_ext >= 0x80000006u) {
        unsigned a;
        __get_cpuid(0x80000006u, &a, &b, &c, &d);
        *l2 = (int64_t)(c >> 16) * 1024;
    }
}
#endif

static void read_os(int64_t *l1d, int64_t *l2) {
#if defined(__APPLE__)
    /* Apple silicon reports per performance level; perflevel0 is the fast cores'. */
    int64_t value = 0;
    size_t size = sizeof value;
    if (*l1d == 0 && (sysctlbyname("hw.perflevel0.l1dcachesize", &value, &size, NULL, 0) == 0 ||
                      (size = sizeof value, sysctlbyname("hw.l1dcachesize", &value, &size, NULL, 0) == 0)))
        *l1d = value;
    size = sizeof value;
    if (*l2 == 0 && (sysctlbyname("hw.perflevel0.l2cachesize", &value, &size, NULL, 0) == 0 ||
                     (size = sizeof value, sysctlbyname("hw.l2cachesize", &value, &size, NULL, 0) == 0)))
        *l2 = value;
#elif defined(__linux__) && defined(_SC_LEVEL1_DCACHE_SIZE)
    if (*l1d == 0) *l1d = sysconf(_SC_LEVEL1_DCACHE_SIZE) > 0 ? sysconf(_SC_LEVEL1_DCACHE_SIZE) : 0;
    if (*l2 == 0) *l2 = sysconf(_SC_LEVEL2_CACHE_SIZE) > 0 ? sysconf(_SC_LEVEL2_CACHE_SIZE) : 0;
#else
    (void)l1d, (void)l2;
#endif
}

/* "48K" -> 49152; 0 for anything that is not a size in [1 KiB, 1 GiB]. */
static int64_t parse_size(const char *text, const char **end) {
    char *rest;
    long long value = strtoll(text, &rest, 10);
    if (rest == text || value <= 0) return 0;
    if (*rest == 'K' || *rest == 'k') value *= 1024, rest++;
    else if (*rest == 'M' || *rest == 'm') value *= 1024 * 1024, rest++;
    *end = rest;
    return value >= 1024 && value <= (1LL << 30) ? value : 0;
}

static int parse_override(const char *text, int64_t *l1d, int64_t *l2) {
    const char *rest = text;
    const int64_t first = parse_size(text, &rest);
    if (first == 0 || *rest != ',') return 0;
    const int64_t second = parse_size(rest + 1, &rest);
    if (second == 0 || *rest != '\0') return 0;
    *l1d = first, *l2 = second;
    return 1;
}

static _Atomic int64_t cached_l1d, cached_l2;
static _Atomic int cached_source = -1;

static void detect_once(void) {
    if (atomic_load(&cached_source) >= 0) return;
    int64_t l1d = 0, l2 = 0;
    jconv_cache_source source = JCONV_CACHE_FROM_CPU;
    const char *request = getenv("JCONV_CACHE");
    if (request != NULL && request[0] != '\0') {
        if (parse_override(request, &l1d, &l2)) source = JCONV_CACHE_FROM_ENVIRONMENT;
        else fprintf(stderr, "jconv: JCONV_CACHE=%s is not \"L1D,L2\" sizes such as 48K,1M; ignored\n", request);
    }
#ifdef JCONV_HAVE_CPUID
    if (source != JCONV_CACHE_FROM_ENVIRONMENT) read_cpuid(&l1d, &l2);
#endif
    if (source != JCONV_CACHE_FROM_ENVIRONMENT) read_os(&l1d, &l2);
    if (l1d == 0 || l2 == 0) source = JCONV_CACHE_DEFAULT;
    if (l1d == 0) l1d = DEFAULT_L1D;
    if (l2 == 0) l2 = DEFAULT_L2;
    /* Racing threads compute the same values; the source is stored last and read first. */
    atomic_store(&cached_l1d, l1d);
    atomic_store(&cached_l2, l2);
    atomic_store(&cached_source, (int)source);
}

jconv_cache_source jconv_cache_sizes(int64_t *l1d, int64_t *l2) {
    detect_once();
    *l1d = atomic_load(&cached_l1d);
    *l2 = atomic_load(&cached_l2);
    return (jconv_cache_source)atomic_load(&cached_source);
}
