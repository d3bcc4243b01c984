package dev.jconv;

import java.util.Arrays;
import java.util.Objects;

/**
 * The parameters of max and average pooling, as torch.nn.functional.max_pool{1,2,3}d and
 * avg_pool{1,2,3}d take them: kernel, stride (default: the kernel), padding (the same before and
 * after, at most half the kernel), dilation (max pooling only), ceil_mode, count_include_pad
 * (average only, default true). Per-dimension lists hold one value for every dim or one per
 * spatial dim (D, H, W order).
 *
 * <p>Output size per dim: {@code floor_or_ceil((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1};
 * with ceil_mode, a last window that would start in the end padding is dropped.
 */
public final class PoolSpec {
    private final long[] kernel;
    private final long[] stride; // null: the kernel
    private final long[] padding;
    private final long[] dilation;
    private final boolean ceilMode;
    private final boolean countIncludePad;

    private PoolSpec(Builder b) {
        this.kernel = b.kernel;
        this.stride = b.stride;
        this.padding = b.padding;
        this.dilation = b.dilation;
        this.ceilMode = b.ceilMode;
        this.countIncludePad = b.countIncludePad;
    }

    /** A spec with this kernel size; the rest defaults as in PyTorch. */
    public static Builder builder(long... kernel) {
        return new Builder(kernel);
    }

    public long[] kernel() {
        return kernel.clone();
    }

    /** The stride; the kernel when not set. */
    public long[] stride() {
        return stride == null ? kernel.clone() : stride.clone();
    }

    public long[] padding() {
        return padding.clone();
    }

    public long[] dilation() {
        return dilation.clone();
    }

    public boolean ceilMode() {
        return ceilMode;
    }

    public boolean countIncludePad() {
        return countIncludePad;
    }

    /** jconv_pool_desc for an input shape: 21 int64 values. Checks ranks and PyTorch's rules, naming them. */
    long[] toNativeDesc(boolean max, long[] inputShape) {
        if (inputShape == null) throw new IllegalArgumentException("input is null");
        int rank = inputShape.length - 2;
        if (rank < 1 || rank > 3) {
            throw new IllegalArgumentException("input must have 3, 4 or 5 dims (N, C, then 1 to 3 spatial), got shape "
                    + Arrays.toString(inputShape));
        }
        long[] k = PerDim.expand("kernel", kernel, rank, "pooling");
        long[] s = PerDim.expand("stride", stride == null ? kernel : stride, rank, "pooling");
        long[] p = PerDim.expand("padding", padding, rank, "pooling");
        long[] d = PerDim.expand("dilation", dilation, rank, "pooling");
        for (int i = 0; i < rank; i++) {
            if (!max && d[i] != 1) throw new IllegalArgumentException("dilation=" + Arrays.toString(dilation)
                    + ": average pooling has no dilation");
            if (p[i] > k[i] / 2) {
                throw new IllegalArgumentException("padding=" + p[i] + " must be at most half of kernel=" + k[i]
                        + " (PyTorch's rule)");
            }
        }
        for (int i = 0; i < inputShape.length; i++) {
            if (inputShape[i] < 1) {
                throw new IllegalArgumentException("input shape " + Arrays.toString(inputShape) + " has a size < 1");
            }
        }
        long[] desc = new long[21];
        desc[0] = rank;
        desc[1] = max ? 0 : 1;
        desc[2] = inputShape[0];
        desc[3] = inputShape[1];
        long[][] arrays = {Arrays.copyOfRange(inputShape, 2, inputShape.length), k, s, p, d};
        for (int a = 0; a < arrays.length; a++) System.arraycopy(arrays[a], 0, desc, 4 + 3 * a, rank);
        desc[19] = ceilMode ? 1 : 0;
        desc[20] = countIncludePad ? 1 : 0;
        return desc;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PoolSpec)) return false;
        PoolSpec s = (PoolSpec) o;
        return ceilMode == s.ceilMode && countIncludePad == s.countIncludePad && Arrays.equals(kernel, s.kernel)
                && Arrays.equals(stride(), s.stride()) && Arrays.equals(padding, s.padding)
                && Arrays.equals(dilation, s.dilation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ceilMode, countIncludePad, Arrays.hashCode(kernel), Arrays.hashCode(stride()),
                Arrays.hashCode(padding), Arrays.hashCode(dilation));
    }

    @Override
    public String toString() {
        return "PoolSpec{kernel=" + Arrays.toString(kernel) + ", stride=" + Arrays.toString(stride()) + ", padding="
                + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation) + ", ceilMode=" + ceilMode
                + ", countIncludePad=" + countIncludePad + "}";
    }

    /** Builds a {@link PoolSpec}; each setter checks its values. */
    public static final class Builder {
        private final long[] kernel;
        private long[] stride;
        private long[] padding = {0};
        private long[] dilation = {1};
        private boolean ceilMode;
        private boolean countIncludePad = true;

        private Builder(long[] kernel) {
            this.kernel = PerDim.checked("kernel", kernel, 1, 1L << 40);
        }

        public Builder stride(long... stride) {
            this.stride = PerDim.checked("stride", stride, 1, 1L << 40);
            return this;
        }

        public Builder padding(long... padding) {
            this.padding = PerDim.checked("padding", padding, 0, 1L << 40);
            return this;
        }

        public Builder dilation(long... dilation) {
            this.dilation = PerDim.checked("dilation", dilation, 1, 1L << 40);
            return this;
        }

        public Builder ceilMode(boolean ceilMode) {
            this.ceilMode = ceilMode;
            return this;
        }

        public Builder countIncludePad(boolean countIncludePad) {
            this.countIncludePad = countIncludePad;
            return this;
        }

        public PoolSpec build() {
            return new PoolSpec(this);
        }
    }
}
