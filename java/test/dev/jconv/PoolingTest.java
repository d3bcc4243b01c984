package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jconv.reference.ReferencePool;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pooling against the reference on random shapes (every rank, kernel, stride, padding, dilation,
 * ceil_mode, count_include_pad), bit for bit: max only compares, and the averages add in the same
 * order and divide by the same count.
 */
class PoolingTest {
    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    private record Case(long[] shape, long[] kernel, long[] stride, long[] pad, long[] dilation, boolean ceil,
            boolean includePad, float[] data) {
        PoolSpec spec(boolean max) {
            PoolSpec.Builder b = PoolSpec.builder(kernel).stride(stride).padding(pad).ceilMode(ceil)
                    .countIncludePad(includePad);
            if (max) b.dilation(dilation);
            return b.build();
        }

        static Case random(long seed, boolean max) {
            SplittableRandom r = new SplittableRandom(seed);
            int rank = 1 + (int) (seed % 3);
            int[] maxIn = {30, 12, 7};
            while (true) {
                long[] in = new long[rank];
                long[] k = new long[rank];
                long[] s = new long[rank];
                long[] p = new long[rank];
                long[] d = new long[rank];
                boolean ceil = r.nextBoolean();
                boolean fits = true;
                for (int i = 0; i < rank; i++) {
                    in[i] = r.nextInt(1, maxIn[rank - 1] + 1);
                    k[i] = r.nextInt(1, 5);
                    s[i] = r.nextInt(1, 4);
                    p[i] = r.nextInt((int) (k[i] / 2) + 1);
                    d[i] = max && r.nextInt(3) == 0 ? r.nextInt(2, 4) : 1;
                    try {
                        ReferencePool.outputSize(in[i], k[i], s[i], p[i], d[i], ceil);
                    } catch (IllegalArgumentException e) {
                        fits = false;
                    }
                    // PyTorch's avg_pool3d refuses an input smaller than the kernel, padding or not
                    if (!max && rank == 3 && in[i] < k[i]) fits = false;
                }
                if (!fits) continue;
                long[] shape = RandomConvCase.concat(r.nextInt(1, 3), r.nextInt(1, 4), in);
                float[] data = RandomConvCase.values(r, RandomConvCase.count(shape));
                // Ties, infinities and NaN: the rules for who wins must match too.
                for (int i = 0; i < data.length; i++) {
                    int pick = r.nextInt(40);
                    if (pick == 0) data[i] = Float.NaN;
                    else if (pick == 1) data[i] = Float.NEGATIVE_INFINITY;
                    else if (pick < 6) data[i] = 0.5f;
                }
                return new Case(shape, k, s, p, d, ceil, r.nextBoolean(), data);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void maxPoolingMatchesTheReferenceExactly(long seed) {
        Case c = Case.random(seed, true);
        ReferencePool.MaxResult expected = ReferencePool.maxPool(c.data, c.shape, c.kernel, c.stride, c.pad,
                c.dilation, c.ceil);
        try (Tensor x = Tensor.of(c.data, c.shape);
                Functional.MaxPoolResult result = Functional.maxPoolWithIndices(x, c.spec(true));
                Tensor plain = pool(x, c.spec(true), true)) {
            assertArrayEquals(expected.values(), result.output().toArray(), "seed " + seed);
            assertArrayEquals(expected.indices(), result.indices(), "indices, seed " + seed);
            assertArrayEquals(expected.values(), plain.toArray(), "seed " + seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void averagePoolingMatchesTheReferenceExactly(long seed) {
        Case c = Case.random(seed, false);
        float[] expected = ReferencePool.avgPool(c.data, c.shape, c.kernel, c.stride, c.pad, c.ceil, c.includePad);
        try (Tensor x = Tensor.of(c.data, c.shape); Tensor y = pool(x, c.spec(false), false)) {
            assertArrayEquals(expected, y.toArray(), "seed " + seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void adaptiveAveragePoolingMatchesTheReferenceExactly(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rank = 1 + (int) (seed % 3);
        long[] in = new long[rank];
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            in[i] = r.nextInt(1, 15);
            out[i] = r.nextInt(1, 15); // larger than the input too: cells then repeat
        }
        long[] shape = RandomConvCase.concat(r.nextInt(1, 3), r.nextInt(1, 4), in);
        float[] data = RandomConvCase.values(r, RandomConvCase.count(shape));
        try (Tensor x = Tensor.of(data, shape); Tensor y = Functional.adaptiveAvgPool(x, out)) {
            assertArrayEquals(ReferencePool.adaptiveAvgPool(data, shape, out), y.toArray(), "seed " + seed);
        }
    }

    @Test
    void averagePooling3dRefusesAnInputSmallerThanTheKernelAsPyTorch() {
        // F.avg_pool3d(torch.rand(1, 1, 2, 2, 2), 3, 1, 1): "input image (T: 2 H: 2 W: 2) smaller than
        // kernel size"; avg_pool2d and max_pool3d take the same sizes.
        PoolSpec spec = PoolSpec.builder(3).stride(1).padding(1).build();
        try (Tensor x3 = Tensor.zeros(1, 1, 2, 2, 2); Tensor x2 = Tensor.zeros(1, 1, 2, 2);
                Tensor max3 = Functional.maxPool3d(x3, spec); Tensor avg2 = Functional.avgPool2d(x2, spec)) {
            assertArrayEquals(new long[] {1, 1, 2, 2, 2}, max3.shape());
            assertArrayEquals(new long[] {1, 1, 2, 2}, avg2.shape());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Functional.avgPool3d(x3, spec)).getMessage()
                    .contains("in_size[0]=2 (D) is smaller than kernel 3"));
        }
    }

    private static Tensor pool(Tensor x, PoolSpec spec, boolean max) {
        switch (x.rank()) {
            case 3:
                return max ? Functional.maxPool1d(x, spec) : Functional.avgPool1d(x, spec);
            case 4:
                return max ? Functional.maxPool2d(x, spec) : Functional.avgPool2d(x, spec);
            default:
                return max ? Functional.maxPool3d(x, spec) : Functional.avgPool3d(x, spec);
        }
    }

    @Test
    void handComputedWindows() {
        // 1-D [1 5 2 4 3], kernel 2 stride 2 padding 1: windows [pad 1] [5 2] [4 3] -> 1 5 4 (max).
        try (Tensor x = Tensor.of(new float[] {1, 5, 2, 4, 3}, 1, 1, 5);
                Functional.MaxPoolResult max = Functional.maxPoolWithIndices(x,
                        PoolSpec.builder(2).padding(1).build());
                Tensor avgIn = Functional.avgPool1d(x, PoolSpec.builder(2).padding(1).build());
                Tensor avgEx = Functional.avgPool1d(x, PoolSpec.builder(2).padding(1).countIncludePad(false).build());
                Tensor ceil = Functional.avgPool1d(x, PoolSpec.builder(2).ceilMode(true).build())) {
            assertArrayEquals(new float[] {1, 5, 4}, max.output().toArray());
            assertArrayEquals(new long[] {0, 1, 3}, max.indices());
            assertArrayEquals(new float[] {0.5f, 3.5f, 3.5f}, avgIn.toArray()); // the pad counts
            assertArrayEquals(new float[] {1f, 3.5f, 3.5f}, avgEx.toArray()); // it does not
            // ceil_mode keeps the last window [3] (it starts inside the input): divisor 1, not 2.
            assertArrayEquals(new float[] {3f, 3f, 3f}, ceil.toArray());
        }
        // A window that would start in the end padding is dropped: in 4, k 2, s 2, pad 1, ceil:
        // windows start at -1, 1, 3 and 5 >= in + pad = 5 is dropped.
        assertEquals(3, ReferencePool.outputSize(4, 2, 2, 1, 1, true));
        assertEquals(3, ReferencePool.outputSize(4, 2, 2, 1, 1, false));
        assertEquals(56, ReferencePool.outputSize(112, 3, 2, 1, 1, false)); // ResNet stem pool
    }

    @Test
    void globalPoolingAverages() {
        try (Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, 1, 2, 2, 2);
                Tensor y = Functional.globalAvgPool(x)) {
            assertArrayEquals(new long[] {1, 2, 1, 1}, y.shape());
            assertArrayEquals(new float[] {2.5f, 25f}, y.toArray());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (Tensor x = Tensor.zeros(1, 1, 5, 5)) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Functional.maxPool2d(x, PoolSpec.builder(2).padding(2).build())).getMessage()
                    .contains("padding=2 must be at most half of kernel=2"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Functional.avgPool2d(x, PoolSpec.builder(3).dilation(2).build())).getMessage()
                    .contains("no dilation"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Functional.maxPool2d(x, PoolSpec.builder(7).build())).getMessage().contains("too small"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Functional.maxPool1d(x, PoolSpec.builder(2).build())).getMessage()
                    .contains("maxPool1d needs a 3-dim input"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> Functional.maxPool2d(x, PoolSpec.builder(2, 2, 2).build())).getMessage()
                    .contains("kernel has 3 values"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> PoolSpec.builder(0)).getMessage()
                    .contains("kernel"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Functional.adaptiveAvgPool(x, 0))
                    .getMessage().contains("outputSize"));
            try (Tensor wrong = Tensor.zeros(1, 1, 3, 3)) {
                assertTrue(assertThrows(IllegalArgumentException.class,
                        () -> Functional.avgPool(x, PoolSpec.builder(2).build(), wrong)).getMessage()
                        .contains("output has shape [1, 1, 3, 3], expected [1, 1, 2, 2]"));
            }
        }
    }
}
