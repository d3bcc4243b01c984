package dev.jconv.reference;

import java.util.Arrays;

/**
 * Convolution as plain loops, written from its definition (PyTorch's conv{1,2,3}d): the oracle
 * every native kernel is tested against. Slow on purpose; clear over clever. Sums are accumulated
 * in double, so its own rounding error is far below that of any fp32 kernel.
 *
 * <p>Shapes: input [N, IC, spatial...], weight [OC, IC/groups, kernel...], bias [OC] or null,
 * output [N, OC, out...] with, per spatial dim,
 * {@code out = floor((in + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1}.
 * Every per-dim array has one value per spatial dim (D, H, W order).
 */
public final class ReferenceConv {
    private ReferenceConv() {}

    /** The output shape, or IllegalArgumentException when the arguments do not fit together. */
    public static long[] outputShape(long[] inputShape, long[] weightShape, long[] stride, long[] padBegin,
            long[] padEnd, long[] dilation, long groups) {
        int rank = inputShape.length - 2;
        if (rank < 1 || rank > 3 || weightShape.length != inputShape.length || stride.length != rank
                || padBegin.length != rank || padEnd.length != rank || dilation.length != rank) {
            throw new IllegalArgumentException("inconsistent ranks: input " + Arrays.toString(inputShape) + ", weight "
                    + Arrays.toString(weightShape));
        }
        if (groups < 1 || inputShape[1] != weightShape[1] * groups || weightShape[0] % groups != 0) {
            throw new IllegalArgumentException("channels do not fit groups=" + groups + ": input "
                    + Arrays.toString(inputShape) + ", weight " + Arrays.toString(weightShape));
        }
        long[] out = new long[inputShape.length];
        out[0] = inputShape[0];
        out[1] = weightShape[0];
        for (int i = 0; i < rank; i++) {
            long span = dilation[i] * (weightShape[2 + i] - 1) + 1;
            long padded = inputShape[2 + i] + padBegin[i] + padEnd[i];
            if (stride[i] < 1 || dilation[i] < 1 || padBegin[i] < 0 || padEnd[i] < 0 || span > padded) {
                throw new IllegalArgumentException("spatial dim " + i + " does not fit");
            }
            out[2 + i] = (padded - span) / stride[i] + 1;
        }
        return out;
    }

    /** The convolution, as a new row-major array of the output shape. */
    public static float[] conv(float[] input, long[] inputShape, float[] weight, long[] weightShape, float[] bias,
            long[] stride, long[] padBegin, long[] padEnd, long[] dilation, long groups) {
        long[] outputShape = outputShape(inputShape, weightShape, stride, padBegin, padEnd, dilation, groups);
        if (input.length != product(inputShape) || weight.length != product(weightShape)
                || (bias != null && bias.length != weightShape[0])) {
            throw new IllegalArgumentException("an array's length does not match its shape");
        }
        // Spatial sizes padded to 3 dims at the front (a 2-D convolution is a 3-D one with D = 1).
        int[] in = spatial3(inputShape, 1);
        int[] out = spatial3(outputShape, 1);
        int[] k = spatial3(weightShape, 1);
        int[] s = perDim3(stride, 1);
        int[] p = perDim3(padBegin, 0);
        int[] d = perDim3(dilation, 1);
        int batch = (int) inputShape[0];
        int inChannels = (int) inputShape[1];
        int outChannels = (int) weightShape[0];
        int inPerGroup = (int) weightShape[1];
        int outPerGroup = outChannels / (int) groups;
        float[] output = new float[Math.toIntExact(product(outputShape))];
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < outChannels; oc++) {
                int group = oc / outPerGroup;
                for (int o0 = 0; o0 < out[0]; o0++) {
                    for (int o1 = 0; o1 < out[1]; o1++) {
                        for (int o2 = 0; o2 < out[2]; o2++) {
                            double sum = bias == null ? 0.0 : bias[oc];
                            for (int icg = 0; icg < inPerGroup; icg++) {
                                int ic = group * inPerGroup + icg;
                                for (int k0 = 0; k0 < k[0]; k0++) {
                                    int i0 = o0 * s[0] - p[0] + k0 * d[0];
                                    if (i0 < 0 || i0 >= in[0]) continue; // padding: zero
                                    for (int k1 = 0; k1 < k[1]; k1++) {
                                        int i1 = o1 * s[1] - p[1] + k1 * d[1];
                                        if (i1 < 0 || i1 >= in[1]) continue;
                                        for (int k2 = 0; k2 < k[2]; k2++) {
                                            int i2 = o2 * s[2] - p[2] + k2 * d[2];
                                            if (i2 < 0 || i2 >= in[2]) continue;
                                            float x = input[(((n * inChannels + ic) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                                            float w = weight[(((oc * inPerGroup + icg) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                                            sum += (double) x * w;
                                        }
                                    }
                                }
                            }
                            output[(((n * outChannels + oc) * out[0] + o0) * out[1] + o1) * out[2] + o2] = (float) sum;
                        }
                    }
                }
            }
        }
        return output;
    }

    private static int[] spatial3(long[] shape, int fill) {
        int[] out = {fill, fill, fill};
        int rank = shape.length - 2;
        for (int i = 0; i < rank; i++) out[3 - rank + i] = Math.toIntExact(shape[2 + i]);
        return out;
    }

    private static int[] perDim3(long[] values, int fill) {
        int[] out = {fill, fill, fill};
        for (int i = 0; i < values.length; i++) out[3 - values.length + i] = Math.toIntExact(values[i]);
        return out;
    }

    private static long product(long[] values) {
        long p = 1;
        for (long v : values) p = Math.multiplyExact(p, v);
        return p;
    }
}
