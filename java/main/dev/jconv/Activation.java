package dev.jconv;

import java.util.Objects;

/** What a convolution applies to each output as it writes it: none, ReLU, or a clamp (ReLU6). */
public final class Activation {
    /** The kinds, with jconv_activation's values. */
    public enum Kind {
        NONE, RELU, CLAMP
    }

    public static final Activation NONE = new Activation(Kind.NONE, 0, 0);
    public static final Activation RELU = new Activation(Kind.RELU, 0, 0);

    private final Kind kind;
    private final float min;
    private final float max;

    private Activation(Kind kind, float min, float max) {
        this.kind = kind;
        this.min = min;
        this.max = max;
    }

    /** min(max(x, min), max); NaN stays NaN. */
    public static Activation clamp(float min, float max) {
        if (Float.isNaN(min) || Float.isNaN(max) || min > max) {
            throw new IllegalArgumentException("clamp min=" + min + ", max=" + max + ": need min <= max, neither NaN");
        }
        return new Activation(Kind.CLAMP, min, max);
    }

    /** clamp(0, 6), as MobileNet uses. */
    public static Activation relu6() {
        return clamp(0f, 6f);
    }

    public Kind kind() {
        return kind;
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    /** Applies it to one value, exactly as the native write does. */
    public float apply(float v) {
        switch (kind) {
            case RELU:
                return v < 0f ? 0f : v;
            case CLAMP:
                return v < min ? min : (v > max ? max : v);
            default:
                return v;
        }
    }

    /** jconv_post_ops: {activation, clamp_min bits, clamp_max bits, reserved}. */
    int[] toNative() {
        return new int[] {kind.ordinal(), Float.floatToRawIntBits(min), Float.floatToRawIntBits(max), 0};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Activation && ((Activation) o).kind == kind && ((Activation) o).min == min
                && ((Activation) o).max == max;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, min, max);
    }

    @Override
    public String toString() {
        return kind == Kind.CLAMP ? "clamp(" + min + ", " + max + ")" : kind.name().toLowerCase();
    }
}
