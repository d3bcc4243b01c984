package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jconv.reference.ReferenceConv;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Winograd through the Java API: each tile against the reference within the error bound its plan
 * reports, that bound on N(0,1) data, AUTO's accuracy limit, non-finite data (the GEMM path's
 * result exactly) and the shapes Winograd declines.
 */
class ConvWinogradTest {
    private static final Algorithm[] TILES = {Algorithm.WINOGRAD_F2X3, Algorithm.WINOGRAD_F4X3, Algorithm.WINOGRAD_F6X3};

    private static float[] normal(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static int count(long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    /** max |y - ref| / max |ref| of a forced tile on N(0,1) data stays within the plan's bound. */
    @Test
    void errorOnGaussianDataStaysWithinTheReportedBound() {
        Random r = new Random(7);
        long[][] inputs = {{1, 256, 96}, {1, 256, 18, 18}, {1, 128, 7, 7, 7}};
        for (long[] inShape : inputs) {
            int rank = inShape.length - 2;
            long[] wShape = new long[inShape.length];
            wShape[0] = 8;
            wShape[1] = inShape[1];
            for (int i = 0; i < rank; i++) wShape[2 + i] = 3;
            float[] x = normal(r, count(inShape)), w = normal(r, count(wShape));
            long[] ones = new long[rank];
            java.util.Arrays.fill(ones, 1);
            float[] ref = ReferenceConv.conv(x, inShape, w, wShape, null, ones, ones, ones, ones, 1);
            double maxRef = 0;
            for (float v : ref) maxRef = Math.max(maxRef, Math.abs(v));
            double previous = 0;
            try (Tensor xt = Tensor.of(x, inShape); Tensor wt = Tensor.of(w, wShape)) {
                for (Algorithm tile : TILES) {
                    try (Conv conv = Conv.builder(wt).spec(ConvSpec.builder().padding(1).build()).algorithm(tile).build();
                            Tensor y = conv.forward(xt)) {
                        float[] out = y.toArray();
                        double err = 0;
                        for (int i = 0; i < out.length; i++) err = Math.max(err, Math.abs(out[i] - ref[i]));
                        double bound = conv.errorBound(inShape);
                        assertTrue(err / maxRef <= bound, rank + "-D " + tile + ": " + err / maxRef + " > " + bound);
                        assertTrue(bound >= previous, "larger tiles have larger bounds");
                        previous = bound;
                    }
                }
            }
        }
    }

    /** AUTO takes a Winograd tile only within JConv.AUTO_ERROR_BOUND: never F(6,3) in 2-D or 3-D. (512
     * channels on 7x7 may take no tile at all: its 16 tiles hardly pay for reading 16 MiB of transformed
     * weights, and the blocked direct path, on AVX-512, or im2col cost less.) */
    @Test
    void autoKeepsWithinItsErrorBound() {
        long[][] inputs = {{1, 64, 56, 56}, {1, 64, 8, 28, 28}, {1, 512, 7, 7}};
        for (long[] inShape : inputs) {
            long[] wShape = inShape.clone();
            wShape[0] = inShape[1];
            for (int i = 2; i < wShape.length; i++) wShape[i] = 3;
            try (Tensor w = Tensor.zeros(wShape);
                    Conv conv = Conv.builder(w).spec(ConvSpec.builder().padding(1).build()).build();
                    Conv f6 = Conv.builder(w).spec(ConvSpec.builder().padding(1).build())
                            .algorithm(Algorithm.WINOGRAD_F6X3).build()) {
                Algorithm chosen = conv.algorithm(inShape);
                assertTrue(chosen.externalName().startsWith("winograd") || inShape[1] == 512, chosen + " for a 3x3 layer");
                assertTrue(conv.errorBound(inShape) <= JConv.AUTO_ERROR_BOUND, chosen + ": " + conv.errorBound(inShape));
                assertTrue(f6.errorBound(inShape) > JConv.AUTO_ERROR_BOUND);
                assertFalse(chosen == Algorithm.WINOGRAD_F6X3);
            }
        }
    }

    /** inf, NaN and values that could overflow the transforms take the GEMM path: the same bits. */
    @Test
    void nonFiniteDataGivesTheGemmPathsResult() {
        Random r = new Random(3);
        long[] inShape = {2, 3, 9, 10}, wShape = {4, 3, 3, 3};
        float[] x = normal(r, count(inShape)), w = normal(r, count(wShape));
        float[][] specials = {{Float.NaN}, {Float.POSITIVE_INFINITY}, {-3e37f}};
        for (float[] special : specials) {
            x[17] = special[0];
            try (Tensor xt = Tensor.of(x, inShape); Tensor wt = Tensor.of(w, wShape);
                    Tensor want = Functional.conv(xt, wt, null, ConvSpec.builder().padding(1).build(), Algorithm.IM2COL)) {
                for (Algorithm tile : TILES) {
                    try (Tensor y = Functional.conv(xt, wt, null, ConvSpec.builder().padding(1).build(), tile)) {
                        assertArrayEquals(want.toArray(), y.toArray(), tile + " with " + special[0]);
                    }
                }
            }
        }
    }

    @Test
    void forcedOnAShapeItCannotDoIsAClearError() {
        try (Tensor x = Tensor.zeros(1, 2, 8, 8); Tensor w = Tensor.zeros(2, 2, 3, 3)) {
            for (Algorithm tile : TILES) {
                JConvArgumentException e = assertThrows(JConvArgumentException.class,
                        () -> Functional.conv(x, w, null, ConvSpec.builder().stride(2).build(), tile));
                assertEquals(2, e.status()); // JCONV_UNSUPPORTED
                assertTrue(e.getMessage().contains(tile.externalName() + " needs") && e.getMessage().contains("stride 1"),
                        e.getMessage());
            }
        }
    }
}
