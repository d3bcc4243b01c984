package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jconv.reference.ReferenceConv;
import dev.jconv.reference.ReferenceConvTranspose;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Transposed convolution: against the reference on random shapes, adjointness, hand examples. */
class ConvTransposeTest {
    static LongStream seeds() {
        return LongStream.range(0, 150);
    }

    /** A random transposed convolution covering every parameter. */
    private record Case(long[] inputShape, long[] weightShape, long[] stride, long[] padBegin, long[] padEnd,
            long[] outputPadding, long[] dilation, long groups) {
        ConvSpec spec() {
            return ConvSpec.builder().stride(stride).padding(padBegin, padEnd).outputPadding(outputPadding)
                    .dilation(dilation).groups(groups).build();
        }

        static Case random(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int rank = 1 + (int) (seed % 3);
            int[] maxIn = {12, 6, 4};
            while (true) {
                long g = r.nextInt(4) == 0 ? r.nextInt(2, 4) : 1;
                long ic = g * r.nextInt(1, 4);
                long ocPerGroup = r.nextInt(1, 4);
                long[] in = new long[rank];
                long[] k = new long[rank];
                long[] s = new long[rank];
                long[] pb = new long[rank];
                long[] pe = new long[rank];
                long[] op = new long[rank];
                long[] d = new long[rank];
                boolean ok = true;
                for (int i = 0; i < rank; i++) {
                    in[i] = r.nextInt(1, maxIn[rank - 1] + 1);
                    k[i] = r.nextInt(1, rank == 3 ? 4 : 5);
                    s[i] = r.nextInt(1, 4);
                    d[i] = r.nextInt(3) == 0 ? r.nextInt(2, 4) : 1;
                    pb[i] = r.nextInt(3);
                    pe[i] = r.nextInt(3) == 0 ? r.nextInt(3) : pb[i];
                    op[i] = r.nextInt((int) Math.max(s[i], d[i]));
                    long out = (in[i] - 1) * s[i] - pb[i] - pe[i] + d[i] * (k[i] - 1) + op[i] + 1;
                    ok &= out >= 1;
                }
                if (!ok) continue;
                return new Case(RandomConvCase.concat(r.nextInt(1, 3), ic, in), RandomConvCase.concat(ic, ocPerGroup, k),
                        s, pb, pe, op, d, g);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void matchesTheReference(long seed) {
        Case c = Case.random(seed);
        SplittableRandom r = new SplittableRandom(~seed);
        float[] x = RandomConvCase.values(r, RandomConvCase.count(c.inputShape));
        float[] w = RandomConvCase.values(r, RandomConvCase.count(c.weightShape));
        long outChannels = c.weightShape[1] * c.groups;
        float[] b = seed % 2 == 0 ? RandomConvCase.values(r, (int) outChannels) : null;
        float[] expected = ReferenceConvTranspose.convTranspose(x, c.inputShape, w, c.weightShape, b, c.stride,
                c.padBegin, c.padEnd, c.outputPadding, c.dilation, c.groups);
        float[] magnitude = ReferenceConvTranspose.convTranspose(RandomConvCase.abs(x), c.inputShape,
                RandomConvCase.abs(w), c.weightShape, null, c.stride, c.padBegin, c.padEnd, c.outputPadding,
                c.dilation, c.groups);
        long[] outShape = ReferenceConvTranspose.outputShape(c.inputShape, c.weightShape, c.stride, c.padBegin,
                c.padEnd, c.outputPadding, c.dilation, c.groups);
        int plane = expected.length / (int) (outShape[0] * outShape[1]);
        if (b != null) {
            for (int i = 0; i < magnitude.length; i++) magnitude[i] += Math.abs(b[i / plane % (int) outChannels]);
        }
        long taps = c.weightShape[0] / c.groups;
        for (int i = 2; i < c.weightShape.length; i++) taps *= c.weightShape[i];
        String what = "seed " + seed + " " + c;
        JConv.setNumThreads(1 + (int) (seed % 2));
        try (Tensor xt = Tensor.of(x, c.inputShape);
                Tensor wt = Tensor.of(w, c.weightShape);
                Tensor bt = b == null ? null : Tensor.of(b, outChannels)) {
            try (Tensor y = Functional.convTranspose(xt, wt, bt, c.spec(), Algorithm.AUTO)) {
                assertArrayEquals(outShape, y.shape(), what);
                Tolerance.assertClose(expected, y.toArray(), magnitude, taps, what);
            }
            // The planned layer with ReLU and an in-place residual.
            float[] residual = RandomConvCase.values(r, expected.length);
            float[] want = new float[expected.length];
            float[] bound = magnitude.clone();
            for (int i = 0; i < want.length; i++) {
                want[i] = Activation.RELU.apply((float) ((double) expected[i] + residual[i]));
                bound[i] += Math.abs(residual[i]);
            }
            Algorithm forced = seed % 2 == 0 ? Algorithm.DIRECT : Algorithm.IM2COL;
            try (ConvTranspose layer = ConvTranspose.builder(wt).bias(bt).spec(c.spec()).activation(Activation.RELU)
                    .algorithm(forced).build();
                    Tensor y = Tensor.of(residual, outShape)) {
                layer.forward(xt, y, y);
                Tolerance.assertClose(want, y.toArray(), bound, taps, "planned " + forced + " " + what);
                assertEquals(forced, layer.algorithm(c.inputShape));
            }
        } finally {
            JConv.setNumThreads(2);
        }
    }

    /**
     * The transposed convolution is the adjoint of the convolution with the same weights and
     * parameters: {@code <conv(x), y> == <x, convT(y)>}, when output_padding makes convT's output
     * the size of x (the rows a strided convolution never reads are what output_padding adds back).
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void isTheAdjointOfConvolution(long seed) {
        RandomConvCase c = new RandomConvCase(seed + 1000);
        long[] convOut = c.outputShape();
        int rank = c.inputShape.length - 2;
        long[] outputPadding = new long[rank];
        for (int i = 0; i < rank; i++) {
            long back = (convOut[2 + i] - 1) * c.stride[i] - c.padBegin[i] - c.padEnd[i]
                    + c.dilation[i] * (c.weightShape[2 + i] - 1) + 1;
            outputPadding[i] = c.inputShape[2 + i] - back;
            assertTrue(outputPadding[i] >= 0 && outputPadding[i] < c.stride[i], "output padding " + outputPadding[i]);
        }
        SplittableRandom r = new SplittableRandom(seed);
        float[] y = RandomConvCase.values(r, RandomConvCase.count(convOut));
        ConvSpec convSpec = c.spec();
        ConvSpec transposedSpec = ConvSpec.builder().stride(c.stride).padding(c.padBegin, c.padEnd)
                .dilation(c.dilation).groups(c.groups).outputPadding(outputPadding).build();
        try (Tensor x = Tensor.of(c.input, c.inputShape);
                Tensor w = Tensor.of(c.weight, c.weightShape);
                Tensor yt = Tensor.of(y, convOut);
                Tensor convX = Functional.conv(x, w, null, convSpec, Algorithm.AUTO);
                Tensor transposedY = Functional.convTranspose(yt, w, null, transposedSpec, Algorithm.AUTO)) {
            assertArrayEquals(c.inputShape, transposedY.shape());
            double left = dot(convX.toArray(), y);
            double right = dot(c.input, transposedY.toArray());
            double scale = absDot(convX.toArray(), y) + absDot(c.input, transposedY.toArray());
            assertEquals(left, right, 1e-5 * scale + 1e-12, "seed " + seed + " " + c);
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private static double absDot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs((double) a[i] * b[i]);
        return s;
    }

    @Test
    void strideTwoUpsamplesAndOverlapsAdd() {
        // x = [1, 2, 3], k = [1, 10, 100], stride 2: each input stamps the kernel at 2i and overlaps add:
        // [1, 10, 100+2, 20, 200+3, 30, 300]. Padding 1 trims one at each end and output_padding 1 gives
        // the last back; with no padding, output_padding adds a cell that only the bias reaches.
        try (Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 1, 3);
                Tensor w = Tensor.of(new float[] {1, 10, 100}, 1, 1, 3);
                Tensor b = Tensor.of(new float[] {0.5f}, 1);
                Tensor y = Functional.convTranspose1d(x, w, b,
                        ConvSpec.builder().stride(2).padding(1).outputPadding(1).build());
                Tensor z = Functional.convTranspose1d(x, w, b, ConvSpec.builder().stride(2).outputPadding(1).build())) {
            assertArrayEquals(new float[] {10.5f, 102.5f, 20.5f, 203.5f, 30.5f, 300.5f}, y.toArray());
            assertArrayEquals(new float[] {1.5f, 10.5f, 102.5f, 20.5f, 203.5f, 30.5f, 300.5f, 0.5f}, z.toArray());
        }
        assertEquals(6, Shapes.convTransposeOutputSize(3, 3, 2, 1, 1, 1, 1));
        // DCGAN 4 -> 8 and U-Net 64 -> 128, as the layer suite has them.
        assertEquals(8, Shapes.convTransposeOutputSize(4, 4, 2, 1, 1, 1, 0));
        assertEquals(128, Shapes.convTransposeOutputSize(64, 2, 2, 0, 0, 1, 0));
        assertEquals(56, Shapes.convTransposeOutputSize(28, 3, 2, 1, 1, 1, 1));
    }

    @Test
    void groupsMapInputChannelsToTheirOwnOutputs() {
        // Two groups, one input channel each, two outputs per group: [IC=2, OC/g=2, k=1].
        try (Tensor x = Tensor.of(new float[] {1, 2}, 1, 2, 1);
                Tensor w = Tensor.of(new float[] {1, 10, 100, 1000}, 2, 2, 1);
                Tensor y = Functional.convTranspose1d(x, w, null, ConvSpec.builder().groups(2).build())) {
            assertArrayEquals(new float[] {1, 10, 200, 2000}, y.toArray());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (Tensor x = Tensor.zeros(1, 4, 5); Tensor w = Tensor.zeros(4, 2, 3)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Functional.convTranspose1d(x, w, null, ConvSpec.builder().stride(2).outputPadding(2).build()));
            assertTrue(e.getMessage().contains("outputPadding=2 must be smaller than stride=2 or dilation=1"),
                    e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Functional.convTranspose1d(x, w, null, ConvSpec.builder().padding(5).build()));
            assertTrue(e.getMessage().contains("output size"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Functional.convTranspose1d(x, w, null, ConvSpec.builder().paddingSame().build()));
            assertTrue(e.getMessage().contains("padding=same"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Functional.convTranspose1d(x, w, null, ConvSpec.builder().groups(3).build()));
            assertTrue(e.getMessage().contains("groups=3 does not divide in_channels=4"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> Functional.conv1d(x, w, null, ConvSpec.builder().outputPadding(1).build()));
            assertTrue(e.getMessage().contains("transposed convolutions only"), e.getMessage());
            try (Tensor wrong = Tensor.zeros(3, 2, 3)) {
                e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Functional.convTranspose1d(x, wrong, null, ConvSpec.defaults()));
                assertTrue(e.getMessage().contains("in_channels=4"), e.getMessage());
            }
        }
    }

    @Test
    void referenceAgreesWithConvolutionOnAOneByOneKernel() {
        // With a 1x1 kernel and stride 1 the transposed convolution is a convolution with W^T.
        float[] x = {1, 2, 3, 4, 5, 6};
        float[] w = {1, 2, 3, 4, 5, 6}; // [IC=2, OC=3, 1]
        float[] wT = {1, 4, 2, 5, 3, 6}; // [OC=3, IC=2, 1]
        long[] one = {1};
        long[] zero = {0};
        float[] t = ReferenceConvTranspose.convTranspose(x, new long[] {1, 2, 3}, w, new long[] {2, 3, 1}, null, one,
                zero, zero, zero, one, 1);
        float[] c = ReferenceConv.conv(x, new long[] {1, 2, 3}, wT, new long[] {3, 2, 1}, null, one, zero, zero, one, 1);
        assertArrayEquals(c, t);
    }
}
