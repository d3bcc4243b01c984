/* The work ranges (core/work_ranges.h) on their own: every item taken exactly once, in runs
 * inside [0, count), each thread's own range first and from its front, others' from their ends;
 * teams smaller than planned; more items than 32-bit units hold; and real threads taking
 * concurrently (OpenMP), stealing from each other. */
#include "../src/core/work_ranges.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Thread `thread` of a plan for `threads` owns units [units * t / threads, units * (t + 1) / threads). */
static int64_t own_front(const jconv_work_ranges *w, int thread) {
    const int64_t units = (w->count + w->grain - 1) / w->grain;
    return units * thread / w->threads * w->grain;
}

/* Takes everything with the threads of a team of `team` (<= threads) in turn, checking each run. */
static void check_sequential(int threads, int team, int64_t count) {
    jconv_work_ranges w;
    jconv_work_ranges_init(&w, threads, count);
    unsigned char *taken = calloc((size_t)count + 1, 1);
    int64_t total = 0, bad = 0;
    for (int live = team; live > 0;) {
        live = 0;
        for (int t = 0; t < team; t++) {
            int64_t first = -1, end = -1;
            if (!jconv_work_next(&w, t, &first, &end)) continue;
            live++;
            if (first < 0 || end > count || first >= end) {
                bad++;
                continue;
            }
            for (int64_t i = first; i < end; i++) bad += taken[i]++ != 0;
            total += end - first;
        }
    }
    CHECK(bad == 0, "threads %d team %d count %lld: %lld items taken twice or out of range", threads, team,
          (long long)count, (long long)bad);
    CHECK(total == count, "threads %d team %d count %lld: %lld items taken", threads, team, (long long)count,
          (long long)total);
    int64_t first, end;
    for (int t = 0; t < threads; t++)
        CHECK(!jconv_work_next(&w, t, &first, &end), "threads %d count %lld: thread %d got more after the end",
              threads, (long long)count, t);
    free(taken);
}

/* Alone on a fresh plan, each thread takes its own range from the front, one unit at a time. */
static void check_own_first(int threads, int64_t count) {
    for (int t = 0; t < threads; t++) {
        jconv_work_ranges w;
        jconv_work_ranges_init(&w, threads, count);
        const int64_t front = own_front(&w, t), back = own_front(&w, t + 1) < count ? own_front(&w, t + 1) : count;
        int64_t first, end, expected = front;
        while (expected < back && jconv_work_next(&w, t, &first, &end)) {
            CHECK(first == expected, "threads %d count %lld: thread %d took %lld, not %lld", threads,
                  (long long)count, t, (long long)first, (long long)expected);
            expected = end;
        }
    }
}

/* Units of a given most per thread: 2 threads over 100 items in units of up to 50 a thread take one
 * item at a time; up to 3 a thread, runs of 17 (the last shorter); 0 counts as 1; a huge count
 * still in 32-bit units. */
static void check_units(void) {
    const int64_t most[] = {50, 3, 0, (int64_t)1 << 40}, grains[] = {1, 17, 50, 1};
    for (int i = 0; i < 4; i++) {
        jconv_work_ranges w;
        jconv_work_ranges_init_units(&w, 2, 100, most[i]);
        CHECK(w.grain == grains[i], "units of at most %lld a thread: grain %lld, not %lld", (long long)most[i],
              (long long)w.grain, (long long)grains[i]);
        int64_t first, end, total = 0, bad = 0;
        while (jconv_work_next(&w, 0, &first, &end)) bad += end - first > grains[i], total += end - first;
        CHECK(bad == 0 && total == 100, "units of at most %lld: %lld items, %lld runs too long", (long long)most[i],
              (long long)total, (long long)bad);
    }
    jconv_work_ranges w;
    jconv_work_ranges_init_units(&w, 7, (int64_t)1 << 40, (int64_t)1 << 40);
    CHECK(((int64_t)1 << 40) / w.grain <= INT32_MAX, "2^40 items in units of grain %lld overflow", (long long)w.grain);
}

/* More items than 32-bit unit indices hold: runs of consecutive items that tile [0, count). */
static void check_huge(int threads, int64_t count) {
    jconv_work_ranges w;
    jconv_work_ranges_init(&w, threads, count);
    int64_t total = 0, runs = 0, first, end, bad = 0;
    int64_t *firsts = malloc(sizeof(int64_t) * (size_t)threads * JCONV_WORK_UNITS_PER_THREAD);
    while (jconv_work_next(&w, (int)(runs % threads), &first, &end)) {
        bad += first < 0 || end > count || first >= end || first % w.grain != 0;
        if (runs < (int64_t)threads * JCONV_WORK_UNITS_PER_THREAD) firsts[runs] = first;
        total += end - first, runs++;
    }
    CHECK(bad == 0 && total == count && runs <= (int64_t)threads * JCONV_WORK_UNITS_PER_THREAD,
          "count %lld over %d threads: %lld runs, %lld items, %lld bad", (long long)count, threads, (long long)runs,
          (long long)total, (long long)bad);
    /* distinct starts: no run taken twice */
    for (int64_t i = 0; i < runs && i < (int64_t)threads * JCONV_WORK_UNITS_PER_THREAD; i++)
        for (int64_t j = i + 1; j < runs && j < (int64_t)threads * JCONV_WORK_UNITS_PER_THREAD; j++)
            bad += firsts[i] == firsts[j];
    CHECK(bad == 0, "count %lld: a run taken twice", (long long)count);
    free(firsts);
}

/* A team of real threads, most of whose planned ranges have no thread: every unit is taken by a
 * steal racing the others, and each item still exactly once. */
static void check_concurrent(int planned, int64_t count) {
    jconv_work_ranges w;
    jconv_work_ranges_init(&w, planned, count);
    _Atomic int *taken = calloc((size_t)count, sizeof(_Atomic int));
    int64_t total = 0;
#pragma omp parallel num_threads(4) reduction(+ : total)
    {
        int thread = 0;
#ifdef _OPENMP
        thread = omp_get_thread_num();
#endif
        int64_t first, end;
        while (jconv_work_next(&w, thread, &first, &end))
            for (int64_t i = first; i < end; i++) atomic_fetch_add(&taken[i], 1), total++;
    }
    int64_t bad = 0;
    for (int64_t i = 0; i < count; i++) bad += atomic_load(&taken[i]) != 1;
    CHECK(bad == 0 && total == count, "planned %d count %lld: %lld items not taken exactly once", planned,
          (long long)count, (long long)bad);
    free(taken);
}

int main(void) {
    const int threads[] = {1, 2, 3, 7, 64, JCONV_MAX_THREADS};
    const int64_t counts[] = {0, 1, 2, 5, 16, 31, 32, 33, 100, 1000, 12345};
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++)
        for (size_t j = 0; j < sizeof counts / sizeof counts[0]; j++) {
            check_sequential(threads[i], threads[i], counts[j]);
            check_sequential(threads[i], 1, counts[j]); /* a team of one takes every range */
            if (threads[i] > 2) check_sequential(threads[i], threads[i] / 2, counts[j]);
        }
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++)
        for (size_t j = 0; j < sizeof counts / sizeof counts[0]; j++) check_own_first(threads[i], counts[j]);
    /* a thread whose range is done takes from the end of the next one's */
    jconv_work_ranges two;
    jconv_work_ranges_init(&two, 2, 4);
    int64_t order[4], a, b;
    for (int i = 0; i < 4; i++) order[i] = jconv_work_next(&two, 0, &a, &b) ? a : -1;
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 3 && order[3] == 2, "thread 0 alone took %lld %lld %lld %lld",
          (long long)order[0], (long long)order[1], (long long)order[2], (long long)order[3]);
    /* a thread index outside the plan takes as thread 0 */
    jconv_work_ranges w;
    jconv_work_ranges_init(&w, 2, 4);
    int64_t first, end;
    CHECK(jconv_work_next(&w, 5, &first, &end) && first == 0 && end == 1, "thread 5 of 2 took [%lld, %lld)",
          (long long)first, (long long)end);
    CHECK(jconv_work_next(&w, -1, &first, &end) && first == 1, "thread -1 of 2 took [%lld, %lld)",
          (long long)first, (long long)end);
    check_units();
    check_huge(2, 3000000000LL);
    check_huge(7, (int64_t)1 << 40);
    for (int rep = 0; rep < 200; rep++) {
        check_concurrent(64, 1000);
        check_concurrent(4, 64);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
