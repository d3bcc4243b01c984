package dev.jconv;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The error bound of an fp32 convolution: summing t products in float in any order errs by at
 * most about (t + 3) * epsilon * sum |products| (plus |bias| and |residual| when added). Each
 * output is checked against its own bound, computed from the reference over absolute values. An
 * indexing mistake breaks it by orders of magnitude; honest rounding stays well inside.
 */
final class Tolerance {
    private Tolerance() {}

    static void assertClose(float[] expected, float[] actual, float[] magnitude, long taps, String what) {
        assertClose(expected, actual, magnitude, taps, 0, what);
    }

    /**
     * The same, plus a relative error bound on top of it: Winograd's transforms err relative to the
     * output's scale (errorBound times the largest magnitude), not per output.
     */
    static void assertClose(float[] expected, float[] actual, float[] magnitude, long taps, double errorBound,
            String what) {
        double largest = 0;
        for (float m : magnitude) largest = Math.max(largest, m);
        double slack = errorBound * largest;
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " outputs, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) || Float.isInfinite(expected[i])) {
                // NaN and infinities propagate as in PyTorch: the same non-finite value, exactly.
                if (Float.compare(expected[i], actual[i]) != 0 && !(Float.isNaN(expected[i]) && Float.isNaN(actual[i]))) {
                    fail(what + ": output " + i + " is " + actual[i] + ", expected " + expected[i]);
                }
                continue;
            }
            double bound = (taps + 3) * (double) Math.ulp(1f) * magnitude[i] + slack + 1e-30;
            double error = Math.abs((double) actual[i] - expected[i]);
            if (!(error <= bound)) {
                fail(what + ": output " + i + " is " + actual[i] + ", expected " + expected[i] + " (error " + error
                        + " > bound " + bound + ")");
            }
        }
    }
}
