package dev.jconv.reference;

/**
 * Layout ops as plain loops, PyTorch's definitions: pixel_shuffle, pixel_unshuffle, channel
 * shuffle, pad (constant, reflect, replicate, circular) and 2-D nearest / bilinear interpolation
 * with PyTorch 1.13's float coordinate arithmetic.
 */
public final class ReferenceLayout {
    private ReferenceLayout() {}

    /** [N, C r^2, H, W] to [N, C, H r, W r]: out[n][c][h r + i][w r + j] = in[n][c r^2 + i r + j][h][w]. */
    public static float[] pixelShuffle(float[] input, long[] shape, int r) {
        int n = (int) shape[0], c = (int) shape[1] / (r * r), h = (int) shape[2], w = (int) shape[3];
        float[] out = new float[input.length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h * r; y++)
                    for (int x = 0; x < w * r; x++) {
                        int in = (((b * c + ch) * r * r + (y % r) * r + x % r) * h + y / r) * w + x / r;
                        out[((b * c + ch) * h * r + y) * w * r + x] = input[in];
                    }
        return out;
    }

    /** The inverse of pixelShuffle: [N, C, H r, W r] to [N, C r^2, H, W]. */
    public static float[] pixelUnshuffle(float[] input, long[] shape, int r) {
        int n = (int) shape[0], c = (int) shape[1], h = (int) shape[2] / r, w = (int) shape[3] / r;
        float[] out = new float[input.length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h * r; y++)
                    for (int x = 0; x < w * r; x++) {
                        int o = (((b * c + ch) * r * r + (y % r) * r + x % r) * h + y / r) * w + x / r;
                        out[o] = input[((b * c + ch) * h * r + y) * w * r + x];
                    }
        return out;
    }

    /** Channels viewed as [groups, C / groups], transposed: out channel j * groups + i = in channel i * (C / groups) + j. */
    public static float[] channelShuffle(float[] input, long[] shape, int groups) {
        int n = (int) shape[0], c = (int) shape[1], k = c / groups;
        int plane = input.length / (n * c);
        float[] out = new float[input.length];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < groups; i++)
                for (int j = 0; j < k; j++)
                    System.arraycopy(input, (b * c + i * k + j) * plane, out, (b * c + j * groups + i) * plane, plane);
        return out;
    }

    /** Pad modes. */
    public enum PadMode {
        CONSTANT, REFLECT, REPLICATE, CIRCULAR
    }

    /** The output shape of pad: each spatial dim grows by begin + end (natural D, H, W order). */
    public static long[] padShape(long[] shape, long[] begin, long[] end) {
        long[] out = shape.clone();
        for (int i = 0; i < begin.length; i++) out[2 + i] = shape[2 + i] + begin[i] + end[i];
        return out;
    }

    public static float[] pad(float[] input, long[] shape, long[] begin, long[] end, PadMode mode, float value) {
        int rank = shape.length - 2;
        long[] outShape = padShape(shape, begin, end);
        int[] in = {1, 1, 1};
        int[] out = {1, 1, 1};
        int[] b = {0, 0, 0};
        for (int i = 0; i < rank; i++) {
            in[3 - rank + i] = (int) shape[2 + i];
            out[3 - rank + i] = (int) outShape[2 + i];
            b[3 - rank + i] = (int) begin[i];
        }
        int planes = (int) (shape[0] * shape[1]);
        float[] result = new float[planes * out[0] * out[1] * out[2]];
        int o = 0;
        for (int p = 0; p < planes; p++)
            for (int o0 = 0; o0 < out[0]; o0++)
                for (int o1 = 0; o1 < out[1]; o1++)
                    for (int o2 = 0; o2 < out[2]; o2++, o++) {
                        int i0 = source(o0 - b[0], in[0], b[0], out[0], mode);
                        int i1 = source(o1 - b[1], in[1], b[1], out[1], mode);
                        int i2 = source(o2 - b[2], in[2], b[2], out[2], mode);
                        result[o] = (i0 < 0 || i1 < 0 || i2 < 0) ? value
                                : input[((p * in[0] + i0) * in[1] + i1) * in[2] + i2];
                    }
        return result;
    }

    /**
     * Which input index position i (possibly outside [0, n)) reads, or -1 for the constant, in a dim
     * padded by begin (the output is outSize long). A negative pad crops (PyTorch's F.pad): circular
     * then wraps around the kept part, the others mirror or repeat about the input's own edges.
     */
    private static int source(int i, int n, int begin, int outSize, PadMode mode) {
        if (mode == PadMode.CIRCULAR) {
            int keptBegin = Math.max(-begin, 0);
            int kept = n - keptBegin - Math.max(-(outSize - n - begin), 0);
            return keptBegin + Math.floorMod(i - keptBegin, kept);
        }
        if (i >= 0 && i < n) return i;
        switch (mode) {
            case REFLECT:
                return i < 0 ? -i : 2 * (n - 1) - i;
            case REPLICATE:
                return i < 0 ? 0 : n - 1;
            default:
                return -1;
        }
    }

    /** PyTorch's compute_scales_value: 1 / scale when a scale was given (> 0), else in / out, in float. */
    private static float scaleValue(double scale, long in, long out) {
        return scale > 0 ? (float) (1.0 / scale) : (float) in / (float) out;
    }

    private static int nearestIndex(int o, int in, int out, double scale) {
        if (out == in) return o;
        if (out == 2 * in) return o >> 1;
        return Math.min((int) Math.floor((float) o * scaleValue(scale, in, out)), in - 1);
    }

    /** interpolate(mode='nearest') of [N, C, H, W] to [N, C, outH, outW]; scales 0 when not given. */
    public static float[] upsampleNearest2d(float[] input, long[] shape, int outH, int outW, double scaleH,
            double scaleW) {
        int planes = (int) (shape[0] * shape[1]), h = (int) shape[2], w = (int) shape[3];
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < outH; y++)
                for (int x = 0; x < outW; x++) {
                    out[(p * outH + y) * outW + x] =
                            input[(p * h + nearestIndex(y, h, outH, scaleH)) * w + nearestIndex(x, w, outW, scaleW)];
                }
        return out;
    }

    /** A dim's two source indices and weights for linear interpolation. */
    private record Tap(int i0, int i1, float w0, float w1) {}

    private static Tap linear(int o, int in, int out, boolean alignCorners, double scale) {
        if (out == in) return new Tap(o, o, 1f, 0f);
        float real;
        if (alignCorners) {
            float ratio = out > 1 ? (float) (in - 1) / (float) (out - 1) : 0f;
            real = ratio * (float) o;
        } else {
            real = scaleValue(scale, in, out) * ((float) o + 0.5f) - 0.5f;
            if (real < 0f) real = 0f;
        }
        int i0 = Math.min((int) Math.floor(real), in - 1);
        float lambda = Math.min(Math.max(real - (float) i0, 0f), 1f);
        return new Tap(i0, i0 + (i0 < in - 1 ? 1 : 0), 1f - lambda, lambda);
    }

    /** interpolate(mode='bilinear', align_corners=...) of [N, C, H, W] to [N, C, outH, outW]. */
    public static float[] upsampleBilinear2d(float[] input, long[] shape, int outH, int outW, boolean alignCorners,
            double scaleH, double scaleW) {
        int planes = (int) (shape[0] * shape[1]), h = (int) shape[2], w = (int) shape[3];
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++)
            for (int y = 0; y < outH; y++) {
                Tap ty = linear(y, h, outH, alignCorners, scaleH);
                for (int x = 0; x < outW; x++) {
                    Tap tx = linear(x, w, outW, alignCorners, scaleW);
                    int r0 = (p * h + ty.i0()) * w;
                    int r1 = (p * h + ty.i1()) * w;
                    // The order PyTorch's kernel sums in: each row across, then the rows down.
                    float top = input[r0 + tx.i0()] * tx.w0();
                    top += input[r0 + tx.i1()] * tx.w1();
                    float bottom = input[r1 + tx.i0()] * tx.w0();
                    bottom += input[r1 + tx.i1()] * tx.w1();
                    float v = top * ty.w0();
                    v += bottom * ty.w1();
                    out[(p * outH + y) * outW + x] = v;
                }
            }
        return out;
    }
}
