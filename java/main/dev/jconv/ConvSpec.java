package dev.jconv;

import java.util.Arrays;
import java.util.Objects;

/**
 * The hyper-parameters of a convolution, as torch.nn.functional.conv{1,2,3}d takes them: stride,
 * padding, dilation and groups. Channels and kernel sizes come from the weight's shape. Immutable;
 * built with {@link #builder()}, which checks each value as it is given.
 *
 * <p>Each per-dimension list holds one value (used for every spatial dim) or one per spatial dim, in
 * natural order (D, then H, then W). Padding is symmetric ({@code padding(1)}), asymmetric
 * ({@code padding(begin, end)}), {@code valid} (none) or {@code same} (stride 1 only, as PyTorch:
 * total {@code dilation * (kernel - 1)} per dim, the odd one at the end).
 */
public final class ConvSpec {
    /** How padding is given. */
    public enum Padding {
        EXPLICIT, SAME, VALID
    }

    private static final long[] ONE = {1};
    private static final long[] ZERO = {0};
    private static final ConvSpec DEFAULTS = builder().build();

    private final long[] stride;
    private final long[] dilation;
    private final long[] padBegin;
    private final long[] padEnd;
    private final long[] outputPadding;
    private final Padding padding;
    private final long groups;

    private ConvSpec(Builder b) {
        this.outputPadding = b.outputPadding;
        this.stride = b.stride;
        this.dilation = b.dilation;
        this.padBegin = b.padBegin;
        this.padEnd = b.padEnd;
        this.padding = b.padding;
        this.groups = b.groups;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Stride 1, no padding, dilation 1, one group. */
    public static ConvSpec defaults() {
        return DEFAULTS;
    }

    public long[] stride() {
        return stride.clone();
    }

    public long[] dilation() {
        return dilation.clone();
    }

    /** The explicit padding before each dim (zeros for {@code valid}; not used for {@code same}). */
    public long[] padBegin() {
        return padBegin.clone();
    }

    public long[] padEnd() {
        return padEnd.clone();
    }

    /** Extra size added at the end of each dim of a transposed convolution's output (zeros by default). */
    public long[] outputPadding() {
        return outputPadding.clone();
    }

    public Padding padding() {
        return padding;
    }

    public long groups() {
        return groups;
    }

    /**
     * Checks the spec against an input and weight shape of a convolution and resolves every size.
     * The messages name the argument: {@code groups=3 does not divide in_channels=8}.
     */
    ConvGeometry resolve(long[] inputShape, long[] weightShape) {
        int rank = checkRanks(inputShape, weightShape, "(OC, IC/groups, kernel)");
        for (long p : outputPadding) {
            if (p != 0) {
                throw new IllegalArgumentException("outputPadding=" + Arrays.toString(outputPadding)
                        + " applies to transposed convolutions only");
            }
        }
        long inChannels = inputShape[1];
        long outChannels = weightShape[0];
        requireDivides(outChannels, "out_channels", weightShape, "weight");
        requireDivides(inChannels, "in_channels", inputShape, "input");
        if (weightShape[1] * groups != inChannels) {
            throw new IllegalArgumentException("input has in_channels=" + inChannels + " but weight shape "
                    + Arrays.toString(weightShape) + " with groups=" + groups + " expects " + weightShape[1] * groups);
        }
        long[] in = Arrays.copyOfRange(inputShape, 2, inputShape.length);
        long[] kernel = Arrays.copyOfRange(weightShape, 2, weightShape.length);
        long[] s = PerDim.expand("stride", stride, rank, "convolution");
        long[] d = PerDim.expand("dilation", dilation, rank, "convolution");
        long[] begin;
        long[] end;
        if (padding == Padding.SAME) {
            begin = new long[rank];
            end = new long[rank];
            for (int i = 0; i < rank; i++) {
                long[] same = Shapes.samePadding(kernel[i], d[i]);
                begin[i] = same[0];
                end[i] = same[1];
            }
        } else {
            begin = PerDim.expand("padding", padBegin, rank, "convolution");
            end = PerDim.expand("padding", padEnd, rank, "convolution");
        }
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            try {
                out[i] = Shapes.convOutputSize(in[i], kernel[i], s[i], begin[i], end[i], d[i]);
            } catch (IllegalArgumentException e) {
                throw dimError(i, rank, inputShape, weightShape, e);
            }
        }
        return new ConvGeometry(inputShape[0], inChannels, outChannels, groups, in, kernel, s, begin, end, d,
                new long[rank], out, false);
    }

    /**
     * The same for a transposed convolution: weight [IC, OC/groups, kernel...], output size per dim
     * {@code (in - 1) * stride - padBegin - padEnd + dilation * (kernel - 1) + outputPadding + 1}.
     */
    ConvGeometry resolveTransposed(long[] inputShape, long[] weightShape) {
        int rank = checkRanks(inputShape, weightShape, "(IC, OC/groups, kernel)");
        if (padding == Padding.SAME) {
            throw new IllegalArgumentException("padding=same is not defined for transposed convolutions (as PyTorch)");
        }
        long inChannels = inputShape[1];
        if (weightShape[0] != inChannels) {
            throw new IllegalArgumentException("input has in_channels=" + inChannels + " but the transposed weight shape "
                    + Arrays.toString(weightShape) + " starts with " + weightShape[0] + " (weight is [IC, OC/groups, k...])");
        }
        requireDivides(inChannels, "in_channels", inputShape, "input");
        long outChannels = Math.multiplyExact(weightShape[1], groups);
        long[] in = Arrays.copyOfRange(inputShape, 2, inputShape.length);
        long[] kernel = Arrays.copyOfRange(weightShape, 2, weightShape.length);
        long[] s = PerDim.expand("stride", stride, rank, "convolution");
        long[] d = PerDim.expand("dilation", dilation, rank, "convolution");
        long[] begin = PerDim.expand("padding", padBegin, rank, "convolution");
        long[] end = PerDim.expand("padding", padEnd, rank, "convolution");
        long[] op = PerDim.expand("outputPadding", outputPadding, rank, "convolution");
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            try {
                out[i] = Shapes.convTransposeOutputSize(in[i], kernel[i], s[i], begin[i], end[i], d[i], op[i]);
            } catch (IllegalArgumentException e) {
                throw dimError(i, rank, inputShape, weightShape, e);
            }
        }
        return new ConvGeometry(inputShape[0], inChannels, outChannels, groups, in, kernel, s, begin, end, d, op, out,
                true);
    }

    /** Checks both shapes' ranks and sizes; returns the spatial rank. */
    private static int checkRanks(long[] inputShape, long[] weightShape, String weightLayout) {
        if (inputShape == null) throw new IllegalArgumentException("input shape is null");
        if (weightShape == null) throw new IllegalArgumentException("weight shape is null");
        int rank = inputShape.length - 2;
        if (rank < 1 || rank > 3) {
            throw new IllegalArgumentException("input must have 3, 4 or 5 dims (N, C, then 1 to 3 spatial), got shape "
                    + Arrays.toString(inputShape));
        }
        if (weightShape.length != inputShape.length) {
            throw new IllegalArgumentException("weight must have " + inputShape.length + " dims " + weightLayout
                    + " for a " + rank + "-D input, got shape " + Arrays.toString(weightShape));
        }
        for (int i = 0; i < inputShape.length; i++) {
            if (inputShape[i] < 1) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + ": "
                        + dimName("input", i, rank) + "=" + inputShape[i] + " must be >= 1");
            }
            if (weightShape[i] < 1) {
                throw new IllegalArgumentException("weight shape " + Arrays.toString(weightShape) + ": dim " + i + "="
                        + weightShape[i] + " must be >= 1");
            }
        }
        return rank;
    }

    private void requireDivides(long channels, String name, long[] shape, String tensor) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " does not divide " + name + "=" + channels + " ("
                    + tensor + " shape " + Arrays.toString(shape) + ")");
        }
    }

    private static IllegalArgumentException dimError(int i, int rank, long[] inputShape, long[] weightShape,
            IllegalArgumentException e) {
        return new IllegalArgumentException("spatial dim " + dimName("input", i + 2, rank) + " of input "
                + Arrays.toString(inputShape) + ", weight " + Arrays.toString(weightShape) + ": " + e.getMessage());
    }

    private static String dimName(String tensor, int dim, int rank) {
        if (dim < 2) return dim == 0 ? "N" : "C";
        return "DHW".substring(3 - rank).charAt(dim - 2) + "";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ConvSpec)) return false;
        ConvSpec s = (ConvSpec) o;
        return groups == s.groups && padding == s.padding && Arrays.equals(stride, s.stride)
                && Arrays.equals(outputPadding, s.outputPadding)
                && Arrays.equals(dilation, s.dilation) && Arrays.equals(padBegin, s.padBegin)
                && Arrays.equals(padEnd, s.padEnd);
    }

    @Override
    public int hashCode() {
        return Objects.hash(groups, padding, Arrays.hashCode(stride), Arrays.hashCode(dilation),
                Arrays.hashCode(outputPadding),
                Arrays.hashCode(padBegin), Arrays.hashCode(padEnd));
    }

    @Override
    public String toString() {
        String pad;
        switch (padding) {
            case SAME:
                pad = "same";
                break;
            case VALID:
                pad = "valid";
                break;
            default:
                pad = Arrays.equals(padBegin, padEnd) ? Arrays.toString(padBegin)
                        : Arrays.toString(padBegin) + "/" + Arrays.toString(padEnd);
        }
        return "ConvSpec{stride=" + Arrays.toString(stride) + ", padding=" + pad + ", dilation="
                + Arrays.toString(dilation) + ", groups=" + groups
                + (Arrays.stream(outputPadding).allMatch(p -> p == 0) ? "" : ", outputPadding=" + Arrays.toString(outputPadding))
                + "}";
    }

    /** Builds a {@link ConvSpec}; each setter checks its values and names them when it throws. */
    public static final class Builder {
        private long[] stride = ONE;
        private long[] dilation = ONE;
        private long[] padBegin = ZERO;
        private long[] padEnd = ZERO;
        private long[] outputPadding = ZERO;
        private Padding padding = Padding.EXPLICIT;
        private long groups = 1;

        private Builder() {}

        /** Transposed convolutions only: extra size at the end of each output dim, < max(stride, dilation). */
        public Builder outputPadding(long... outputPadding) {
            this.outputPadding = PerDim.checked("outputPadding", outputPadding, 0, Long.MAX_VALUE);
            return this;
        }

        public Builder stride(long... stride) {
            this.stride = PerDim.checked("stride", stride, 1, Long.MAX_VALUE);
            return this;
        }

        public Builder dilation(long... dilation) {
            this.dilation = PerDim.checked("dilation", dilation, 1, Long.MAX_VALUE);
            return this;
        }

        /** Symmetric padding: the same number of zeros before and after each dim. */
        public Builder padding(long... padding) {
            this.padBegin = PerDim.checked("padding", padding, 0, Long.MAX_VALUE);
            this.padEnd = this.padBegin;
            this.padding = Padding.EXPLICIT;
            return this;
        }

        /** Asymmetric padding: zeros before and after each dim, lists of equal length. */
        public Builder padding(long[] begin, long[] end) {
            long[] b = PerDim.checked("padding begin", begin, 0, Long.MAX_VALUE);
            long[] e = PerDim.checked("padding end", end, 0, Long.MAX_VALUE);
            if (b.length != e.length) {
                throw new IllegalArgumentException("padding begin " + Arrays.toString(b) + " and end "
                        + Arrays.toString(e) + " must have the same length");
            }
            this.padBegin = b;
            this.padEnd = e;
            this.padding = Padding.EXPLICIT;
            return this;
        }

        /** Output size equal to input size (stride 1 only, as in PyTorch). */
        public Builder paddingSame() {
            this.padding = Padding.SAME;
            this.padBegin = ZERO;
            this.padEnd = ZERO;
            return this;
        }

        /** No padding. */
        public Builder paddingValid() {
            this.padding = Padding.VALID;
            this.padBegin = ZERO;
            this.padEnd = ZERO;
            return this;
        }

        public Builder groups(long groups) {
            if (groups < 1) throw new IllegalArgumentException("groups=" + groups + " must be >= 1");
            this.groups = groups;
            return this;
        }

        public ConvSpec build() {
            if (padding == Padding.SAME) {
                for (long s : stride) {
                    if (s != 1) {
                        throw new IllegalArgumentException("padding=same needs stride 1 in every dim (as PyTorch), got stride="
                                + Arrays.toString(stride));
                    }
                }
            }
            return new ConvSpec(this);
        }
    }
}
