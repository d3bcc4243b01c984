package dev.jconv.reference;

/**
 * Pooling as plain loops, PyTorch's definitions: max_pool and avg_pool {1,2,3}d and
 * adaptive_avg_pool. Input [N, C, in...]; per-dim arrays have one value per spatial dim. Sums are
 * in float in window order, as PyTorch's CPU kernels add them, so averages match bit for bit.
 */
public final class ReferencePool {
    private ReferencePool() {}

    /** Max pooling's values and, per output, the flat index of the winner within its spatial plane. */
    public record MaxResult(float[] values, long[] indices) {}

    /**
     * Output size of one dim: floor or ceil of (in + 2 pad - dilation (kernel - 1) - 1) / stride, + 1;
     * with ceil_mode, one less when the last window would start at or after in + pad.
     */
    public static long outputSize(long in, long kernel, long stride, long pad, long dilation, boolean ceilMode) {
        long numerator = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(numerator, stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + pad) out--;
        if (pad > kernel / 2) throw new IllegalArgumentException("pad must be at most half of kernel");
        if (out < 1) throw new IllegalArgumentException("output size " + out + " is too small");
        return out;
    }

    public static MaxResult maxPool(float[] input, long[] shape, long[] kernel, long[] stride, long[] pad,
            long[] dilation, boolean ceilMode) {
        Geometry g = new Geometry(shape, kernel, stride, pad, dilation, ceilMode);
        float[] values = new float[g.outputCount()];
        long[] indices = new long[values.length];
        int o = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            for (int o0 = 0; o0 < g.out[0]; o0++) {
                for (int o1 = 0; o1 < g.out[1]; o1++) {
                    for (int o2 = 0; o2 < g.out[2]; o2++, o++) {
                        // Start from -inf at the window's first cell at or after 0 in each dim: a window
                        // whose cells all fall in the padding (possible with dilation) reports that
                        // index and -inf, as PyTorch does.
                        float best = Float.NEGATIVE_INFINITY;
                        int[] pos = {o0, o1, o2};
                        long bestIndex = 0;
                        for (int dim = 0; dim < 3; dim++) {
                            int first = pos[dim] * g.s[dim] - g.p[dim];
                            while (first < 0) first += g.d[dim];
                            bestIndex = bestIndex * g.in[dim] + first;
                        }
                        for (int k0 = 0; k0 < g.k[0]; k0++) {
                            int i0 = o0 * g.s[0] - g.p[0] + k0 * g.d[0];
                            if (i0 < 0 || i0 >= g.in[0]) continue; // padded cells never win
                            for (int k1 = 0; k1 < g.k[1]; k1++) {
                                int i1 = o1 * g.s[1] - g.p[1] + k1 * g.d[1];
                                if (i1 < 0 || i1 >= g.in[1]) continue;
                                for (int k2 = 0; k2 < g.k[2]; k2++) {
                                    int i2 = o2 * g.s[2] - g.p[2] + k2 * g.d[2];
                                    if (i2 < 0 || i2 >= g.in[2]) continue;
                                    long index = ((long) i0 * g.in[1] + i1) * g.in[2] + i2;
                                    float v = input[(int) (plane * g.inPlane + index)];
                                    // The first maximum wins; NaN wins (the last NaN), as in PyTorch.
                                    if (v > best || Float.isNaN(v)) {
                                        best = v;
                                        bestIndex = index;
                                    }
                                }
                            }
                        }
                        values[o] = best;
                        indices[o] = bestIndex;
                    }
                }
            }
        }
        return new MaxResult(values, indices);
    }

    /**
     * Average pooling. The divisor counts the window's cells that lie within [-pad, in + pad) per dim
     * when countIncludePad, else only those inside the input.
     */
    public static float[] avgPool(float[] input, long[] shape, long[] kernel, long[] stride, long[] pad,
            boolean ceilMode, boolean countIncludePad) {
        long[] ones = new long[kernel.length];
        java.util.Arrays.fill(ones, 1);
        Geometry g = new Geometry(shape, kernel, stride, pad, ones, ceilMode);
        float[] values = new float[g.outputCount()];
        int o = 0;
        for (int plane = 0; plane < g.planes; plane++) {
            for (int o0 = 0; o0 < g.out[0]; o0++) {
                for (int o1 = 0; o1 < g.out[1]; o1++) {
                    for (int o2 = 0; o2 < g.out[2]; o2++, o++) {
                        int[] pos = {o0, o1, o2};
                        long padded = 1;
                        long inside = 1;
                        int[] lo = new int[3];
                        int[] hi = new int[3];
                        for (int dim = 0; dim < 3; dim++) {
                            int start = pos[dim] * g.s[dim] - g.p[dim];
                            int end = Math.min(start + g.k[dim], g.in[dim] + g.p[dim]);
                            padded *= end - start;
                            lo[dim] = Math.max(start, 0);
                            hi[dim] = Math.min(end, g.in[dim]);
                            inside *= Math.max(hi[dim] - lo[dim], 0);
                        }
                        float sum = 0f;
                        for (int i0 = lo[0]; i0 < hi[0]; i0++) {
                            for (int i1 = lo[1]; i1 < hi[1]; i1++) {
                                for (int i2 = lo[2]; i2 < hi[2]; i2++) {
                                    sum += input[(int) (plane * g.inPlane + ((long) i0 * g.in[1] + i1) * g.in[2] + i2)];
                                }
                            }
                        }
                        values[o] = inside == 0 ? 0f : sum / (float) (countIncludePad ? padded : inside);
                    }
                }
            }
        }
        return values;
    }

    /** Adaptive average pooling: output o of a dim averages [floor(o in / out), ceil((o + 1) in / out)). */
    public static float[] adaptiveAvgPool(float[] input, long[] shape, long[] outSize) {
        int rank = shape.length - 2;
        int[] in = {1, 1, 1};
        int[] out = {1, 1, 1};
        for (int i = 0; i < rank; i++) {
            in[3 - rank + i] = (int) shape[2 + i];
            out[3 - rank + i] = (int) outSize[i];
        }
        int planes = (int) (shape[0] * shape[1]);
        int inPlane = in[0] * in[1] * in[2];
        float[] values = new float[planes * out[0] * out[1] * out[2]];
        int o = 0;
        for (int plane = 0; plane < planes; plane++) {
            for (int o0 = 0; o0 < out[0]; o0++) {
                for (int o1 = 0; o1 < out[1]; o1++) {
                    for (int o2 = 0; o2 < out[2]; o2++, o++) {
                        int[] pos = {o0, o1, o2};
                        int[] lo = new int[3];
                        int[] hi = new int[3];
                        for (int dim = 0; dim < 3; dim++) {
                            // In float, as PyTorch computes these bounds.
                            lo[dim] = (int) Math.floor((float) ((long) pos[dim] * in[dim]) / (float) out[dim]);
                            hi[dim] = (int) Math.ceil((float) ((long) (pos[dim] + 1) * in[dim]) / (float) out[dim]);
                        }
                        float sum = 0f;
                        for (int i0 = lo[0]; i0 < hi[0]; i0++) {
                            for (int i1 = lo[1]; i1 < hi[1]; i1++) {
                                for (int i2 = lo[2]; i2 < hi[2]; i2++) {
                                    sum += input[plane * inPlane + (i0 * in[1] + i1) * in[2] + i2];
                                }
                            }
                        }
                        // PyTorch divides by each dim's extent in turn.
                        float v = sum;
                        for (int dim = 3 - rank; dim < 3; dim++) v = v / (float) (hi[dim] - lo[dim]);
                        values[o] = v;
                    }
                }
            }
        }
        return values;
    }

    /** Sizes widened to 3-D at the front. */
    private static final class Geometry {
        final int planes;
        final long inPlane;
        final int[] in = {1, 1, 1};
        final int[] out = {1, 1, 1};
        final int[] k = {1, 1, 1};
        final int[] s = {1, 1, 1};
        final int[] p = {0, 0, 0};
        final int[] d = {1, 1, 1};

        Geometry(long[] shape, long[] kernel, long[] stride, long[] pad, long[] dilation, boolean ceilMode) {
            int rank = shape.length - 2;
            if (rank < 1 || rank > 3 || kernel.length != rank || stride.length != rank || pad.length != rank
                    || dilation.length != rank) {
                throw new IllegalArgumentException("inconsistent ranks");
            }
            planes = (int) (shape[0] * shape[1]);
            for (int i = 0; i < rank; i++) {
                int dim = 3 - rank + i;
                in[dim] = (int) shape[2 + i];
                out[dim] = (int) outputSize(shape[2 + i], kernel[i], stride[i], pad[i], dilation[i], ceilMode);
                k[dim] = (int) kernel[i];
                s[dim] = (int) stride[i];
                p[dim] = (int) pad[i];
                d[dim] = (int) dilation[i];
            }
            inPlane = (long) in[0] * in[1] * in[2];
        }

        int outputCount() {
            return planes * out[0] * out[1] * out[2];
        }
    }
}
