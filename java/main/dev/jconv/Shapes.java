package dev.jconv;

import java.util.List;

/** Size arithmetic users reach for: output sizes, {@code same} padding, receptive fields, MACs and FLOPs. */
public final class Shapes {
    private Shapes() {}

    /**
     * One dimension of a convolution's output, as PyTorch computes it:
     * {@code floor((in + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1}.
     *
     * @throws IllegalArgumentException when a value is out of range or the dilated kernel is larger
     *     than the padded input
     */
    public static long convOutputSize(long in, long kernel, long stride, long padBegin, long padEnd, long dilation) {
        requireAtLeast("in", in, 1);
        requireAtLeast("kernel", kernel, 1);
        requireAtLeast("stride", stride, 1);
        requireAtLeast("padBegin", padBegin, 0);
        requireAtLeast("padEnd", padEnd, 0);
        requireAtLeast("dilation", dilation, 1);
        try {
            long padded = Math.addExact(Math.addExact(in, padBegin), padEnd);
            long span = Math.addExact(Math.multiplyExact(dilation, kernel - 1), 1);
            if (span > padded) {
                throw new IllegalArgumentException("kernel=" + kernel + " with dilation=" + dilation + " spans " + span
                        + ", more than the padded input " + padded + " (in=" + in + " + padding " + padBegin + " + "
                        + padEnd + ")");
            }
            return (padded - span) / stride + 1;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("sizes overflow: in=" + in + ", kernel=" + kernel + ", dilation="
                    + dilation + ", padding " + padBegin + "/" + padEnd);
        }
    }

    /**
     * One dimension of a transposed convolution's output, as PyTorch computes it:
     * {@code (in - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + outputPadding + 1},
     * with {@code outputPadding < max(stride, dilation)}.
     */
    public static long convTransposeOutputSize(long in, long kernel, long stride, long padBegin, long padEnd,
            long dilation, long outputPadding) {
        requireAtLeast("in", in, 1);
        requireAtLeast("kernel", kernel, 1);
        requireAtLeast("stride", stride, 1);
        requireAtLeast("padBegin", padBegin, 0);
        requireAtLeast("padEnd", padEnd, 0);
        requireAtLeast("dilation", dilation, 1);
        requireAtLeast("outputPadding", outputPadding, 0);
        if (outputPadding >= Math.max(stride, dilation)) {
            throw new IllegalArgumentException("outputPadding=" + outputPadding + " must be smaller than stride="
                    + stride + " or dilation=" + dilation);
        }
        try {
            long out = Math.addExact(Math.multiplyExact(in - 1, stride), Math.multiplyExact(dilation, kernel - 1));
            out = Math.subtractExact(Math.addExact(out, outputPadding + 1), Math.addExact(padBegin, padEnd));
            if (out < 1) {
                throw new IllegalArgumentException("output size " + out + " is < 1: padding " + padBegin + " + " + padEnd
                        + " is too large for in=" + in + ", kernel=" + kernel + ", stride=" + stride);
            }
            return out;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("sizes overflow: in=" + in + ", kernel=" + kernel + ", stride=" + stride);
        }
    }

    /** The output shape of a transposed convolution (weight [IC, OC/groups, k...]). */
    public static long[] convTransposeOutputShape(long[] inputShape, long[] weightShape, ConvSpec spec) {
        return spec.resolveTransposed(inputShape, weightShape).outputShape();
    }

    /** The output shape of a convolution of this input and weight shape. */
    public static long[] convOutputShape(long[] inputShape, long[] weightShape, ConvSpec spec) {
        return spec.resolve(inputShape, weightShape).outputShape();
    }

    /**
     * {@code same} padding for one dim at stride 1: {begin, end} with begin + end =
     * dilation * (kernel - 1) and the odd one at the end, as PyTorch pads.
     */
    public static long[] samePadding(long kernel, long dilation) {
        requireAtLeast("kernel", kernel, 1);
        requireAtLeast("dilation", dilation, 1);
        long total = Math.multiplyExact(dilation, kernel - 1);
        return new long[] {total / 2, total - total / 2};
    }

    /** One layer of a stack, along one spatial dim, for {@link #receptiveField}. Pooling layers count too. */
    public record Layer(long kernel, long stride, long dilation) {
        public Layer {
            requireAtLeast("kernel", kernel, 1);
            requireAtLeast("stride", stride, 1);
            requireAtLeast("dilation", dilation, 1);
        }

        public Layer(long kernel, long stride) {
            this(kernel, stride, 1);
        }
    }

    /**
     * How many input positions along one dim one output of the stack sees: starting from 1, each
     * layer adds {@code dilation * (kernel - 1)} times the product of the strides before it.
     */
    public static long receptiveField(List<Layer> layers) {
        long field = 1;
        long jump = 1;
        for (Layer layer : layers) {
            field = Math.addExact(field, Math.multiplyExact(Math.multiplyExact(layer.dilation(), layer.kernel() - 1), jump));
            jump = Math.multiplyExact(jump, layer.stride());
        }
        return field;
    }

    /** The distance in input positions between neighbouring outputs of the stack: the product of strides. */
    public static long effectiveStride(List<Layer> layers) {
        long jump = 1;
        for (Layer layer : layers) jump = Math.multiplyExact(jump, layer.stride());
        return jump;
    }

    /**
     * Multiply-accumulates of a convolution: N * OC * prod(out) * (IC / groups) * prod(kernel),
     * padding taps included (as layer suites and most papers count them).
     */
    public static long convMacs(long[] inputShape, long[] weightShape, ConvSpec spec) {
        ConvGeometry g = spec.resolve(inputShape, weightShape);
        return product(new long[] {g.batch, g.outChannels, g.inChannels / g.groups}, g.outSize, g.kernel);
    }

    /**
     * Multiply-accumulates of a transposed convolution: N * IC * prod(in) * (OC / groups) * prod(kernel),
     * every input element times every tap (those landing outside the output included).
     */
    public static long convTransposeMacs(long[] inputShape, long[] weightShape, ConvSpec spec) {
        ConvGeometry g = spec.resolveTransposed(inputShape, weightShape);
        return product(new long[] {g.batch, g.inChannels, g.outChannels / g.groups}, g.inSize, g.kernel);
    }

    /** FLOPs of a transposed convolution: 2 x MACs. */
    public static long convTransposeFlops(long[] inputShape, long[] weightShape, ConvSpec spec) {
        return Math.multiplyExact(2L, convTransposeMacs(inputShape, weightShape, spec));
    }

    /** FLOPs of a convolution: 2 x MACs. */
    public static long convFlops(long[] inputShape, long[] weightShape, ConvSpec spec) {
        return Math.multiplyExact(2L, convMacs(inputShape, weightShape, spec));
    }

    /** The product of every element of the arrays, failing on overflow. */
    private static long product(long[]... arrays) {
        long p = 1;
        for (long[] a : arrays) {
            for (long v : a) p = Math.multiplyExact(p, v);
        }
        return p;
    }

    private static void requireAtLeast(String name, long value, long min) {
        if (value < min) throw new IllegalArgumentException(name + "=" + value + " must be >= " + min);
    }
}
