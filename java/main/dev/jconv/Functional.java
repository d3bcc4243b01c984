package dev.jconv;

/**
 * One-shot operations named like {@code torch.nn.functional}. Each call validates its arguments
 * (errors name them), runs the native kernel and returns a new tensor that the caller closes. For a
 * layer run many times, a {@link Conv} plans once and is faster.
 */
public final class Functional {
    private Functional() {}

    /** 1-D convolution: input [N, IC, W], weight [OC, IC/groups, KW], bias [OC] or null. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(1, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 2-D convolution: input [N, IC, H, W], weight [OC, IC/groups, KH, KW], bias [OC] or null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(2, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** 3-D convolution: input [N, IC, D, H, W], weight [OC, IC/groups, KD, KH, KW], bias [OC] or null. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, ConvSpec spec) {
        return conv(3, input, weight, bias, spec, Algorithm.AUTO);
    }

    /** A convolution of any rank (taken from the input), with a forced algorithm. */
    public static Tensor conv(Tensor input, Tensor weight, Tensor bias, ConvSpec spec, Algorithm algorithm) {
        return conv(0, input, weight, bias, spec, algorithm);
    }

    private static Tensor conv(int rank, Tensor input, Tensor weight, Tensor bias, ConvSpec spec, Algorithm algorithm) {
        if (input == null) throw new IllegalArgumentException("input is null");
        if (weight == null) throw new IllegalArgumentException("weight is null");
        if (spec == null) throw new IllegalArgumentException("spec is null");
        if (algorithm == null) throw new IllegalArgumentException("algorithm is null");
        if (rank != 0 && input.rank() != rank + 2) {
            throw new IllegalArgumentException("conv" + rank + "d needs a " + (rank + 2) + "-dim input [N, C, "
                    + "DHW".substring(3 - rank).replace("", " ").trim().replace(" ", ", ") + "], got " + input);
        }
        ConvGeometry g = spec.resolve(input.shape(), weight.shape());
        if (bias != null) ConvGeometry.requireShape("bias", bias, new long[] {g.outChannels});
        NativeBinding.require();
        long inputAddress = input.address();
        long weightAddress = weight.address();
        long biasAddress = bias == null ? 0 : bias.address();
        Tensor output = Tensor.zeros(g.outputShape());
        try {
            NativeBinding.check(NativeBinding.jconv_conv(g.toNativeDesc(), inputAddress, weightAddress, biasAddress,
                    algorithm.code(), null, 0, output.address()), "conv");
            return output;
        } catch (RuntimeException | Error e) {
            output.close();
            throw e;
        }
    }
}
