package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jconv.reference.ReferenceLayout;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pixel and channel shuffle, pad and upsampling against the reference on random shapes; hand cases. */
class LayoutTest {
    static LongStream seeds() {
        return LongStream.range(0, 100);
    }

    private static float[] data(SplittableRandom r, long[] shape) {
        return RandomConvCase.values(r, RandomConvCase.count(shape));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void pixelShuffleAndUnshuffleAreInverses(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int f = r.nextInt(1, 4);
        long[] shape = {r.nextInt(1, 3), (long) f * f * r.nextInt(1, 4), r.nextInt(1, 6), r.nextInt(1, 6)};
        float[] x = data(r, shape);
        try (Tensor t = Tensor.of(x, shape);
                Tensor shuffled = Functional.pixelShuffle(t, f);
                Tensor back = Functional.pixelUnshuffle(shuffled, f)) {
            assertArrayEquals(ReferenceLayout.pixelShuffle(x, shape, f), shuffled.toArray(), "seed " + seed);
            assertArrayEquals(new long[] {shape[0], shape[1] / (f * f), shape[2] * f, shape[3] * f}, shuffled.shape());
            assertArrayEquals(ReferenceLayout.pixelUnshuffle(shuffled.toArray(), shuffled.shape(), f), back.toArray());
            assertArrayEquals(x, back.toArray(), "unshuffle(shuffle(x)) == x");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void channelShuffleMatchesTheReference(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int groups = r.nextInt(1, 5);
        int rank = r.nextInt(2, 6);
        long[] shape = new long[rank];
        for (int i = 0; i < rank; i++) shape[i] = r.nextInt(1, 5);
        shape[1] = (long) groups * r.nextInt(1, 4);
        float[] x = data(r, shape);
        try (Tensor t = Tensor.of(x, shape); Tensor y = Functional.channelShuffle(t, groups)) {
            assertArrayEquals(ReferenceLayout.channelShuffle(x, shape, groups), y.toArray(), "seed " + seed);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void padMatchesTheReferenceInEveryMode(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rank = 1 + (int) (seed % 3);
        PadMode mode = PadMode.values()[(int) (seed / 3 % 4)];
        long[] shape = new long[2 + rank];
        shape[0] = r.nextInt(1, 3);
        shape[1] = r.nextInt(1, 3);
        long[] pads = new long[2 * rank];
        for (int i = 0; i < rank; i++) {
            long n = r.nextInt(1, 7);
            shape[2 + i] = n;
            for (int side = 0; side < 2; side++) {
                long p; // negative pads crop, in every mode
                switch (mode) {
                    case REFLECT -> p = r.nextInt(-(int) Math.min(n - 1, 2), (int) n); // < n
                    case CIRCULAR -> p = r.nextInt(-(int) Math.min(n - 1, 2), (int) n + 1);
                    default -> p = r.nextInt(-(int) Math.min(n - 1, 2), 5);
                }
                pads[2 * i + side] = p;
            }
            if (n + pads[2 * i] + pads[2 * i + 1] < 1) pads[2 * i] = 0;
            if (mode == PadMode.CIRCULAR) { // at most what the crops keep: shrink the positive pads to it
                long kept = n - Math.max(-pads[2 * i], 0) - Math.max(-pads[2 * i + 1], 0);
                if (kept < 1) pads[2 * i] = pads[2 * i + 1] = 0;
                kept = n - Math.max(-pads[2 * i], 0) - Math.max(-pads[2 * i + 1], 0);
                for (int side = 0; side < 2; side++) pads[2 * i + side] = Math.min(pads[2 * i + side], kept);
            }
        }
        float[] x = data(r, shape);
        long[] begin = new long[rank];
        long[] end = new long[rank];
        for (int i = 0; i < rank; i++) {
            begin[i] = pads[2 * i];
            end[i] = pads[2 * i + 1];
        }
        float value = (float) r.nextDouble();
        float[] expected = ReferenceLayout.pad(x, shape, begin, end, ReferenceLayout.PadMode.valueOf(mode.name()), value);
        try (Tensor t = Tensor.of(x, shape); Tensor y = Functional.pad(t, mode, value, pads)) {
            assertArrayEquals(ReferenceLayout.padShape(shape, begin, end), y.shape());
            assertArrayEquals(expected, y.toArray(), "seed " + seed + " " + mode);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void upsamplingMatchesTheReference(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] shape = {r.nextInt(1, 3), r.nextInt(1, 3), r.nextInt(1, 7), r.nextInt(1, 7)};
        double[] scales = {1, 2, 3, 0.5, 1.5, 1.7, 2.5, 0.75, 4};
        double scaleH = scales[r.nextInt(scales.length)];
        double scaleW = scales[r.nextInt(scales.length)];
        if (shape[2] * scaleH < 1) scaleH = 1; // an empty output is an error (badArgumentsAreNamed)
        if (shape[3] * scaleW < 1) scaleW = 1;
        int outH = (int) Math.floor(shape[2] * scaleH);
        int outW = (int) Math.floor(shape[3] * scaleW);
        float[] x = data(r, shape);
        boolean alignCorners = r.nextBoolean();
        try (Tensor t = Tensor.of(x, shape);
                Tensor nearest = Functional.upsampleNearest2d(t, scaleH, scaleW);
                Tensor bilinear = Functional.upsampleBilinear2d(t, scaleH, scaleW, alignCorners)) {
            assertArrayEquals(ReferenceLayout.upsampleNearest2d(x, shape, outH, outW, scaleH, scaleW), nearest.toArray(),
                    "nearest, seed " + seed);
            float[] expected = ReferenceLayout.upsampleBilinear2d(x, shape, outH, outW, alignCorners, scaleH, scaleW);
            float[] actual = bilinear.toArray();
            for (int i = 0; i < expected.length; i++) {
                // Same operations in the same order; a compiler may fuse a multiply-add (arm64): 1e-6.
                if (!(Math.abs(expected[i] - actual[i]) <= 1e-6f)) {
                    fail("bilinear seed " + seed + " output " + i + ": " + actual[i] + " vs " + expected[i]);
                }
            }
        }
    }

    /**
     * The seeds' equivalence: a stride-r convolution of a single-channel map equals a stride-1
     * convolution over the r*r channels of the pixel-unshuffled map, with the kernel unshuffled the
     * same way (zero-padded to a multiple of r first). Both sum exactly the same products
     * x[r(o+A)+i] w[rA+i], only grouped differently, so they agree up to fp32 rounding of the sum
     * order, not bit for bit; the output sizes agree when the map's size is a multiple of r.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void strideRConvolutionIsAStrideOneConvolutionOfUnshuffledMaps(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int r = rnd.nextInt(2, 4);
        int k = rnd.nextInt(1, 7);
        int kPadded = (k + r - 1) / r * r;
        int h = r * rnd.nextInt((kPadded + r - 1) / r, 6);
        int w = r * rnd.nextInt((kPadded + r - 1) / r, 6);
        int outChannels = rnd.nextInt(1, 4);
        float[] x = RandomConvCase.values(rnd, h * w);
        float[] kernel = RandomConvCase.values(rnd, outChannels * k * k);
        float[] padded = new float[outChannels * kPadded * kPadded]; // zeros after the last tap
        for (int oc = 0; oc < outChannels; oc++)
            for (int a = 0; a < k; a++)
                System.arraycopy(kernel, (oc * k + a) * k, padded, (oc * kPadded + a) * kPadded, k);
        try (Tensor xt = Tensor.of(x, 1, 1, h, w);
                Tensor kt = Tensor.of(kernel, outChannels, 1, k, k);
                Tensor kp = Tensor.of(padded, outChannels, 1, kPadded, kPadded);
                Tensor strided = Functional.conv2d(xt, kt, null, ConvSpec.builder().stride(r).build());
                Tensor xs = Functional.pixelUnshuffle(xt, r);
                Tensor ks = Functional.pixelUnshuffle(kp, r); // [OC, r*r, kPadded/r, kPadded/r]
                Tensor dense = Functional.conv2d(xs, ks, null, ConvSpec.defaults())) {
            assertArrayEquals(strided.shape(), dense.shape(), "output sizes agree");
            float[] a = strided.toArray();
            float[] b = dense.toArray();
            for (int i = 0; i < a.length; i++) {
                if (!(Math.abs(a[i] - b[i]) <= 1e-5f * (k * k))) fail("seed " + seed + " output " + i + ": " + a[i] + " vs " + b[i]);
            }
        }
    }

    @Test
    void handExamples() {
        // pixel_shuffle of 4 channels of one pixel: a 2x2 block in channel order.
        try (Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4, 1, 1); Tensor y = Functional.pixelShuffle(x, 2)) {
            assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
            assertArrayEquals(new float[] {1, 2, 3, 4}, y.toArray());
        }
        // channel shuffle of 6 channels in 2 groups: 0 3 1 4 2 5.
        try (Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 6, 1); Tensor y = Functional.channelShuffle(x, 2)) {
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, y.toArray());
        }
        // pad modes on 1 2 3 with (2, 2): reflect 3 2 1 2 3 2 1, replicate 1 1 1 2 3 3 3, circular 2 3 1 2 3 1 2.
        try (Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 1, 3);
                Tensor reflect = Functional.pad(x, PadMode.REFLECT, 0, 2, 2);
                Tensor replicate = Functional.pad(x, PadMode.REPLICATE, 0, 2, 2);
                Tensor circular = Functional.pad(x, PadMode.CIRCULAR, 0, 2, 2);
                Tensor constant = Functional.pad(x, PadMode.CONSTANT, 9, 1, -1)) {
            assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2, 1}, reflect.toArray());
            assertArrayEquals(new float[] {1, 1, 1, 2, 3, 3, 3}, replicate.toArray());
            assertArrayEquals(new float[] {2, 3, 1, 2, 3, 1, 2}, circular.toArray());
            assertArrayEquals(new float[] {9, 1, 2}, constant.toArray());
        }
        // negative pads crop, as PyTorch 1.13's F.pad: 0..5 by (-1, 4) and by (2, -1).
        try (Tensor x = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 6);
                Tensor reflect = Functional.pad(x, PadMode.REFLECT, 0, -1, 4);
                Tensor replicate = Functional.pad(x, PadMode.REPLICATE, 0, -1, 4);
                Tensor circular = Functional.pad(x, PadMode.CIRCULAR, 0, -1, 4);
                Tensor reflectEnd = Functional.pad(x, PadMode.REFLECT, 0, 2, -1);
                Tensor replicateEnd = Functional.pad(x, PadMode.REPLICATE, 0, 2, -1);
                Tensor circularEnd = Functional.pad(x, PadMode.CIRCULAR, 0, 2, -1)) {
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 4, 3, 2, 1}, reflect.toArray());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 5, 5, 5, 5}, replicate.toArray());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 1, 2, 3, 4}, circular.toArray());
            assertArrayEquals(new float[] {2, 1, 0, 1, 2, 3, 4}, reflectEnd.toArray());
            assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4}, replicateEnd.toArray());
            assertArrayEquals(new float[] {3, 4, 0, 1, 2, 3, 4}, circularEnd.toArray());
        }
        // bilinear 2x of [[0, 1]] without align_corners: 0 0.25 0.75 1; with: 0 1/3 2/3 1.
        try (Tensor x = Tensor.of(new float[] {0, 1}, 1, 1, 1, 2);
                Tensor half = Functional.upsampleBilinear2d(x, 1, 2, false);
                Tensor corners = Functional.upsampleBilinear2d(x, 1, 2, true);
                Tensor nearest = Functional.upsampleNearest2d(x, 2, 2)) {
            assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, half.toArray());
            assertArrayEquals(new float[] {0, 1f / 3, 2f / 3, 1}, corners.toArray(), 1e-7f);
            assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 1, 1}, nearest.toArray());
        }
    }

    @Test
    void badArgumentsAreNamed() {
        try (Tensor x = Tensor.zeros(1, 3, 4, 4)) {
            assertMessage("not divisible by factor^2=4", () -> Functional.pixelShuffle(x, 2));
            assertMessage("must be divisible by factor=3", () -> Functional.pixelUnshuffle(x, 3));
            assertMessage("groups=2 must be >= 1 and divide channels=3", () -> Functional.channelShuffle(x, 2));
            assertMessage("reflect pads 4/0 of spatial dim 0 must be smaller than its size 4",
                    () -> Functional.pad(x, PadMode.REFLECT, 0, 4, 0, 0, 0));
            assertMessage("circular pads 5/0", () -> Functional.pad(x, PadMode.CIRCULAR, 0, 5, 0, 0, 0));
            assertMessage("circular pads 3/-2 of spatial dim 0 must be at most the size they keep of the input, 2",
                    () -> Functional.pad(x, PadMode.CIRCULAR, 0, 3, -2, 0, 0));
            assertMessage("pads needs 4 values", () -> Functional.pad(x, PadMode.CONSTANT, 0, 1, 1));
            assertMessage("leave spatial dim 0 empty", () -> Functional.pad(x, PadMode.CONSTANT, 0, -2, -2, 0, 0));
            assertMessage("scale=0.0 must be finite and > 0", () -> Functional.upsampleNearest2d(x, 0, 1));
            assertMessage("output size 0x4", () -> Functional.upsampleBilinear2d(x, 0.2, 1, false));
            assertMessage("pad mode 'mirror'", () -> PadMode.fromName("mirror"));
        }
    }

    private static void assertMessage(String needle, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(needle), "'" + e.getMessage() + "' should contain '" + needle + "'");
    }
}
