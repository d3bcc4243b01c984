package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every native path against the Java reference on 240 seeded random shapes (every parameter, every
 * rank): the one-shot with AUTO, the planned layer with DIRECT, IM2COL and DEPTHWISE (where it
 * applies) forced in turn; DIRECT again on 24 shapes with 8 times the channels and on 24 1x1
 * shapes of whole 16-pixel vectors (its blocked path's tiles).
 */
class ConvAgainstReferenceTest {
    private static int defaultThreads;

    @BeforeAll
    static void rememberThreads() {
        defaultThreads = JConv.numThreads();
    }

    @AfterAll
    static void restoreThreads() {
        JConv.setNumThreads(defaultThreads);
    }

    static LongStream seeds() {
        return LongStream.range(0, 240);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void oneShotAndPlannedLayerMatchTheReference(long seed) {
        RandomConvCase c = new RandomConvCase(seed);
        JConv.setNumThreads(1 + (int) (seed / 3 % 2)); // 1 and 2 threads, across every rank
        float[] expected = c.reference();
        float[] magnitude = c.magnitude();
        long[] outShape = c.outputShape();
        int perChannel = expected.length / (int) (outShape[0] * outShape[1]);
        if (c.bias != null) {
            for (int i = 0; i < magnitude.length; i++) magnitude[i] += Math.abs(c.bias[i / perChannel % (int) outShape[1]]);
        }

        try (Tensor x = Tensor.of(c.input, c.inputShape);
                Tensor w = Tensor.of(c.weight, c.weightShape);
                Tensor b = c.bias == null ? null : Tensor.of(c.bias, c.weightShape[0])) {
            try (Tensor y = Functional.conv(x, w, b, c.spec(), Algorithm.AUTO)) {
                assertArrayEquals(outShape, y.shape(), c.toString());
                // AUTO may pick a Winograd tile, whose bound is at most JConv.AUTO_ERROR_BOUND.
                Tolerance.assertClose(expected, y.toArray(), magnitude, c.taps(), JConv.AUTO_ERROR_BOUND,
                        "one-shot " + c);
            }

            // The planned layer, with an activation and (every third seed) a residual added in place.
            Activation[] activations = {Activation.NONE, Activation.RELU, Activation.clamp(-0.5f, 0.75f)};
            Activation activation = activations[(int) (seed % 3)];
            boolean withResidual = seed % 3 == 1;
            float[] residual = RandomConvCase.values(new java.util.SplittableRandom(~seed), expected.length);
            float[] want = new float[expected.length];
            float[] bound = magnitude.clone();
            for (int i = 0; i < want.length; i++) {
                float pre = withResidual ? (float) ((double) expected[i] + residual[i]) : expected[i];
                want[i] = activation.apply(pre);
                if (withResidual) bound[i] += Math.abs(residual[i]);
            }
            Algorithm[] algorithms = {Algorithm.DIRECT, Algorithm.IM2COL, Algorithm.DEPTHWISE, Algorithm.WINOGRAD_F2X3,
                    Algorithm.WINOGRAD_F4X3, Algorithm.WINOGRAD_F6X3};
            Algorithm forced = algorithms[(int) (seed / 3 % algorithms.length)];
            if (forced == Algorithm.DEPTHWISE && c.weightShape[1] != 1) forced = Algorithm.IM2COL;
            if (forced.externalName().startsWith("winograd") && !c.winogradCan()) forced = Algorithm.IM2COL;
            try (Conv conv = Conv.builder(w).bias(b).spec(c.spec()).algorithm(forced)
                    .activation(activation).build();
                    Tensor y = withResidual ? Tensor.of(residual, outShape) : Tensor.zeros(outShape)) {
                conv.forward(x, withResidual ? y : null, y);
                Tolerance.assertClose(want, y.toArray(), bound, c.taps(), conv.errorBound(c.inputShape),
                        "planned " + forced + " " + activation + (withResidual ? " + residual " : " ") + c);
            }
        }
    }

    static LongStream wideSeeds() {
        return LongStream.range(0, 24);
    }

    /** The direct algorithm with 8 times the channels a group: on AVX-512 its channel-blocked path
     * (native/src/conv/direct_blocked.c), with every activation and a residual added in place. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("wideSeeds")
    void blockedDirectMatchesTheReference(long seed) {
        directMatchesTheReference(new RandomConvCase(seed, 8), seed);
    }

    /** The direct algorithm on 1x1 layers its pointwise tiles take (on AVX-512; elsewhere its loops). */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("wideSeeds")
    void pointwiseDirectMatchesTheReference(long seed) {
        directMatchesTheReference(RandomConvCase.pointwise(seed), seed);
    }

    /** DIRECT forced on c, with an activation and (half the seeds) a residual added in place. */
    private static void directMatchesTheReference(RandomConvCase c, long seed) {
        JConv.setNumThreads(1 + (int) (seed % 2));
        float[] expected = c.reference();
        float[] magnitude = c.magnitude();
        long[] outShape = c.outputShape();
        int perChannel = expected.length / (int) (outShape[0] * outShape[1]);
        Activation[] activations = {Activation.NONE, Activation.RELU, Activation.clamp(-0.5f, 0.75f)};
        Activation activation = activations[(int) (seed / 2 % 3)];
        boolean withResidual = seed % 4 < 2;
        float[] residual = RandomConvCase.values(new java.util.SplittableRandom(~seed), expected.length);
        float[] want = new float[expected.length];
        float[] bound = magnitude.clone();
        for (int i = 0; i < want.length; i++) {
            if (c.bias != null) bound[i] += Math.abs(c.bias[i / perChannel % (int) outShape[1]]);
            float pre = withResidual ? (float) ((double) expected[i] + residual[i]) : expected[i];
            want[i] = activation.apply(pre);
            if (withResidual) bound[i] += Math.abs(residual[i]);
        }
        try (Tensor x = Tensor.of(c.input, c.inputShape);
                Tensor w = Tensor.of(c.weight, c.weightShape);
                Tensor b = c.bias == null ? null : Tensor.of(c.bias, c.weightShape[0]);
                Conv conv = Conv.builder(w).bias(b).spec(c.spec()).algorithm(Algorithm.DIRECT).activation(activation)
                        .build();
                Tensor y = withResidual ? Tensor.of(residual, outShape) : Tensor.zeros(outShape)) {
            conv.forward(x, withResidual ? y : null, y);
            Tolerance.assertClose(want, y.toArray(), bound, c.taps(), conv.errorBound(c.inputShape),
                    "direct " + activation + (withResidual ? " + residual " : " ") + c);
        }
    }
}
