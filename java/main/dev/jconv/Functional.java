package dev.jconv;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.Arrays;

/**
 * One-shot operations named like {@code torch.nn.functional}. Each call validates its arguments
 * (errors name them), runs the native kernel and returns a new tensor that the caller closes. For a
 * layer run many times, {@link Conv} and {@link ConvTranspose} plan once and are faster.
 */
public final class Functional {
    private Functional() {}

    // ------------------------------------------------------------------ convolution

    /** 1-D convolution: input [N, IC, W], weight [OC, IC/groups, KW], bias [OC] or null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(1, false, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 2-D convolution: input [N, IC, H, W], weight [OC, IC/groups, KH, KW], bias [OC] or null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(2, false, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 3-D convolution: input [N, IC, D, H, W], weight [OC, IC/groups, KD, KH, KW], bias [OC] or null. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(3, false, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** A convolution of any rank (taken from the input), with a forced algorithm. */
    public static Tensor conv(Tensor input, Tensor weight, Tensor bias, ConvSpec spec, Algorithm algorithm) {
        return conv(0, false, input, weight, bias, spec, algorithm);
    }

    /** 1-D transposed convolution: input [N, IC, W], weight [IC, OC/groups, KW], bias [OC] or null. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(1, true, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 2-D transposed convolution: input [N, IC, H, W], weight [IC, OC/groups, KH, KW], bias [OC] or null. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(2, true, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 3-D transposed convolution: input [N, IC, D, H, W], weight [IC, OC/groups, KD, KH, KW], bias [OC] or null. */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(3, true, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** A transposed convolution of any rank, with a forced algorithm. */
    public static Tensor convTranspose(Tensor input, Tensor weight, Tensor bias, ConvSpec spec, Algorithm algorithm) {
        return conv(0, true, input, weight, bias, spec, algorithm);
    }

    private static Tensor conv(int rank, boolean transposed, Tensor input, Tensor weight, Tensor bias, ConvSpec spec,
            Algorithm algorithm) {
        String name = (transposed ? "convTranspose" : "conv") + (rank > 0 ? rank + "d" : "");
        requireInput(input, rank, name);
        if (weight == null) throw new IllegalArgumentException("weight is null");
        if (spec == null) throw new IllegalArgumentException("spec is null");
        if (algorithm == null) throw new IllegalArgumentException("algorithm is null");
        ConvGeometry g = transposed ? spec.resolveTransposed(input.shape(), weight.shape())
                : spec.resolve(input.shape(), weight.shape());
        if (bias != null) ConvGeometry.requireShape("bias", bias, new long[] {g.outChannels});
        long[] desc = g.toNativeDesc();
        return produce(g.outputShape(), (in, out) -> transposed
                ? NativeBinding.jconv_conv_transpose(desc, in.address(0), in.address(1), in.address(2), algorithm.code(),
                        null, 0, out)
                : NativeBinding.jconv_conv(desc, in.address(0), in.address(1), in.address(2), algorithm.code(), null, 0,
                        out), name, input, weight, bias);
    }

    // ------------------------------------------------------------------ pooling

    public static Tensor maxPool1d(Tensor input, PoolSpec spec) {
        return pool(1, true, input, spec, 0);
    }

    public static Tensor maxPool2d(Tensor input, PoolSpec spec) {
        return pool(2, true, input, spec, 0);
    }

    public static Tensor maxPool3d(Tensor input, PoolSpec spec) {
        return pool(3, true, input, spec, 0);
    }

    public static Tensor avgPool1d(Tensor input, PoolSpec spec) {
        return pool(1, false, input, spec, 0);
    }

    public static Tensor avgPool2d(Tensor input, PoolSpec spec) {
        return pool(2, false, input, spec, 0);
    }

    public static Tensor avgPool3d(Tensor input, PoolSpec spec) {
        return pool(3, false, input, spec, 0);
    }

    /** Max pooling of any rank into an existing output of the pooled shape (nothing allocated). */
    public static void maxPool(Tensor input, PoolSpec spec, Tensor output) {
        poolInto(true, input, spec, output);
    }

    /** Average pooling of any rank into an existing output of the pooled shape (nothing allocated). */
    public static void avgPool(Tensor input, PoolSpec spec, Tensor output) {
        poolInto(false, input, spec, output);
    }

    private static void poolInto(boolean max, Tensor input, PoolSpec spec, Tensor output) {
        long[] outShape = poolOutputShape(max, input, spec);
        ConvGeometry.requireShape("output", output, outShape);
        long[] desc = spec.toNativeDesc(max, input.shape());
        try (Pinned p = new Pinned(input, output)) {
            NativeBinding.check(NativeBinding.jconv_pool(desc, p.address(0), p.address(1), 0), max ? "maxPool" : "avgPool");
        }
    }

    /** Max pooling's output and, per output element, the flat index of the winner within its (D*)H*W plane. */
    public record MaxPoolResult(Tensor output, long[] indices) implements AutoCloseable {
        @Override
        public void close() {
            output.close();
        }
    }

    /** Max pooling of any rank that also returns the argmax indices, as PyTorch's return_indices=True. */
    public static MaxPoolResult maxPoolWithIndices(Tensor input, PoolSpec spec) {
        if (input == null) throw new IllegalArgumentException("input is null");
        long[] outShape = poolOutputShape(true, input, spec);
        long count = Tensor.elementCount(outShape);
        if (count > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too many outputs for a Java index array");
        long indices = Native.malloc(Math.max(1, count * Long.BYTES));
        if (indices == 0) throw new OutOfMemoryError("cannot allocate " + count * Long.BYTES + " bytes of indices");
        try {
            Tensor output = pool(0, true, input, spec, indices);
            long[] result = new long[(int) count];
            new Pointer(indices).read(0, result, 0, result.length);
            return new MaxPoolResult(output, result);
        } finally {
            Native.free(indices);
        }
    }

    /** The output shape of max (or average) pooling of this input. */
    public static long[] poolOutputShape(boolean max, Tensor input, PoolSpec spec) {
        if (input == null) throw new IllegalArgumentException("input is null");
        if (spec == null) throw new IllegalArgumentException("spec is null");
        long[] desc = spec.toNativeDesc(max, input.shape());
        NativeBinding.require();
        long[] out = new long[3];
        NativeBinding.check(NativeBinding.jconv_pool_output_size(desc, out), max ? "maxPool" : "avgPool");
        long[] shape = Arrays.copyOf(input.shape(), input.rank());
        System.arraycopy(out, 0, shape, 2, input.rank() - 2);
        return shape;
    }

    private static Tensor pool(int rank, boolean max, Tensor input, PoolSpec spec, long indices) {
        String name = (max ? "maxPool" : "avgPool") + (rank > 0 ? rank + "d" : "");
        requireInput(input, rank, name);
        long[] outShape = poolOutputShape(max, input, spec);
        long[] desc = spec.toNativeDesc(max, input.shape());
        return produce(outShape, (in, out) -> NativeBinding.jconv_pool(desc, in.address(0), out, indices), name, input);
    }

    /**
     * Adaptive average pooling to any output size (one value per spatial dim, or one for all): output
     * cell o of a dim averages input cells [floor(o in / out), ceil((o + 1) in / out)).
     */
    public static Tensor adaptiveAvgPool(Tensor input, long... outputSize) {
        if (input == null) throw new IllegalArgumentException("input is null");
        int rank = input.rank() - 2;
        if (rank < 1 || rank > 3) {
            throw new IllegalArgumentException("input must have 3, 4 or 5 dims (N, C, spatial...), got " + input);
        }
        if (outputSize == null || (outputSize.length != 1 && outputSize.length != rank)) {
            throw new IllegalArgumentException("outputSize needs 1 or " + rank + " values, got "
                    + (outputSize == null ? "null" : Arrays.toString(outputSize)));
        }
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            out[i] = outputSize.length == 1 ? outputSize[0] : outputSize[i];
            if (out[i] < 1) throw new IllegalArgumentException("outputSize=" + Arrays.toString(outputSize) + " must be >= 1");
        }
        long[] outShape = input.shape();
        System.arraycopy(out, 0, outShape, 2, rank);
        long[] shape = input.shape();
        return produce(outShape, (in, dst) -> NativeBinding.jconv_adaptive_avg_pool(rank, shape, out, in.address(0), dst),
                "adaptiveAvgPool", input);
    }

    /** Global average pooling: adaptive pooling to 1 in every spatial dim. */
    public static Tensor globalAvgPool(Tensor input) {
        return adaptiveAvgPool(input, 1);
    }

    // ------------------------------------------------------------------ layout

    /** [N, C r^2, H, W] to [N, C, H r, W r]. */
    public static Tensor pixelShuffle(Tensor input, long factor) {
        requireInput(input, 2, "pixelShuffle");
        long[] s = input.shape();
        if (factor < 1) throw new IllegalArgumentException("factor=" + factor + " must be >= 1");
        if (s[1] % (factor * factor) != 0) {
            throw new IllegalArgumentException("pixelShuffle: channels=" + s[1] + " are not divisible by factor^2="
                    + factor * factor);
        }
        long[] out = {s[0], s[1] / (factor * factor), s[2] * factor, s[3] * factor};
        return produce(out, (in, dst) -> NativeBinding.jconv_pixel_shuffle(s, factor, in.address(0), dst), "pixelShuffle",
                input);
    }

    /** [N, C, H r, W r] to [N, C r^2, H, W]. */
    public static Tensor pixelUnshuffle(Tensor input, long factor) {
        requireInput(input, 2, "pixelUnshuffle");
        long[] s = input.shape();
        if (factor < 1) throw new IllegalArgumentException("factor=" + factor + " must be >= 1");
        if (s[2] % factor != 0 || s[3] % factor != 0) {
            throw new IllegalArgumentException("pixelUnshuffle: height=" + s[2] + " and width=" + s[3]
                    + " must be divisible by factor=" + factor);
        }
        long[] out = {s[0], s[1] * factor * factor, s[2] / factor, s[3] / factor};
        return produce(out, (in, dst) -> NativeBinding.jconv_pixel_unshuffle(s, factor, in.address(0), dst),
                "pixelUnshuffle", input);
    }

    /** ShuffleNet's channel shuffle of [N, C, ...]: out channel j * groups + i = in channel i * (C / groups) + j. */
    public static Tensor channelShuffle(Tensor input, long groups) {
        if (input == null) throw new IllegalArgumentException("input is null");
        long[] s = input.shape();
        if (s.length < 2) throw new IllegalArgumentException("channelShuffle needs an input [N, C, ...], got " + input);
        if (groups < 1 || s[1] % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " must be >= 1 and divide channels=" + s[1]);
        }
        return produce(s, (in, dst) -> NativeBinding.jconv_channel_shuffle(s.length, s, groups, in.address(0), dst),
                "channelShuffle", input);
    }

    /**
     * Pads the spatial dims of [N, C, spatial...]. {@code pads} lists (begin, end) pairs per spatial dim
     * in natural order (D, then H, then W): note that PyTorch's F.pad lists the last dim first. As
     * there, a negative pad crops in every mode: reflect and replicate mirror or repeat about the
     * input's own edges, circular wraps around what is kept (so its pads are at most that size).
     */
    public static Tensor pad(Tensor input, PadMode mode, float value, long... pads) {
        if (input == null) throw new IllegalArgumentException("input is null");
        if (mode == null) throw new IllegalArgumentException("mode is null");
        int rank = input.rank() - 2;
        if (rank < 1 || rank > 3) {
            throw new IllegalArgumentException("input must have 3, 4 or 5 dims (N, C, spatial...), got " + input);
        }
        if (pads == null || pads.length != 2 * rank) {
            throw new IllegalArgumentException("pads needs " + 2 * rank + " values (begin, end per spatial dim), got "
                    + (pads == null ? "null" : Arrays.toString(pads)));
        }
        long[] s = input.shape();
        long[] begin = new long[rank];
        long[] end = new long[rank];
        long[] out = s.clone();
        for (int i = 0; i < rank; i++) {
            begin[i] = pads[2 * i];
            end[i] = pads[2 * i + 1];
            long n = s[2 + i];
            if (begin[i] < -(1L << 40) || begin[i] > 1L << 40 || end[i] < -(1L << 40) || end[i] > 1L << 40) {
                throw new IllegalArgumentException("pads " + begin[i] + "/" + end[i] + " of spatial dim " + i
                        + " are out of range");
            }
            if (mode == PadMode.REFLECT && (begin[i] >= n || end[i] >= n)) {
                throw new IllegalArgumentException("reflect pads " + begin[i] + "/" + end[i] + " of spatial dim " + i
                        + " must be smaller than its size " + n);
            }
            out[2 + i] = n + begin[i] + end[i];
            if (out[2 + i] < 1) {
                throw new IllegalArgumentException("pads " + Arrays.toString(pads) + " leave spatial dim " + i + " empty");
            }
            // negative pads crop; circular wraps around what they leave
            long kept = n - Math.max(-begin[i], 0) - Math.max(-end[i], 0);
            if (mode == PadMode.CIRCULAR && (kept < 1 || begin[i] > kept || end[i] > kept)) {
                throw new IllegalArgumentException("circular pads " + begin[i] + "/" + end[i] + " of spatial dim " + i
                        + " must be at most the size they keep of the input, " + Math.max(kept, 0));
            }
        }
        return produce(out, (in, dst) -> NativeBinding.jconv_pad(rank, s, begin, end, mode.ordinal(), value,
                in.address(0), dst), "pad", input);
    }

    /** Nearest-neighbour upsampling of [N, C, H, W] by scale factors: out = floor(in * scale). */
    public static Tensor upsampleNearest2d(Tensor input, double scaleH, double scaleW) {
        return upsample(input, 0, false, scaleH, scaleW, -1, -1);
    }

    /** Bilinear upsampling of [N, C, H, W] by scale factors, with PyTorch's align_corners. */
    public static Tensor upsampleBilinear2d(Tensor input, double scaleH, double scaleW, boolean alignCorners) {
        return upsample(input, 1, alignCorners, scaleH, scaleW, -1, -1);
    }

    /** Nearest-neighbour resizing of [N, C, H, W] to an output size. */
    public static Tensor resizeNearest2d(Tensor input, long outH, long outW) {
        return upsample(input, 0, false, 0, 0, outH, outW);
    }

    /** Bilinear resizing of [N, C, H, W] to an output size. */
    public static Tensor resizeBilinear2d(Tensor input, long outH, long outW, boolean alignCorners) {
        return upsample(input, 1, alignCorners, 0, 0, outH, outW);
    }

    private static Tensor upsample(Tensor input, int mode, boolean alignCorners, double scaleH, double scaleW,
            long outH, long outW) {
        requireInput(input, 2, mode == 0 ? "upsampleNearest2d" : "upsampleBilinear2d");
        long[] s = input.shape();
        if (outH < 0) { // from scale factors, as torch computes the size
            for (double scale : new double[] {scaleH, scaleW}) {
                if (!(scale > 0) || Double.isInfinite(scale)) {
                    throw new IllegalArgumentException("scale=" + scale + " must be finite and > 0");
                }
            }
            outH = (long) Math.floor(s[2] * scaleH);
            outW = (long) Math.floor(s[3] * scaleW);
        }
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("output size " + outH + "x" + outW + " of " + input + " must be >= 1");
        }
        long h = outH;
        long w = outW;
        return produce(new long[] {s[0], s[1], h, w}, (in, dst) -> NativeBinding.jconv_upsample2d(s, h, w, mode,
                alignCorners ? 1 : 0, scaleH, scaleW, in.address(0), dst), "upsample", input);
    }

    // ------------------------------------------------------------------ shared

    /** A native call that reads the pinned inputs and writes a new output tensor at address {@code out}. */
    @FunctionalInterface
    private interface NativeWrite {
        int call(Pinned inputs, long out);
    }

    /**
     * Allocates the output, pins the inputs (null ones pass address 0), runs the call, and closes
     * the output again if the call fails.
     */
    private static Tensor produce(long[] outShape, NativeWrite write, String name, Tensor... inputs) {
        NativeBinding.require();
        Tensor output = Tensor.zeros(outShape);
        try (Pinned in = new Pinned(inputs); Pinned out = new Pinned(output)) {
            NativeBinding.check(write.call(in, out.address(0)), name);
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }

    /** Checks input is there and, for rank > 0, has rank spatial dims. */
    private static void requireInput(Tensor input, int rank, String name) {
        if (input == null) throw new IllegalArgumentException("input is null");
        if (rank != 0 && input.rank() != rank + 2) {
            String dims = "DHW".substring(3 - rank).replace("", " ").trim().replace(" ", ", ");
            throw new IllegalArgumentException(name + " needs a "
                    + (rank + 2) + "-dim input [N, C, " + dims + "], got " + input);
        }
    }
}
