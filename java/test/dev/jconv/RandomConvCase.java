package dev.jconv;

import dev.jconv.reference.ReferenceConv;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A seeded random convolution covering every parameter: rank 1 to 3, batch, groups (including
 * depthwise), odd and tiny sizes, stride, dilation, asymmetric padding; with data in [-1, 1].
 */
final class RandomConvCase {
    final long seed;
    final long[] inputShape;
    final long[] weightShape;
    final long[] stride;
    final long[] padBegin;
    final long[] padEnd;
    final long[] dilation;
    final long groups;
    final float[] input;
    final float[] weight;
    final float[] bias;

    RandomConvCase(long seed) {
        this(seed, 1);
    }

    /** The same draw with channelScale times the channels of every group (8: the blocked direct path's
     * 16-channel blocks and 32-channel tiles, whole and partial). */
    RandomConvCase(long seed, int channelScale) {
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        int rank = 1 + (int) (seed % 3); // every rank equally often
        int[] maxIn = {40, 13, 7};
        while (true) {
            long batch = r.nextInt(1, 4);
            int kind = r.nextInt(6);
            long g = kind <= 2 ? 1 : kind == 3 ? r.nextInt(2, 4) : r.nextInt(1, 7);
            long ic = g * r.nextInt(1, 5);
            long oc = g * r.nextInt(1, 5);
            if (kind == 5) ic = oc = g; // depthwise
            ic *= channelScale;
            oc *= channelScale;
            long[] in = new long[rank];
            long[] k = new long[rank];
            long[] s = new long[rank];
            long[] pb = new long[rank];
            long[] pe = new long[rank];
            long[] d = new long[rank];
            boolean fits = true;
            for (int i = 0; i < rank; i++) {
                in[i] = r.nextInt(1, maxIn[rank - 1] + 1);
                k[i] = r.nextInt(1, rank == 3 ? 4 : 6);
                s[i] = r.nextInt(1, 4);
                d[i] = r.nextInt(4) == 0 ? r.nextInt(2, 4) : 1;
                pb[i] = r.nextInt(4);
                pe[i] = r.nextInt(3) == 0 ? r.nextInt(4) : pb[i];
                if (seed % 4 == 3) { // Winograd's shapes: 3-tap (now and then 1-tap) kernels, stride 1, any dilation
                    k[i] = r.nextInt(5) == 0 ? 1 : 3;
                    s[i] = 1;
                }
                fits &= d[i] * (k[i] - 1) + 1 <= in[i] + pb[i] + pe[i];
            }
            if (!fits) continue;
            this.inputShape = concat(batch, ic, in);
            this.weightShape = concat(oc, ic / g, k);
            this.stride = s;
            this.padBegin = pb;
            this.padEnd = pe;
            this.dilation = d;
            this.groups = g;
            break;
        }
        this.input = values(r, count(inputShape));
        this.weight = values(r, count(weightShape));
        this.bias = r.nextBoolean() ? values(r, (int) weightShape[0]) : null;
    }

    private RandomConvCase(long seed, long[] inputShape, long[] weightShape, long groups, SplittableRandom r) {
        int rank = inputShape.length - 2;
        this.seed = seed;
        this.inputShape = inputShape;
        this.weightShape = weightShape;
        this.stride = ones(rank);
        this.padBegin = new long[rank];
        this.padEnd = new long[rank];
        this.dilation = ones(rank);
        this.groups = groups;
        this.input = values(r, count(inputShape));
        this.weight = values(r, count(weightShape));
        this.bias = r.nextBoolean() ? values(r, (int) weightShape[0]) : null;
    }

    /** A 1x1 convolution at stride 1 without padding on a plane of whole 16-pixel vectors (and now
     * and then 945-947 pixels: nearly whole), 16-128 input channels a group: the blocked direct
     * path's pointwise tiles (8 output channels x 48 pixels), their 1-3 vector tails and rows of 8
     * cut short. */
    static RandomConvCase pointwise(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int rank = 1 + (int) (seed % 2);
        long batch = r.nextInt(1, 3);
        long g = r.nextInt(3) == 0 ? 2 : 1;
        long ic = g * 16 * r.nextInt(1, 9);
        long oc = g * r.nextInt(1, 71);
        long[] in = rank == 1 ? new long[] {seed % 4 == 3 ? 945 + r.nextInt(3) : 16L * r.nextInt(1, 41)}
                              : new long[] {r.nextInt(1, 7), 16L * r.nextInt(1, 8)};
        long[] k = ones(rank);
        return new RandomConvCase(seed, concat(batch, ic, in), concat(oc, ic / g, k), g, r);
    }

    private static long[] ones(int n) {
        long[] v = new long[n];
        Arrays.fill(v, 1);
        return v;
    }

    /** Whether the Winograd algorithms take this shape: kernels of 3 (any dilation) or 1, stride 1. */
    boolean winogradCan() {
        boolean anyThree = false;
        for (int i = 0; i < stride.length; i++) {
            long k = weightShape[2 + i];
            if (stride[i] != 1 || !(k == 1 || k == 3)) return false;
            anyThree |= k == 3;
        }
        return anyThree;
    }

    ConvSpec spec() {
        return ConvSpec.builder().stride(stride).padding(padBegin, padEnd).dilation(dilation).groups(groups).build();
    }

    float[] reference() {
        return ReferenceConv.conv(input, inputShape, weight, weightShape, bias, stride, padBegin, padEnd, dilation, groups);
    }

    /** The reference over |input| and |weight| (no bias): bounds each output's rounding error. */
    float[] magnitude() {
        return ReferenceConv.conv(abs(input), inputShape, abs(weight), weightShape, null, stride, padBegin, padEnd,
                dilation, groups);
    }

    long[] outputShape() {
        return ReferenceConv.outputShape(inputShape, weightShape, stride, padBegin, padEnd, dilation, groups);
    }

    /** Multiplications summed into one output. */
    long taps() {
        long t = 1;
        for (int i = 1; i < weightShape.length; i++) t *= weightShape[i];
        return t;
    }

    @Override
    public String toString() {
        return "seed " + seed + ": input " + Arrays.toString(inputShape) + " weight " + Arrays.toString(weightShape)
                + " stride " + Arrays.toString(stride) + " pad " + Arrays.toString(padBegin) + "/"
                + Arrays.toString(padEnd) + " dilation " + Arrays.toString(dilation) + " groups " + groups
                + (bias != null ? " bias" : "");
    }

    static long[] concat(long a, long b, long[] rest) {
        long[] s = new long[2 + rest.length];
        s[0] = a;
        s[1] = b;
        System.arraycopy(rest, 0, s, 2, rest.length);
        return s;
    }

    static int count(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    static float[] values(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return v;
    }

    static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) a[i] = Math.abs(v[i]);
        return a;
    }
}
