package dev.jconv;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Convolution algorithms, as jconv_algorithm. {@link #AUTO} lets the library choose by shape. */
public enum Algorithm {
    AUTO("auto", 0),
    DIRECT("direct", 1),
    IM2COL("im2col", 2),
    WINOGRAD_F2X3("winograd-f2x3", 3),
    WINOGRAD_F4X3("winograd-f4x3", 4),
    WINOGRAD_F6X3("winograd-f6x3", 5),
    DEPTHWISE("depthwise", 6);

    private final String externalName;
    private final int code;

    Algorithm(String externalName, int code) {
        this.externalName = externalName;
        this.code = code;
    }

    /** The name the CLI and the C API use: "auto", "direct", "winograd-f4x3", ... */
    public String externalName() {
        return externalName;
    }

    int code() {
        return code;
    }

    /** Whether this build of the native library has a kernel for it. */
    public boolean isAvailable() {
        NativeBinding.require();
        return NativeBinding.jconv_algorithm_available(code) != 0;
    }

    public static Algorithm fromName(String name) {
        for (Algorithm a : values()) {
            if (a.externalName.equals(name)) return a;
        }
        throw new IllegalArgumentException("algorithm '" + name + "' is not one of "
                + Arrays.stream(values()).map(Algorithm::externalName).collect(Collectors.joining(", ")));
    }

    static Algorithm fromCode(int code) {
        for (Algorithm a : values()) {
            if (a.code == code) return a;
        }
        throw new IllegalStateException("native algorithm code " + code + " is unknown to this binding");
    }

    @Override
    public String toString() {
        return externalName;
    }
}
