package dev.jconv;

import java.util.Arrays;

/**
 * A convolution with every size resolved and checked: what a native plan is created from. Values
 * are per spatial dim in natural order. Package-private: users see {@link ConvSpec} and shapes.
 */
final class ConvGeometry {
    final int rank;
    final long batch;
    final long inChannels;
    final long outChannels;
    final long groups;
    final long[] inSize;
    final long[] kernel;
    final long[] stride;
    final long[] padBegin;
    final long[] padEnd;
    final long[] dilation;
    final long[] outputPadding;
    final long[] outSize;
    final boolean transposed;

    ConvGeometry(long batch, long inChannels, long outChannels, long groups, long[] inSize, long[] kernel,
            long[] stride, long[] padBegin, long[] padEnd, long[] dilation, long[] outputPadding, long[] outSize,
            boolean transposed) {
        this.outputPadding = outputPadding;
        this.transposed = transposed;
        this.rank = inSize.length;
        this.batch = batch;
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.inSize = inSize;
        this.kernel = kernel;
        this.stride = stride;
        this.padBegin = padBegin;
        this.padEnd = padEnd;
        this.dilation = dilation;
        this.outSize = outSize;
    }

    long[] inputShape() {
        return shape(batch, inChannels, inSize);
    }

    long[] outputShape() {
        return shape(batch, outChannels, outSize);
    }

    long[] weightShape() {
        return transposed ? shape(inChannels, outChannels / groups, kernel) : shape(outChannels, inChannels / groups, kernel);
    }

    private static long[] shape(long first, long second, long[] spatial) {
        long[] s = new long[2 + spatial.length];
        s[0] = first;
        s[1] = second;
        System.arraycopy(spatial, 0, s, 2, spatial.length);
        return s;
    }

    /**
     * jconv_conv_desc as 23 int64 values: rank, N, IC, OC, groups, then six arrays of 3; for a
     * transposed convolution, jconv_conv_transpose_desc: those and output_padding[3].
     */
    long[] toNativeDesc() {
        long[] d = new long[transposed ? 26 : 23];
        if (transposed) System.arraycopy(outputPadding, 0, d, 23, rank);
        d[0] = rank;
        d[1] = batch;
        d[2] = inChannels;
        d[3] = outChannels;
        d[4] = groups;
        long[][] arrays = {inSize, kernel, stride, padBegin, padEnd, dilation};
        for (int a = 0; a < arrays.length; a++) {
            System.arraycopy(arrays[a], 0, d, 5 + 3 * a, rank);
        }
        return d;
    }

    /** Throws unless tensor has exactly the expected shape. */
    static void requireShape(String name, Tensor tensor, long[] expected) {
        if (tensor == null) throw new IllegalArgumentException(name + " is null");
        if (!Arrays.equals(tensor.shape(), expected)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(tensor.shape()) + ", expected "
                    + Arrays.toString(expected));
        }
    }
}
