/* The machine's measured FMA peak, the 100% that the bench's "% of peak" refers to. */
#ifndef FMA_PEAK_H
#define FMA_PEAK_H

#include <stdint.h>

/* The FLOPs one iteration of the loop does on one thread: 12 FMAs of 8 floats. */
#define FMA_LOOP_FLOPS_PER_ITERATION (12.0 * 8 * 2)

/* GFLOP/s of independent fused multiply-adds on `threads` threads, with the widest FMA the build
 * has for this CPU (AVX2 + FMA on x86-64; the compiler's best for the baseline elsewhere). */
double fma_peak_gflops(int threads);

/* One run of the same loop, `iterations` per thread; returns the FLOPs it did. The bench times it
 * between the layer's executions, so that "% of peak" compares with what the cores could do in
 * the same moments (this shared machine's speed drifts by tens of % within a run). */
double fma_peak_run(int threads, int64_t iterations);

#endif
