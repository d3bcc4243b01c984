/* The machine's measured FMA peak, the 100% that the bench's "% of peak" refers to. */
#ifndef FMA_PEAK_H
#define FMA_PEAK_H

/* GFLOP/s of independent fused multiply-adds on `threads` threads, with the widest FMA the build
 * has for this CPU (AVX2 + FMA on x86-64; the compiler's best for the baseline elsewhere). */
double fma_peak_gflops(int threads);

#endif
