/* The AVX-512 micro-kernel compiled for the baseline ISA against SIMDe's portable AVX-512, as
 * gemm_ukernel_6x16_avx512_emulated, for test_gemm_kernels. */
#define JCONV_AVX512_EMULATED
#include "../src/gemm/gemm_6x16_avx512.c"
