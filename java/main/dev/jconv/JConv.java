package dev.jconv;

import java.util.ArrayList;
import java.util.List;

/** The native library as a whole: version, instruction set, threads, algorithms, memory. */
public final class JConv {
    private JConv() {}

    /**
     * The largest error bound (max |y - exact| / max |exact| on N(0, 1) data) of a Winograd tile that
     * {@link Algorithm#AUTO} will choose: F(2,3) and F(4,3) everywhere, F(6,3) in 1-D.
     * Force a larger tile to trade accuracy for speed; {@link PlannedLayer#errorBound} reports it.
     */
    public static final double AUTO_ERROR_BOUND = 2e-5;

    public static String version() {
        NativeBinding.require();
        return NativeBinding.jconv_version();
    }

    /** The instruction set the kernels run on: "avx512", "avx2", "neon" or "generic" (JCONV_ISA can lower it). */
    public static String isa() {
        NativeBinding.require();
        return NativeBinding.jconv_isa();
    }

    /** The best instruction set this CPU has, whatever JCONV_ISA says. */
    public static String cpuIsa() {
        NativeBinding.require();
        return NativeBinding.jconv_cpu_isa();
    }

    /**
     * The GEMM engine as chosen for this CPU: micro-kernel, tile, and the cache blocks derived from the
     * L1d and L2 sizes (the environment variable JCONV_CACHE="L1D,L2", e.g. "48K,1M", overrides them).
     */
    public static String gemmInfo() {
        NativeBinding.require();
        return NativeBinding.jconv_gemm_info();
    }

    public static boolean hasOpenMp() {
        NativeBinding.require();
        return NativeBinding.jconv_has_openmp() != 0;
    }

    /** Threads each native call may use. */
    public static int numThreads() {
        NativeBinding.require();
        return NativeBinding.jconv_get_num_threads();
    }

    /** Sets the threads each later native call may use, for every caller; 1 to 1024. */
    public static void setNumThreads(int threads) {
        NativeBinding.require();
        NativeBinding.check(NativeBinding.jconv_set_num_threads(threads), "setNumThreads");
    }

    /** The algorithms this build has kernels for, AUTO first. */
    public static List<Algorithm> availableAlgorithms() {
        List<Algorithm> out = new ArrayList<>();
        for (Algorithm a : Algorithm.values()) {
            if (a.isAvailable()) out.add(a);
        }
        return out;
    }

    /** Bytes the native library holds in plans and scratch right now (tensors are not counted). */
    public static long nativeAllocatedBytes() {
        NativeBinding.require();
        return NativeBinding.jconv_allocated_bytes();
    }
}
