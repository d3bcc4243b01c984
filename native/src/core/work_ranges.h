/* Work items [0, count) shared by a team of threads: thread t owns the contiguous range
 * [count * t / T, count * (t + 1) / T) and takes its items from the front; once its own are gone it
 * takes the last item left in another thread's range. A static split's contiguity (each thread's
 * items are neighbours in memory, which the hardware prefetchers follow from item to item) with
 * a dynamic schedule's balance: when one core runs slower (another process, a hypervisor's steal
 * time, an efficiency core), the others finish its range. On this machine's two vCPUs, threads
 * given equal work finished up to 15% apart.
 *
 * Lock-free: a range is one 64-bit word (front and end, each 32 bits) changed by compare-and-swap,
 * once per unit taken, each word on its own cache line (up to 128 threads). A unit is a run of
 * consecutive items, at most 16 per thread: for cheap items (mb2_dw_14's 576 planes of 14 x 14,
 * 0.3 us each) a compare-and-swap per item, on a line both threads wrote, made it 0.61-0.87x as
 * fast. */
#ifndef JCONV_WORK_RANGES_H
#define JCONV_WORK_RANGES_H

#include "internal.h"

#include <stdatomic.h>

#define JCONV_WORK_UNITS_PER_THREAD 16

typedef struct jconv_work_ranges {
    int threads, spacing;  /* thread t's range is word[t * spacing] */
    int64_t count, grain;  /* a unit is `grain` consecutive items */
    _Alignas(64) _Atomic uint64_t word[JCONV_MAX_THREADS];
} jconv_work_ranges;

/* The size of each part when n >= 1 things are cut into as many parts as parts of at most `most`
 * need, as evenly as whole parts allow: 28 rows at most 9 a part are 4 parts of 7, not 9, 9, 9
 * and 1 (which gave one of two threads 36 of dl3_atrous's 56 tiles). */
static inline int64_t jconv_even_part(int64_t n, int64_t most) {
    const int64_t parts = (n + most - 1) / most;
    return (n + parts - 1) / parts;
}

/* The next smaller even part size of n than `size` (>= 2, itself an even part size of n, as
 * jconv_even_part gives): that of the fewest parts whose size is below it, ceil(n / (size - 1)) of
 * them (no search, which a tall map's rows would make millions of steps long). */
static inline int64_t jconv_smaller_even_part(int64_t n, int64_t size) {
    const int64_t parts = (n + size - 2) / (size - 1);
    return (n + parts - 1) / parts;
}

/* Splits count >= 0 items over threads in [1, JCONV_MAX_THREADS] (before the parallel region), in
 * units of JCONV_WORK_UNITS_PER_THREAD a thread at most. */
void jconv_work_ranges_init(jconv_work_ranges *w, int threads, int64_t count);

/* The same in units of at most units_per_thread (>= 1) a thread: items long enough that a
 * compare-and-swap each costs nothing can be taken one at a time (a unit of one item). */
void jconv_work_ranges_init_units(jconv_work_ranges *w, int threads, int64_t count, int64_t units_per_thread);

/* The next run of items for thread `thread` (its index in the team): [*first, *end), one unit;
 * 0 when every item is taken. A team smaller than `threads` is fine: the ranges of the missing
 * threads are taken from their ends. */
int jconv_work_next(jconv_work_ranges *w, int thread, int64_t *first, int64_t *end);

#endif
