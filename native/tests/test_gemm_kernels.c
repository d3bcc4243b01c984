/* Each GEMM micro-kernel (packed and indirect) on its own against a double-precision sum: every
 * kc from 1 past the unroll factors and the block size, tile row strides with guard columns that
 * must stay untouched, accumulation into a non-zero tile, and every epilogue (start at a bias,
 * clamp, NaN kept). The kernels this CPU runs are called natively; the AVX-512
 * kernel is also run through SIMDe's portable AVX-512 (when CMake found SIMDe), so that its logic
 * is checked on CPUs without AVX-512. */
#include "../src/gemm/gemm.h"
#include "check.h"
#include "test_main.h"

#include <float.h>
#include <math.h>
#include <string.h>

#ifdef JCONV_TEST_AVX512_EMULATED
GEMM_KERNELS(avx512_emulated)
GEMM_PAIR_SIGNATURES(avx512_emulated)
#endif

/* The kernel under test: packed, or indirect with B's rows scattered through a larger buffer at
 * offsets that are neither sorted nor aligned. */
typedef struct kernel_under_test {
    gemm_ukernel_fn packed;
    gemm_indirect_fn indirect;
    int width; /* the columns it writes: 16, or 8 for the edge kernels */
    int rows;  /* the rows it writes: 6, or 4 for the last panel's kernels */
} kernel_under_test;

/* B's kc rows (of NR floats at b) scattered for the indirect kernels: row k goes to *offsets[k] of
 * the buffer returned, a random unaligned place with room for every row apart (the offsets are
 * neither sorted nor aligned). The caller frees both. */
static float *scatter_rows(const float *b, int64_t kc, int64_t **offsets) {
    float *scattered = random_floats(kc * (GEMM_NR + 3) + 7);
    *offsets = malloc((size_t)kc * sizeof(int64_t));
    for (int64_t k = 0; k < kc; k++) (*offsets)[k] = (kc - 1 - k) * (GEMM_NR + 3) + (k * 5) % 4;
    for (int64_t k = 0; k < kc; k++) memcpy(scattered + (*offsets)[k], b + k * GEMM_NR, GEMM_NR * sizeof(float));
    return scattered;
}

static void run_kernel(kernel_under_test kernel, int64_t kc, const float *a, const float *b, float *c, int64_t ldc,
                       const gemm_epilogue *epilogue) {
    if (kernel.packed != NULL) {
        kernel.packed(kc, a, b, c, ldc, epilogue);
        return;
    }
    int64_t *offsets;
    float *scattered = scatter_rows(b, kc, &offsets);
    kernel.indirect(kc, a, scattered, offsets, c, ldc, epilogue);
    free(scattered), free(offsets);
}

/* The epilogues: none (c += product), start at a bias or at 0, accumulate and clamp (ReLU, a
 * narrow clamp), start and clamp. */
#define EPILOGUES 6
static const gemm_epilogue *epilogue_case(int which, const float *bias, gemm_epilogue *e) {
    const gemm_epilogue cases[EPILOGUES] = {
        {NULL, 0, 0, 0, 0},     {bias, 1, 0, 0, 0},         {NULL, 1, 0, 0, 0},
        {NULL, 0, 1, 0, INFINITY}, {NULL, 0, 1, -0.3f, 0.4f}, {bias, 1, 1, -0.5f, 0.5f}};
    *e = cases[which];
    return which == 0 ? NULL : e;
}

static double clamp_like_kernel(const gemm_epilogue *e, double v) {
    if (e == NULL || !e->clamp) return v;
    return v < e->lo ? e->lo : v > e->hi ? e->hi : v;
}

static void check_kernel(const char *name, kernel_under_test kernel) {
    const int width = kernel.width, rows = kernel.rows;
    const int64_t kcs[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 255, 256, 257, 384, 1024};
    const int64_t ldcs[] = {GEMM_NR, GEMM_NR + 5};
    int64_t cases = 0;
    for (size_t ki = 0; ki < sizeof kcs / sizeof kcs[0]; ki++)
        for (size_t li = 0; li < 2; li++)
            for (int which = 0; which < EPILOGUES; which++) {
                const int64_t kc = kcs[ki], ldc = ldcs[li];
                float *a = random_floats(kc * GEMM_MR), *b = random_floats(kc * GEMM_NR), *bias = random_floats(GEMM_MR);
                float *c = random_floats(GEMM_MR * ldc), *before = malloc((size_t)(GEMM_MR * ldc) * sizeof(float));
                if (which >= 3) a[2] = NAN; /* row 2 is NaN; a clamp must keep it */
                memcpy(before, c, (size_t)(GEMM_MR * ldc) * sizeof(float));
                gemm_epilogue storage;
                const gemm_epilogue *e = epilogue_case(which, bias, &storage);
                run_kernel(kernel, kc, a, b, c, ldc, e);
                int64_t bad = -1;
                for (int64_t i = 0; i < GEMM_MR && bad < 0; i++)
                    for (int64_t j = 0; j < ldc && bad < 0; j++) {
                        const float got = c[i * ldc + j], old = before[i * ldc + j];
                        if (j >= width || i >= rows) { /* a guard column or row: untouched, bit for bit */
                            if (memcmp(&got, &old, sizeof got) != 0) bad = i * ldc + j;
                            continue;
                        }
                        const double start = e == NULL || !e->start ? old : e->bias != NULL ? e->bias[i] : 0.0;
                        double want = start, magnitude = fabs(start);
                        for (int64_t k = 0; k < kc; k++) {
                            want += (double)a[k * GEMM_MR + i] * b[k * GEMM_NR + j];
                            magnitude += fabs((double)a[k * GEMM_MR + i] * b[k * GEMM_NR + j]);
                        }
                        want = clamp_like_kernel(e, want);
                        if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= (double)(kc + 2) * FLT_EPSILON * magnitude))
                            bad = i * ldc + j;
                    }
                CHECK(bad < 0, "%s kc=%lld ldc=%lld epilogue %d: element %lld is wrong", name, (long long)kc,
                      (long long)ldc, which, (long long)bad);
                cases++;
                free(a), free(b), free(bias), free(c), free(before);
            }
    printf("%s: %lld cases\n", name, (long long)cases);
}

/* The 6 x 8 kernel gives the first 8 columns of the 6 x 16 tile bit for bit (so an output does not
 * depend on which kernel computed it, whatever the thread split), and the 4 x 16 kernel its first
 * 4 rows, for every epilogue. */
static void check_same_bits(const char *name, const gemm_kernels *set) {
    const int64_t kcs[] = {1, 2, 7, 64, 301};
    int same_8 = 1, same_4 = 1;
    for (int ki = 0; ki < 5; ki++)
        for (int which = 0; which < EPILOGUES; which++)
            for (int indirect = 0; indirect < 2; indirect++) {
                const int64_t kc = kcs[ki];
                float *a = random_floats(kc * GEMM_MR), *b = random_floats(kc * GEMM_NR), *bias = random_floats(GEMM_MR);
                float *c16 = random_floats(GEMM_MR * GEMM_NR), c8[GEMM_MR * GEMM_NR], c4[GEMM_MR * GEMM_NR];
                memcpy(c8, c16, sizeof c8), memcpy(c4, c16, sizeof c4);
                gemm_epilogue storage;
                const gemm_epilogue *e = epilogue_case(which, bias, &storage);
                const kernel_under_test wide = {indirect ? NULL : set->packed, set->indirect, 16, 6};
                const kernel_under_test narrow = {indirect ? NULL : set->packed_8, set->indirect_8, 8, 6};
                const kernel_under_test four = {indirect ? NULL : set->packed_4, set->indirect_4, 16, 4};
                run_kernel(wide, kc, a, b, c16, GEMM_NR, e);
                run_kernel(narrow, kc, a, b, c8, GEMM_NR, e);
                run_kernel(four, kc, a, b, c4, GEMM_NR, e);
                for (int i = 0; i < GEMM_MR; i++) same_8 &= memcmp(c8 + i * GEMM_NR, c16 + i * GEMM_NR, 8 * sizeof(float)) == 0;
                same_4 &= memcmp(c4, c16, 4 * GEMM_NR * sizeof(float)) == 0;
                free(a), free(b), free(bias), free(c16);
            }
    CHECK(same_8, "%s: the 6 x 8 kernels differ from the 6 x 16 ones' first 8 columns", name);
    CHECK(same_4, "%s: the 4 x 16 kernels differ from the 6 x 16 ones' first 4 rows", name);
}

/* gemm_partial_tile_update (the edge tiles: the 4 x 16 kernel in place or through a scratch tile,
 * or the 6 x 16 or 6 x 8 one through it) writes exactly rows x cols of c, the bits the 6 x 16
 * kernel gives there, for every rows <= 6 and cols <= 16, packed and indirect, every epilogue. */
static void check_partial_tiles(const char *name, const gemm_kernels *set) {
    const int64_t kc = 37, ldc = GEMM_NR + 3;
    int64_t bad = 0, cases = 0;
    for (int rows = 1; rows <= GEMM_MR; rows++)
        for (int cols = 1; cols <= GEMM_NR; cols++)
            for (int which = 0; which < EPILOGUES; which++)
                for (int indirect = 0; indirect < 2; indirect++) {
                    float *a = random_floats(kc * GEMM_MR), *b = random_floats(kc * GEMM_NR), *bias = random_floats(GEMM_MR);
                    float *c = random_floats(GEMM_MR * ldc), whole[GEMM_MR * GEMM_NR], before[GEMM_MR * GEMM_NR + 64];
                    memcpy(before, c, (size_t)(GEMM_MR * ldc) * sizeof(float));
                    for (int i = 0; i < GEMM_MR; i++) memcpy(whole + i * GEMM_NR, c + i * ldc, GEMM_NR * sizeof(float));
                    gemm_epilogue storage;
                    const gemm_epilogue *e = epilogue_case(which, bias, &storage);
                    set->packed(kc, a, b, whole, GEMM_NR, e);
                    int64_t *offsets;
                    float *scattered = scatter_rows(b, kc, &offsets);
                    gemm_partial_tile_update(set, kc, a, indirect ? scattered : b, indirect ? offsets : NULL, c, ldc,
                                             rows, cols, e);
                    for (int i = 0; i < GEMM_MR; i++)
                        for (int j = 0; j < ldc; j++) {
                            const float *want = i < rows && j < cols ? &whole[i * GEMM_NR + j] : &before[i * ldc + j];
                            bad += memcmp(&c[i * ldc + j], want, sizeof(float)) != 0;
                        }
                    cases++;
                    free(a), free(b), free(bias), free(c), free(scattered), free(offsets);
                }
    CHECK(bad == 0, "%s: %lld elements of partial tiles differ from the 6 x 16 kernel's or were touched outside",
          name, (long long)bad);
    printf("%s partial tiles: %lld cases\n", name, (long long)cases);
}

/* The columns kernel gives the bits of the 6 x 16 kernel's product, column by column, for 1-8
 * panels at once (panel_stride apart, the last one ending the buffer but for GEMM_A_SLACK), packed
 * and indirect. */
static void check_columns_same_bits(const char *name, const gemm_kernels *set) {
    const int64_t kcs[] = {1, 2, 3, 7, 64, 301};
    int same = 1;
    for (int ki = 0; ki < 6; ki++)
        for (int panels = 1; panels <= GEMM_COLUMN_PANELS; panels++)
            for (int cols = 1; cols <= GEMM_COLUMNS_MAX; cols++)
                for (int indirect = 0; indirect < 2; indirect++) {
                    const int64_t kc = kcs[ki], stride = kc * GEMM_MR + 5 * (panels % 2);
                    float *a = random_floats(panels * stride + GEMM_A_SLACK), *b = random_floats(kc * GEMM_NR);
                    float product[GEMM_COLUMN_PANELS * GEMM_COLUMNS_MAX * 8];
                    int64_t *offsets;
                    float *scattered = scatter_rows(b, kc, &offsets);
                    set->columns(kc, panels, a, stride, indirect ? scattered : b, indirect ? offsets : NULL, cols,
                                 product);
                    const gemm_epilogue bare = GEMM_EPILOGUE_PRODUCT;
                    for (int p = 0; p < panels; p++) {
                        float tile[GEMM_MR * GEMM_NR];
                        set->packed(kc, a + p * stride, b, tile, GEMM_NR, &bare);
                        for (int r = 0; r < GEMM_MR; r++)
                            for (int j = 0; j < cols; j++)
                                same &= memcmp(&tile[r * GEMM_NR + j], &product[(p * cols + j) * 8 + r],
                                               sizeof(float)) == 0;
                    }
                    free(a), free(b), free(scattered), free(offsets);
                }
    CHECK(same, "%s: the columns kernel differs from the 6 x 16 kernel's product", name);
}

/* The pair kernels (where the set has them) give two 6 x 16 calls' bits (pair_4: two 4 x 16
 * calls'), packed (B's second panel anywhere) and indirect (both tiles' rows at the same offsets
 * from b and b2), for every epilogue, odd and even kc, a second tile of 1-16 columns, and leave
 * the rows and columns past theirs untouched. */
static void check_pair_same_bits(const char *name, const gemm_kernels *set) {
    if (set->pair == NULL) return;
    const int64_t kcs[] = {1, 2, 3, 8, 63, 64, 301, 768};
    const int64_t ldc = 2 * GEMM_NR + 3;
    int64_t bad = 0, cases = 0;
    const int widths[] = {1, 5, 15, 16}; /* the second tile's columns */
    for (int four = 0; four < 2; four++)
        for (size_t ki = 0; ki < sizeof kcs / sizeof kcs[0]; ki++)
            for (int wi = 0; wi < 4; wi++)
                for (int which = 0; which < EPILOGUES; which++)
                    for (int indirect = 0; indirect < 2; indirect++) {
                        const int64_t kc = kcs[ki], cols2 = widths[wi], rows = four ? 4 : GEMM_MR;
                        float *a = random_floats(kc * GEMM_MR), *b0 = random_floats(kc * GEMM_NR);
                        float *b1 = random_floats(kc * GEMM_NR), *bias = random_floats(GEMM_MR);
                        float *c = random_floats(GEMM_MR * ldc), *want = malloc((size_t)(GEMM_MR * ldc) * sizeof(float));
                        if (which >= 3) a[2] = NAN; /* row 2 is NaN; a clamp must keep it */
                        memcpy(want, c, (size_t)(GEMM_MR * ldc) * sizeof(float));
                        gemm_epilogue storage;
                        const gemm_epilogue *e = epilogue_case(which, bias, &storage);
                        /* the tile kernels' bits: the first tile whole, the second's first cols2 columns */
                        float first[GEMM_MR * GEMM_NR], second[GEMM_MR * GEMM_NR];
                        for (int i = 0; i < GEMM_MR; i++) {
                            memcpy(first + i * GEMM_NR, c + i * ldc, GEMM_NR * sizeof(float));
                            memcpy(second + i * GEMM_NR, c + i * ldc + GEMM_NR, GEMM_NR * sizeof(float));
                        }
                        const gemm_ukernel_fn tile = four ? set->packed_4 : set->packed;
                        tile(kc, a, b0, first, GEMM_NR, e), tile(kc, a, b1, second, GEMM_NR, e);
                        for (int i = 0; i < rows; i++) {
                            memcpy(want + i * ldc, first + i * GEMM_NR, GEMM_NR * sizeof(float));
                            memcpy(want + i * ldc + GEMM_NR, second + i * GEMM_NR, (size_t)cols2 * sizeof(float));
                        }
                        const gemm_pair_fn pair = four ? set->pair_4 : set->pair;
                        if (indirect) { /* the second tile's rows NR floats after the first's, as in a band row */
                            int64_t *offsets = malloc((size_t)kc * sizeof(int64_t));
                            float *band = random_floats(kc * (2 * GEMM_NR + 5) + 3);
                            for (int64_t k = 0; k < kc; k++) {
                                offsets[k] = (kc - 1 - k) * (2 * GEMM_NR + 5) + k % 3;
                                memcpy(band + offsets[k], b0 + k * GEMM_NR, GEMM_NR * sizeof(float));
                                memcpy(band + offsets[k] + GEMM_NR, b1 + k * GEMM_NR, GEMM_NR * sizeof(float));
                            }
                            pair(kc, a, band, band + GEMM_NR, offsets, c, ldc, cols2, e, NULL, 0);
                            free(offsets), free(band);
                        } else {
                            /* 0, kc / 2 or kc lines asked for ahead (kc: more than the k loop's steps):
                             * the same bits */
                            float *ahead = random_floats(kc * GEMM_NR); /* kc lines */
                            pair(kc, a, b0, b1, NULL, c, ldc, cols2, e, (const char *)ahead, kc % 3 * kc / 2);
                            free(ahead);
                        }
                        bad += memcmp(c, want, (size_t)(GEMM_MR * ldc) * sizeof(float)) != 0;
                        cases++;
                        free(a), free(b0), free(b1), free(bias), free(c), free(want);
                    }
    /* gemm_pair_update for every rows <= 6 and any columns of each tile (1-16), side by side or in
     * two places: exactly those written, with the 6 x 16 kernel's bits */
    const int64_t kc = 37;
    for (int rows = 1; rows <= GEMM_MR; rows++)
        for (int cols = 1; cols <= GEMM_NR; cols += cols < 4 ? 1 : 3)
            for (int cols2 = 1; cols2 <= GEMM_NR; cols2 += cols2 < 4 ? 1 : 3)
                for (int apart = 0; apart < 2; apart++)
                    for (int which = 0; which < EPILOGUES; which++) {
                        float *a = random_floats(kc * GEMM_MR), *b0 = random_floats(kc * GEMM_NR);
                        float *b1 = random_floats(kc * GEMM_NR), *bias = random_floats(GEMM_MR);
                        /* the second tile NR columns on, or below the first (another output row) */
                        const int64_t floats = 2 * GEMM_MR * ldc, second = apart ? GEMM_MR * ldc + 7 : GEMM_NR;
                        float *c = random_floats(floats), *whole = malloc((size_t)floats * sizeof(float));
                        float *before = malloc((size_t)floats * sizeof(float));
                        memcpy(before, c, (size_t)floats * sizeof(float));
                        gemm_epilogue storage;
                        const gemm_epilogue *e = epilogue_case(which, bias, &storage);
                        float first_tile[GEMM_MR * GEMM_NR], second_tile[GEMM_MR * GEMM_NR];
                        for (int i = 0; i < GEMM_MR; i++) {
                            memcpy(first_tile + i * GEMM_NR, c + i * ldc, GEMM_NR * sizeof(float));
                            memcpy(second_tile + i * GEMM_NR, c + second + i * ldc, GEMM_NR * sizeof(float));
                        }
                        set->packed(kc, a, b0, first_tile, GEMM_NR, e), set->packed(kc, a, b1, second_tile, GEMM_NR, e);
                        memcpy(whole, before, (size_t)floats * sizeof(float));
                        for (int i = 0; i < rows; i++) {
                            memcpy(whole + i * ldc, first_tile + i * GEMM_NR, (size_t)cols * sizeof(float));
                            memcpy(whole + second + i * ldc, second_tile + i * GEMM_NR, (size_t)cols2 * sizeof(float));
                        }
                        gemm_pair_update(set, kc, a, b0, b1, NULL, c, cols, c + second, cols2, ldc, rows, e,
                                         (const char *)b0, cols2 % 3);
                        bad += memcmp(c, whole, (size_t)floats * sizeof(float)) != 0;
                        cases++;
                        free(a), free(b0), free(b1), free(bias), free(c), free(whole), free(before);
                    }
    CHECK(bad == 0, "%s: the pair kernels differ from the tile kernels in %lld of %lld cases", name, (long long)bad,
          (long long)cases);
    printf("%s pair kernels: %lld cases\n", name, (long long)cases);
}

/* Every kernel of one ISA's set. */
static void check_kernel_set(const char *isa, const gemm_kernels *set) {
    char name[128];
    const kernel_under_test kernels[6] = {{set->packed, NULL, 16, 6},  {NULL, set->indirect, 16, 6},
                                          {set->packed_8, NULL, 8, 6}, {NULL, set->indirect_8, 8, 6},
                                          {set->packed_4, NULL, 16, 4}, {NULL, set->indirect_4, 16, 4}};
    const char *const names[6] = {"gemm_ukernel_6x16", "gemm_indirect_6x16", "gemm_ukernel_6x8",
                                  "gemm_indirect_6x8", "gemm_ukernel_4x16",  "gemm_indirect_4x16"};
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "%s_%s", names[i], isa);
        check_kernel(name, kernels[i]);
    }
    check_same_bits(isa, set);
    check_columns_same_bits(isa, set);
    check_partial_tiles(isa, set);
    check_pair_same_bits(isa, set);
}

#define SET_OF(isa, columns, pair, pair_4)                                                                     \
    {#isa, gemm_ukernel_6x16_##isa, gemm_ukernel_6x8_##isa, gemm_ukernel_4x16_##isa, gemm_indirect_6x16_##isa,     \
     gemm_indirect_6x8_##isa, gemm_indirect_4x16_##isa, columns, pair, pair_4}

int main(int argc, char **argv) {
    if (test_setup(argc, argv, NULL) != 0) return 1;
    const gemm_kernels generic = SET_OF(generic, gemm_columns_generic, NULL, NULL);
    check_kernel_set("generic", &generic);
#if defined(__x86_64__) || defined(__i386__)
    const char *cpu = jconv_cpu_isa();
    const gemm_kernels avx2 = SET_OF(avx2, gemm_columns_avx2, NULL, NULL);
    const gemm_kernels avx512 = SET_OF(avx512, gemm_columns_even_odd_avx2, gemm_pair_6x32_avx512, gemm_pair_4x32_avx512);
    if (strcmp(cpu, "avx2") == 0 || strcmp(cpu, "avx512") == 0) check_kernel_set("avx2", &avx2);
    else printf("the AVX2 kernels: not run, this CPU has no AVX2 + FMA\n");
    if (strcmp(cpu, "avx512") == 0) check_kernel_set("avx512", &avx512);
    else printf("the AVX-512 kernels: not run natively, this CPU (or its OS) has no AVX-512\n");
#endif
#ifdef JCONV_TEST_AVX512_EMULATED
    /* the AVX-512 set's columns kernel runs AVX2 instructions: checked where they run */
    const gemm_kernels emulated = SET_OF(avx512_emulated, gemm_columns_even_odd_avx2, gemm_pair_6x32_avx512_emulated,
                                       gemm_pair_4x32_avx512_emulated);
    if (strcmp(jconv_cpu_isa(), "avx2") == 0 || strcmp(jconv_cpu_isa(), "avx512") == 0)
        check_kernel_set("avx512 through SIMDe", &emulated);
    else
        printf("the AVX-512 kernels through SIMDe: not run, the columns kernel of their set needs AVX2 + FMA\n");
#else
    printf("the AVX-512 kernels through SIMDe: not built, CMake found no SIMDe (Debian: libsimde-dev)\n");
#endif
    return test_finish();
}
