package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input: an exception naming the argument, never a crash, never a wrong answer. */
class BadInputTest {
    private static void assertRejected(String needle, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(needle), "message '" + e.getMessage() + "' should contain '" + needle + "'");
    }

    private static void conv(long[] in, long[] w, ConvSpec spec) {
        try (Tensor x = Tensor.zeros(in); Tensor weight = Tensor.zeros(w)) {
            Functional.conv(x, weight, null, spec, Algorithm.AUTO).close();
        }
    }

    @Test
    void specValuesOutOfRange() {
        assertRejected("stride", () -> ConvSpec.builder().stride(0));
        assertRejected("stride", () -> ConvSpec.builder().stride(1, -2));
        assertRejected("dilation", () -> ConvSpec.builder().dilation(0));
        assertRejected("padding", () -> ConvSpec.builder().padding(-1));
        assertRejected("groups=0", () -> ConvSpec.builder().groups(0));
        assertRejected("padding begin", () -> ConvSpec.builder().padding(new long[] {1, 1}, new long[] {1}));
        assertRejected("stride", () -> ConvSpec.builder().stride(1, 1, 1, 1));
        assertRejected("padding=same needs stride 1", () -> ConvSpec.builder().stride(2).paddingSame().build());
    }

    @Test
    void shapesThatDoNotFit() {
        ConvSpec d = ConvSpec.defaults();
        assertRejected("groups=3 does not divide in_channels=8",
                () -> conv(new long[] {1, 8, 5, 5}, new long[] {6, 2, 3, 3}, ConvSpec.builder().groups(3).build()));
        assertRejected("groups=4 does not divide out_channels=6",
                () -> conv(new long[] {1, 8, 5, 5}, new long[] {6, 2, 3, 3}, ConvSpec.builder().groups(4).build()));
        assertRejected("in_channels=4", () -> conv(new long[] {1, 4, 5, 5}, new long[] {2, 3, 3, 3}, d));
        assertRejected("kernel=7", () -> conv(new long[] {1, 1, 5, 5}, new long[] {1, 1, 7, 3}, d));
        assertRejected("dilation=3", () -> conv(new long[] {1, 1, 6}, new long[] {1, 1, 3},
                ConvSpec.builder().dilation(3).build()));
        assertRejected("input must have 3, 4 or 5 dims", () -> conv(new long[] {1, 1}, new long[] {1, 1}, d));
        assertRejected("input must have 3, 4 or 5 dims",
                () -> conv(new long[] {1, 1, 2, 2, 2, 2}, new long[] {1, 1, 1, 1, 1, 1}, d));
        assertRejected("weight must have 4 dims", () -> conv(new long[] {1, 1, 5, 5}, new long[] {1, 1, 3}, d));
        assertRejected("N=0", () -> conv(new long[] {0, 1, 5}, new long[] {1, 1, 3}, d));
        assertRejected("W=0", () -> conv(new long[] {1, 1, 0}, new long[] {1, 1, 1}, d));
        assertRejected("stride has 2 values", () -> conv(new long[] {1, 1, 5, 5, 5}, new long[] {1, 1, 1, 1, 1},
                ConvSpec.builder().stride(1, 2).build()));
        assertRejected("conv2d needs a 4-dim input", () -> {
            try (Tensor x = Tensor.zeros(1, 1, 5); Tensor w = Tensor.zeros(1, 1, 3)) {
                Functional.conv2d(x, w, null, d);
            }
        });
    }

    @Test
    void biasAndOutputShapes() {
        try (Tensor x = Tensor.zeros(1, 2, 5); Tensor w = Tensor.zeros(3, 2, 3); Tensor bias = Tensor.zeros(2)) {
            assertRejected("bias has shape [2], expected [3]",
                    () -> Functional.conv1d(x, w, bias, ConvSpec.defaults()));
            assertRejected("bias", () -> Conv.builder(w).bias(bias).build());
            try (Conv conv = Conv.builder(w).build(); Tensor wrong = Tensor.zeros(1, 3, 4)) {
                assertRejected("output has shape [1, 3, 4], expected [1, 3, 3]", () -> conv.forward(x, wrong));
                assertRejected("residual has shape", () -> conv.forward(x, wrong, Tensor.zeros(1, 3, 3)));
                assertRejected("in_channels=1", () -> conv.forward(Tensor.zeros(1, 1, 5)));
            }
        }
    }

    @Test
    void nullArguments() {
        try (Tensor x = Tensor.zeros(1, 1, 5); Tensor w = Tensor.zeros(1, 1, 3)) {
            assertRejected("input is null", () -> Functional.conv1d(null, w, null, ConvSpec.defaults()));
            assertRejected("weight is null", () -> Functional.conv1d(x, null, null, ConvSpec.defaults()));
            assertRejected("spec is null", () -> Functional.conv1d(x, w, null, null));
            assertRejected("weight is null", () -> Conv.builder(null));
            try (Conv conv = Conv.builder(w).build()) {
                assertRejected("input is null", () -> conv.forward(null));
                assertRejected("output is null", () -> conv.forward(x, null));
            }
        }
    }

    @Test
    void closedTensorsAndLayers() {
        Tensor x = Tensor.zeros(1, 1, 5);
        Tensor w = Tensor.zeros(1, 1, 3);
        Conv conv = Conv.builder(w).build();
        w.close(); // the layer keeps its own copy of the weights
        try (Tensor y = conv.forward(x)) {
            assertEquals(3, y.numel());
        }
        x.close();
        x.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> conv.forward(x));
        assertThrows(IllegalStateException.class, x::toArray);
        assertThrows(IllegalStateException.class, () -> Functional.conv1d(x, x, null, ConvSpec.defaults()));
        conv.close();
        conv.close();
        try (Tensor fresh = Tensor.zeros(1, 1, 5)) {
            assertThrows(IllegalStateException.class, () -> conv.forward(fresh));
        }
    }

    @Test
    void unavailableAlgorithmIsAClearError() {
        try (Tensor x = Tensor.zeros(1, 1, 5, 5); Tensor w = Tensor.zeros(1, 1, 3, 3)) {
            for (Algorithm a : Algorithm.values()) {
                if (a.isAvailable()) continue;
                JConvArgumentException e = assertThrows(JConvArgumentException.class,
                        () -> Functional.conv(x, w, null, ConvSpec.defaults(), a));
                assertTrue(e.getMessage().contains(a.externalName()), e.getMessage());
                assertEquals(2, e.status()); // JCONV_UNSUPPORTED
            }
        }
        assertRejected("algorithm 'fast' is not one of", () -> Algorithm.fromName("fast"));
        // A built algorithm that cannot do the shape says why.
        try (Tensor x = Tensor.zeros(1, 4, 5, 5); Tensor w = Tensor.zeros(4, 2, 3, 3)) {
            JConvArgumentException e = assertThrows(JConvArgumentException.class,
                    () -> Functional.conv(x, w, null, ConvSpec.builder().groups(2).build(), Algorithm.DEPTHWISE));
            assertTrue(e.getMessage().contains("depthwise needs in_channels / groups == 1"), e.getMessage());
        }
    }

    @Test
    void sizesThatOverflow() {
        assertRejected("more than 2^63", () -> Tensor.zeros(1L << 32, 1L << 32));
        assertRejected("negative", () -> Tensor.zeros(2, -1));
        assertRejected("sizes overflow", () -> Shapes.convOutputSize(Long.MAX_VALUE, 3, 1, 1, 1, 1));
        assertThrows(OutOfMemoryError.class, () -> Tensor.zeros(1L << 60));
        // The native library checks on its own too: a descriptor passed straight to it.
        long[] desc = new long[23];
        desc[0] = 2;
        desc[1] = desc[2] = desc[3] = desc[4] = 1;
        for (int i = 5; i < 23; i++) desc[i] = (i >= 14 && i < 20) ? 0 : 1; // pads 0, other sizes 1
        desc[5] = desc[6] = 1L << 40; // in_size 2^40 x 2^40
        assertEquals(1, NativeBinding.jconv_conv_output_size(desc, new long[3]));
        assertTrue(NativeBinding.jconv_last_error().contains("overflow"), NativeBinding.jconv_last_error());
    }

    @Test
    void threadCountIsChecked() {
        assertRejected("threads=0", () -> JConv.setNumThreads(0));
        assertRejected("threads=5000", () -> JConv.setNumThreads(5000));
    }

    @Test
    void activationArguments() {
        assertRejected("min <= max", () -> Activation.clamp(6, 0));
        assertRejected("NaN", () -> Activation.clamp(Float.NaN, 1));
    }
}
