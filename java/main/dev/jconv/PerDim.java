package dev.jconv;

import java.util.Arrays;

/** Per-dimension parameter lists (stride, padding, ...): one value for every spatial dim, or one per dim. */
final class PerDim {
    private PerDim() {}

    /** A copy of 1 to 3 values, each in [min, max]; the message names the parameter. */
    static long[] checked(String name, long[] values, long min, long max) {
        if (values == null || values.length < 1 || values.length > 3) {
            throw new IllegalArgumentException(name + " needs 1 to 3 values, got "
                    + (values == null ? "null" : Arrays.toString(values)));
        }
        for (long v : values) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(name + "=" + Arrays.toString(values) + ": every value must be "
                        + (max == Long.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]"));
            }
        }
        return values.clone();
    }

    /** The values for a rank-D op: one value repeated, or exactly rank values. */
    static long[] expand(String name, long[] values, int rank, String op) {
        if (values.length == 1) {
            long[] out = new long[rank];
            Arrays.fill(out, values[0]);
            return out;
        }
        if (values.length != rank) {
            throw new IllegalArgumentException(name + " has " + values.length + " values " + Arrays.toString(values)
                    + "; a " + rank + "-D " + op + " needs 1 or " + rank);
        }
        return values.clone();
    }
}
