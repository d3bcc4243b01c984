package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Cases small enough to compute by hand, native and reference alike. */
class HandExamplesTest {
    private static float[] conv1d(float[] x, float[] w, ConvSpec spec) {
        try (Tensor input = Tensor.of(x, 1, 1, x.length);
                Tensor weight = Tensor.of(w, 1, 1, w.length);
                Tensor y = Functional.conv1d(input, weight, null, spec)) {
            return y.toArray();
        }
    }

    @Test
    void aRowOfFivePixelsWithAKernelOfTwo() {
        // y[i] = x[s*i] + 2 x[s*i + 1]
        float[] x = {1, 2, 3, 4, 5};
        float[] w = {1, 2};
        assertArrayEquals(new float[] {5, 8, 11, 14}, conv1d(x, w, ConvSpec.defaults()));
        assertArrayEquals(new float[] {5, 14}, conv1d(x, w, ConvSpec.builder().stride(3).build()));
        assertArrayEquals(new float[] {5}, conv1d(x, w, ConvSpec.builder().stride(4).build()));
        assertEquals(4, Shapes.convOutputSize(5, 2, 1, 0, 0, 1));
        assertEquals(2, Shapes.convOutputSize(5, 2, 3, 0, 0, 1));
        assertEquals(1, Shapes.convOutputSize(5, 2, 4, 0, 0, 1));
    }

    @Test
    void eightChannelsOfSevenBySevenWithEightThreeByThreeFilters() {
        float[] ones = new float[8 * 7 * 7];
        java.util.Arrays.fill(ones, 1f);
        float[] w = new float[8 * 8 * 3 * 3];
        for (int oc = 0; oc < 8; oc++) {
            for (int i = 0; i < 72; i++) w[oc * 72 + i] = oc + 1; // filter oc sums to 72 * (oc + 1)
        }
        try (Tensor x = Tensor.of(ones, 1, 8, 7, 7);
                Tensor weight = Tensor.of(w, 8, 8, 3, 3);
                Tensor y = Functional.conv2d(x, weight, null, ConvSpec.defaults())) {
            assertArrayEquals(new long[] {1, 8, 5, 5}, y.shape());
            for (int oc = 0; oc < 8; oc++) {
                for (int i = 0; i < 5; i++) assertEquals(72f * (oc + 1), y.get(0, oc, i, 4 - i));
            }
        }
    }

    @Test
    void dilatedPaddedKernelWithBiasAndRelu() {
        // x = 1..9 as 3x3; kernel [[1, 0], [0, -1]] dilated by 2, pad 1: y[i][j] = x[i-1][j-1] - x[i+1][j+1]
        float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] raw = {-5, -6, 0, -8, -8, 2, 0, 4, 5};
        float[] expected = new float[9];
        for (int i = 0; i < 9; i++) expected[i] = Math.max(raw[i] + 0.5f, 0f);
        ConvSpec spec = ConvSpec.builder().padding(1).dilation(2).build();
        try (Tensor input = Tensor.of(x, 1, 1, 3, 3);
                Tensor w = Tensor.of(new float[] {1, 0, 0, -1}, 1, 1, 2, 2);
                Tensor b = Tensor.of(new float[] {0.5f}, 1);
                Conv conv = Conv.builder(w).bias(b).spec(spec).activation(Activation.RELU).build();
                Tensor y = conv.forward(input)) {
            assertArrayEquals(expected, y.toArray());
        }
    }

    @Test
    void samePaddingPutsTheOddZeroAtTheEnd() {
        // k = 2: PyTorch pads 0 before and 1 after, so y[i] = x[i] + 10 x[i + 1] with x[3] = 0.
        ConvSpec same = ConvSpec.builder().paddingSame().build();
        assertArrayEquals(new float[] {21, 32, 3}, conv1d(new float[] {1, 2, 3}, new float[] {1, 10}, same));
        assertArrayEquals(new long[] {0, 1}, Shapes.samePadding(2, 1));
        assertArrayEquals(new long[] {2, 2}, Shapes.samePadding(3, 2));
        assertArrayEquals(new long[] {1, 2}, Shapes.samePadding(4, 1));
    }

    @Test
    void asymmetricPadding() {
        // pad 2 before, 0 after, k = 1 1 1: windows [0 0 1] [0 1 2] [1 2 3]
        ConvSpec spec = ConvSpec.builder().padding(new long[] {2}, new long[] {0}).build();
        assertArrayEquals(new float[] {1, 3, 6}, conv1d(new float[] {1, 2, 3}, new float[] {1, 1, 1}, spec));
    }

    @Test
    void groupsKeepChannelsApart() {
        // Two groups of one channel: output 0 sees only input 0, output 1 only input 1.
        try (Tensor x = Tensor.of(new float[] {1, 2, 10, 20}, 1, 2, 2);
                Tensor w = Tensor.of(new float[] {1, 1, 2, 0}, 2, 1, 2);
                Tensor y = Functional.conv1d(x, w, null, ConvSpec.builder().groups(2).build())) {
            assertArrayEquals(new float[] {3, 20}, y.toArray());
        }
    }

    @Test
    void threeDimensionalConvolutionOfOnes() {
        // 1x2x3x4x5 ones, a 2x2x2 kernel of ones over both channels: every output is 16; out 1x1x2x3x4.
        float[] ones = new float[2 * 3 * 4 * 5];
        java.util.Arrays.fill(ones, 1f);
        float[] w = new float[2 * 8];
        java.util.Arrays.fill(w, 1f);
        try (Tensor x = Tensor.of(ones, 1, 2, 3, 4, 5);
                Tensor weight = Tensor.of(w, 1, 2, 2, 2, 2);
                Tensor y = Functional.conv3d(x, weight, null, ConvSpec.defaults())) {
            assertArrayEquals(new long[] {1, 1, 2, 3, 4}, y.shape());
            for (float v : y.toArray()) assertEquals(16f, v);
        }
    }
}
