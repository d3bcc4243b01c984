package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jconv.reference.ReferenceConv;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** NaN and infinities propagate as in PyTorch; results do not depend on runs or thread counts. */
class HostileInputTest {
    @AfterEach
    void restoreThreads() {
        JConv.setNumThreads(2);
    }

    @Test
    void nanAndInfinityPropagateLikePyTorch() {
        // x has a NaN at 3 and +inf at 9; the kernel's middle tap is 0, so inf * 0 = NaN too.
        float[] x = new float[12];
        for (int i = 0; i < x.length; i++) x[i] = i;
        x[3] = Float.NaN;
        x[9] = Float.POSITIVE_INFINITY;
        float[] w = {1, 0, 1};
        long[] one = {1};
        long[] zero = {0};
        float[] expected = ReferenceConv.conv(x, new long[] {1, 1, 12}, w, new long[] {1, 1, 3}, null, one, zero, zero,
                one, 1);
        try (Tensor xt = Tensor.of(x, 1, 1, 12);
                Tensor wt = Tensor.of(w, 1, 1, 3);
                Tensor y = Functional.conv1d(xt, wt, null, ConvSpec.defaults());
                Conv relu = Conv.builder(wt).activation(Activation.RELU).build();
                Tensor r = relu.forward(xt)) {
            float[] got = y.toArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals(Float.isNaN(expected[i]), Float.isNaN(got[i]), "NaN at " + i);
                if (!Float.isNaN(expected[i])) assertEquals(expected[i], got[i], "output " + i);
            }
            assertTrue(Float.isNaN(got[1]) && Float.isNaN(got[2]) && Float.isNaN(got[3]), "windows over the NaN");
            assertTrue(Float.isNaN(got[8]), "inf * 0 is NaN");
            assertEquals(Float.POSITIVE_INFINITY, got[7]);
            assertTrue(Float.isNaN(r.toArray()[2]), "ReLU keeps NaN, as torch.relu");
        }
        // Max pooling lets NaN win, average pooling sums it in.
        try (Tensor x2 = Tensor.of(new float[] {1, Float.NaN, 3, 4}, 1, 1, 4);
                Tensor max = Functional.maxPool1d(x2, PoolSpec.builder(2).build());
                Tensor avg = Functional.avgPool1d(x2, PoolSpec.builder(2).build())) {
            assertTrue(Float.isNaN(max.toArray()[0]));
            assertEquals(4f, max.toArray()[1]);
            assertTrue(Float.isNaN(avg.toArray()[0]));
            assertEquals(3.5f, avg.toArray()[1]);
        }
    }

    /** The same inputs give the same bits, run to run and at 1 and 2 threads (every op, direct kernels). */
    @Test
    void resultsAreDeterministicAcrossRunsAndThreadCounts() {
        SplittableRandom r = new SplittableRandom(5);
        try (Tensor x = Tensor.of(RandomConvCase.values(r, 2 * 8 * 20 * 20), 2, 8, 20, 20);
                Tensor w = Tensor.of(RandomConvCase.values(r, 8 * 4 * 9), 8, 4, 3, 3);
                Tensor wT = Tensor.of(RandomConvCase.values(r, 8 * 3 * 16), 8, 3, 4, 4)) {
            ConvSpec conv = ConvSpec.builder().padding(1).stride(2).groups(2).build();
            ConvSpec up = ConvSpec.builder().stride(2).padding(1).build();
            assertSameBits(() -> Functional.conv2d(x, w, null, conv));
            assertSameBits(() -> Functional.convTranspose2d(x, wT, null, up));
            assertSameBits(() -> Functional.avgPool2d(x, PoolSpec.builder(3).stride(2).padding(1).ceilMode(true).build()));
            assertSameBits(() -> Functional.adaptiveAvgPool(x, 7, 3));
            assertSameBits(() -> Functional.upsampleBilinear2d(x, 1.5, 2.5, false));
        }
    }

    private static void assertSameBits(Supplier<Tensor> op) {
        float[][] results = new float[4][];
        int[] threads = {1, 1, 2, 2};
        for (int i = 0; i < results.length; i++) {
            JConv.setNumThreads(threads[i]);
            try (Tensor y = op.get()) {
                results[i] = y.toArray();
            }
        }
        for (int i = 1; i < results.length; i++) assertArrayEquals(results[0], results[i], "run " + i);
        assertFalse(results[0].length == 0);
    }
}
