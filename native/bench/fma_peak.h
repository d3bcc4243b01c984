/* The machine's measured FMA peak, the 100% that the bench's "% of peak" refers to. */
#ifndef FMA_PEAK_H
#define FMA_PEAK_H

#include <stdint.h>

/* The FLOPs one iteration of the loop does on one thread: 12 FMAs of 8 floats (AVX2 + FMA) or 16
 * (AVX-512, when the library runs its AVX-512 kernels). */
double fma_loop_flops_per_iteration(void);

/* GFLOP/s of independent fused multiply-adds on `threads` threads, with the widest FMA the library
 * uses on this CPU (AVX-512 or AVX2 + FMA on x86-64; the compiler's best for the baseline elsewhere). */
double fma_peak_gflops(int threads);

/* One run of the same loop, `iterations` per thread; returns the FLOPs it did. The bench times it
 * between the layer's executions, so that "% of peak" compares with what the cores could do in
 * the same moments (this shared machine's speed drifts by tens of % within a run). */
double fma_peak_run(int threads, int64_t iterations);

#endif
