/* CPU feature detection, once, and the JCONV_ISA override that lowers the level for tests. */
#include "internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isa_names[] = {"generic", "avx2", "avx512", "neon"};

static jconv_isa_level detect_cpu(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    /* __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0). */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return JCONV_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return JCONV_ISA_AVX2;
    return JCONV_ISA_GENERIC;
#elif defined(__aarch64__) || defined(_M_ARM64)
    return JCONV_ISA_NEON; /* NEON is part of every AArch64 CPU */
#else
    return JCONV_ISA_GENERIC;
#endif
}

/* The lower of the CPU's level and the one JCONV_ISA names. NEON and the x86 levels do not
 * compare: a request for the other architecture's ISA leaves generic. */
static jconv_isa_level apply_override(jconv_isa_level cpu, const char *request) {
    if (request == NULL || request[0] == '\0') return cpu;
    for (int level = 0; level < (int)(sizeof isa_names / sizeof isa_names[0]); level++) {
        if (strcmp(request, isa_names[level]) != 0) continue;
        if (level == JCONV_ISA_GENERIC) return JCONV_ISA_GENERIC;
        if ((level == JCONV_ISA_NEON) != (cpu == JCONV_ISA_NEON)) return JCONV_ISA_GENERIC;
        return level < (int)cpu ? (jconv_isa_level)level : cpu;
    }
    fprintf(stderr, "jconv: JCONV_ISA=%s is not one of generic, avx2, avx512, neon; ignored\n", request);
    return cpu;
}

static atomic_int cpu_level = -1;
static atomic_int active_level = -1;

static void detect_once(void) {
    if (atomic_load(&active_level) >= 0) return;
    jconv_isa_level cpu = detect_cpu();
    jconv_isa_level active = apply_override(cpu, getenv("JCONV_ISA"));
    /* Racing threads compute the same values; storing them twice is harmless. */
    atomic_store(&cpu_level, (int)cpu);
    atomic_store(&active_level, (int)active);
}

jconv_isa_level jconv_isa_level_active(void) {
    detect_once();
    return (jconv_isa_level)atomic_load(&active_level);
}

const char *jconv_isa(void) { return isa_names[jconv_isa_level_active()]; }

const char *jconv_cpu_isa(void) {
    detect_once();
    return isa_names[atomic_load(&cpu_level)];
}
