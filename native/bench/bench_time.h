/* The benchmarks' clock and median. */
#ifndef BENCH_TIME_H
#define BENCH_TIME_H

/* Seconds on a monotonic clock. */
double bench_now_seconds(void);
/* Sorts times in place and returns their median. */
double bench_median(double *times, int count);

#endif
