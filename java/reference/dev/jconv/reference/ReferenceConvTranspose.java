package dev.jconv.reference;

import java.util.Arrays;

/**
 * Transposed convolution (PyTorch's conv_transpose{1,2,3}d) as plain loops, from its definition:
 * every input element x[n][ic][i] adds x * w[ic][oc % (OC/groups)][k] to output position
 * {@code o = i * stride - padBegin + k * dilation} (when inside the output) of each output channel
 * oc of its group. Sums in double.
 *
 * <p>Shapes: input [N, IC, in...], weight [IC, OC/groups, kernel...], bias [OC] or null; per dim
 * {@code out = (in - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + outputPadding + 1}.
 */
public final class ReferenceConvTranspose {
    private ReferenceConvTranspose() {}

    public static long[] outputShape(long[] inputShape, long[] weightShape, long[] stride, long[] padBegin,
            long[] padEnd, long[] outputPadding, long[] dilation, long groups) {
        int rank = inputShape.length - 2;
        if (rank < 1 || rank > 3 || weightShape.length != inputShape.length || stride.length != rank
                || padBegin.length != rank || padEnd.length != rank || dilation.length != rank
                || outputPadding.length != rank) {
            throw new IllegalArgumentException("inconsistent ranks: input " + Arrays.toString(inputShape) + ", weight "
                    + Arrays.toString(weightShape));
        }
        if (groups < 1 || inputShape[1] != weightShape[0] || inputShape[1] % groups != 0) {
            throw new IllegalArgumentException("channels do not fit groups=" + groups + ": input "
                    + Arrays.toString(inputShape) + ", weight " + Arrays.toString(weightShape));
        }
        long[] out = new long[inputShape.length];
        out[0] = inputShape[0];
        out[1] = weightShape[1] * groups;
        for (int i = 0; i < rank; i++) {
            if (outputPadding[i] < 0 || outputPadding[i] >= Math.max(stride[i], dilation[i])) {
                throw new IllegalArgumentException("output padding must be smaller than stride or dilation");
            }
            out[2 + i] = (inputShape[2 + i] - 1) * stride[i] - padBegin[i] - padEnd[i]
                    + dilation[i] * (weightShape[2 + i] - 1) + outputPadding[i] + 1;
            if (out[2 + i] < 1) throw new IllegalArgumentException("output size < 1");
        }
        return out;
    }

    public static float[] convTranspose(float[] input, long[] inputShape, float[] weight, long[] weightShape,
            float[] bias, long[] stride, long[] padBegin, long[] padEnd, long[] outputPadding, long[] dilation,
            long groups) {
        long[] outputShape = outputShape(inputShape, weightShape, stride, padBegin, padEnd, outputPadding, dilation,
                groups);
        int rank = inputShape.length - 2;
        int[] in = new int[] {1, 1, 1};
        int[] out = new int[] {1, 1, 1};
        int[] k = new int[] {1, 1, 1};
        int[] s = new int[] {1, 1, 1};
        int[] p = new int[] {0, 0, 0};
        int[] d = new int[] {1, 1, 1};
        for (int i = 0; i < rank; i++) { // widen to 3-D at the front: a 2-D op is a 3-D one with D = 1
            int dim = 3 - rank + i;
            in[dim] = (int) inputShape[2 + i];
            out[dim] = (int) outputShape[2 + i];
            k[dim] = (int) weightShape[2 + i];
            s[dim] = (int) stride[i];
            p[dim] = (int) padBegin[i];
            d[dim] = (int) dilation[i];
        }
        int batch = (int) inputShape[0];
        int inChannels = (int) inputShape[1];
        int outPerGroup = (int) weightShape[1];
        int outChannels = (int) outputShape[1];
        int inPerGroup = inChannels / (int) groups;
        double[] sum = new double[Math.toIntExact((long) batch * outChannels * out[0] * out[1] * out[2])];
        for (int n = 0; n < batch; n++) {
            for (int ic = 0; ic < inChannels; ic++) {
                int group = ic / inPerGroup;
                for (int i0 = 0; i0 < in[0]; i0++) {
                    for (int i1 = 0; i1 < in[1]; i1++) {
                        for (int i2 = 0; i2 < in[2]; i2++) {
                            double x = input[(((n * inChannels + ic) * in[0] + i0) * in[1] + i1) * in[2] + i2];
                            for (int ocg = 0; ocg < outPerGroup; ocg++) {
                                int oc = group * outPerGroup + ocg;
                                for (int k0 = 0; k0 < k[0]; k0++) {
                                    int o0 = i0 * s[0] - p[0] + k0 * d[0];
                                    if (o0 < 0 || o0 >= out[0]) continue;
                                    for (int k1 = 0; k1 < k[1]; k1++) {
                                        int o1 = i1 * s[1] - p[1] + k1 * d[1];
                                        if (o1 < 0 || o1 >= out[1]) continue;
                                        for (int k2 = 0; k2 < k[2]; k2++) {
                                            int o2 = i2 * s[2] - p[2] + k2 * d[2];
                                            if (o2 < 0 || o2 >= out[2]) continue;
                                            float w = weight[(((ic * outPerGroup + ocg) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                                            sum[(((n * outChannels + oc) * out[0] + o0) * out[1] + o1) * out[2] + o2] += x * w;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        int plane = out[0] * out[1] * out[2];
        float[] output = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            output[i] = (float) (sum[i] + (bias == null ? 0.0 : bias[i / plane % outChannels]));
        }
        return output;
    }
}
