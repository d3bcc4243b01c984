/* Contiguous ranges of work per thread, the rest taken from their ends (work_ranges.h). */
#include "work_ranges.h"

#define MAX_UNITS ((int64_t)INT32_MAX)
#define WORDS_PER_LINE 8

static uint64_t pack_range(uint64_t front, uint64_t end) { return front | end << 32; }

void jconv_work_ranges_init(jconv_work_ranges *w, int threads, int64_t count) {
    jconv_work_ranges_init_units(w, threads, count, JCONV_WORK_UNITS_PER_THREAD);
}

void jconv_work_ranges_init_units(jconv_work_ranges *w, int threads, int64_t count, int64_t units_per_thread) {
    w->threads = threads < 1 ? 1 : threads > JCONV_MAX_THREADS ? JCONV_MAX_THREADS : threads;
    w->spacing = JCONV_MAX_THREADS / w->threads < WORDS_PER_LINE ? JCONV_MAX_THREADS / w->threads : WORDS_PER_LINE;
    w->count = count < 0 ? 0 : count;
    if (units_per_thread < 1) units_per_thread = 1;
    int64_t units = units_per_thread > MAX_UNITS / w->threads ? MAX_UNITS : w->threads * units_per_thread;
    w->grain = w->count > units ? (w->count + units - 1) / units : 1;
    units = (w->count + w->grain - 1) / w->grain;
    for (int t = 0; t < w->threads; t++)
        atomic_init(&w->word[t * w->spacing], pack_range((uint64_t)(units * t / w->threads),
                                                         (uint64_t)(units * (t + 1) / w->threads)));
}

/* Takes one unit from the front of range t (own) or from its end (another's); -1 when empty. */
static int64_t take(jconv_work_ranges *w, int t, int from_front) {
    _Atomic uint64_t *range = &w->word[t * w->spacing];
    uint64_t seen = atomic_load(range);
    for (;;) {
        const uint64_t front = seen & 0xffffffffu, end = seen >> 32;
        if (front >= end) return -1;
        const uint64_t left = from_front ? pack_range(front + 1, end) : pack_range(front, end - 1);
        if (atomic_compare_exchange_weak(range, &seen, left)) return (int64_t)(from_front ? front : end - 1);
    }
}

int jconv_work_next(jconv_work_ranges *w, int thread, int64_t *first, int64_t *end) {
    if (thread < 0 || thread >= w->threads) thread = 0;
    int64_t unit = take(w, thread, 1);
    for (int i = 1; unit < 0 && i < w->threads; i++) unit = take(w, (thread + i) % w->threads, 0);
    if (unit < 0) return 0;
    *first = unit * w->grain;
    *end = *first + w->grain < w->count ? *first + w->grain : w->count;
    return 1;
}
