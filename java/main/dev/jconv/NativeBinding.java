package dev.jconv;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The JNA binding of {@code jconv.h}, by direct mapping ({@link Native#register}): every call is a
 * plain JNI call with primitive arguments. Pointers travel as {@code long} addresses; descriptors
 * as {@code long[]} (jconv_conv_desc is 23 consecutive int64 values) and post-ops as
 * {@code int[4]}, which JNA copies into native memory for the call.
 *
 * <p>Loading looks, in order, at the system property {@value #LIBRARY_PATH_PROPERTY} (an explicit
 * file), then where JNA looks: {@code jna.library.path}, the system paths and the class path under
 * {@code <os>-<arch>/} (the jar carries the library there). A failure is kept and reported by
 * {@link #require()} with what was looked for, so that every later call explains it too.
 */
final class NativeBinding {
    static final String LIBRARY_PATH_PROPERTY = "jconv.library.path";

    private static final UnsatisfiedLinkError LOAD_ERROR = load();

    private NativeBinding() {}

    private static UnsatisfiedLinkError load() {
        String explicit = System.getProperty(LIBRARY_PATH_PROPERTY);
        try {
            NativeLibrary library = explicit != null
                    ? NativeLibrary.getInstance(explicit)
                    : NativeLibrary.getInstance("jconv", NativeBinding.class.getClassLoader());
            Native.register(NativeBinding.class, library);
            return null;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            String looked = explicit != null
                    ? "the file " + explicit + " (system property " + LIBRARY_PATH_PROPERTY + ")"
                    : "resource " + Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("jconv")
                            + " on the class path, jna.library.path and the system library paths";
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                    "jconv: cannot load the native library for platform " + Platform.RESOURCE_PREFIX + ": looked for "
                            + looked + ". Build it for this platform with `mvn package` (CMake and a C compiler),"
                            + " or point -D" + LIBRARY_PATH_PROPERTY + " at a built library. Cause: " + e.getMessage());
            error.initCause(e);
            return error;
        }
    }

    /** Throws the load failure, if there was one. Every public entry point into native code calls it. */
    static void require() {
        if (LOAD_ERROR != null) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(LOAD_ERROR.getMessage());
            error.initCause(LOAD_ERROR.getCause());
            throw error;
        }
    }

    /** Turns a non-zero status into the matching exception, with the native detail message. */
    static void check(int status, String context) {
        if (status == Status.OK) return;
        String detail = jconv_last_error();
        String message = context + ": " + (detail == null || detail.isEmpty() ? jconv_status_string(status) : detail);
        switch (status) {
            case Status.INVALID_ARGUMENT:
            case Status.UNSUPPORTED:
                throw new JConvArgumentException(status, message);
            case Status.OUT_OF_MEMORY:
                throw new OutOfMemoryError(message);
            default:
                throw new JConvException(status, message);
        }
    }

    /** jconv_status values. */
    static final class Status {
        static final int OK = 0;
        static final int INVALID_ARGUMENT = 1;
        static final int UNSUPPORTED = 2;
        static final int OUT_OF_MEMORY = 3;

        private Status() {}
    }

    static native String jconv_status_string(int status);

    static native String jconv_last_error();

    static native String jconv_version();

    static native String jconv_isa();

    static native String jconv_cpu_isa();

    static native String jconv_gemm_info();

    static native int jconv_has_openmp();

    static native int jconv_get_num_threads();

    static native int jconv_set_num_threads(int threads);

    static native int jconv_algorithm_available(int algorithm);

    static native int jconv_conv_output_size(long[] desc, long[] outSize);

    static native int jconv_conv_plan_create(long[] desc, long weights, long bias, int algorithm, int[] postOps,
            long[] planOut);

    static native int jconv_conv_plan_execute(long plan, long src, long residual, long dst);

    static native int jconv_conv_plan_algorithm(long plan);

    static native double jconv_conv_plan_error_bound(long plan);

    static native void jconv_conv_plan_destroy(long plan);

    static native int jconv_conv(long[] desc, long src, long weights, long bias, int algorithm, int[] postOps,
            long residual, long dst);

    static native long jconv_allocated_bytes();

    static native int jconv_conv_transpose_plan_create(long[] desc, long weights, long bias, int algorithm,
            int[] postOps, long[] planOut);

    static native int jconv_conv_transpose(long[] desc, long src, long weights, long bias, int algorithm,
            int[] postOps, long residual, long dst);

    static native int jconv_pool(long[] desc, long src, long dst, long indices);

    static native int jconv_pool_output_size(long[] desc, long[] outSize);

    static native int jconv_adaptive_avg_pool(int spatialRank, long[] shape, long[] outSize, long src, long dst);

    static native int jconv_pixel_shuffle(long[] shape, long factor, long src, long dst);

    static native int jconv_pixel_unshuffle(long[] shape, long factor, long src, long dst);

    static native int jconv_channel_shuffle(int rank, long[] shape, long groups, long src, long dst);

    static native int jconv_pad(int spatialRank, long[] shape, long[] padBegin, long[] padEnd, int mode, float value,
            long src, long dst);

    static native int jconv_upsample2d(long[] shape, long outH, long outW, int mode, int alignCorners, double scaleH,
            double scaleW, long src, long dst);
}
