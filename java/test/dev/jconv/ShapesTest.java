package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapesTest {
    @Test
    void outputSizesFollowPyTorch() {
        assertEquals(112, Shapes.convOutputSize(224, 7, 2, 3, 3, 1)); // ResNet stem
        assertEquals(28, Shapes.convOutputSize(56, 3, 2, 1, 1, 1));
        assertEquals(28, Shapes.convOutputSize(28, 3, 1, 2, 2, 2)); // atrous, padding = dilation
        assertEquals(3, Shapes.convOutputSize(7, 3, 2, 0, 0, 1));
        assertEquals(4, Shapes.convOutputSize(8, 3, 2, 0, 1, 1)); // asymmetric
        assertEquals(1, Shapes.convOutputSize(1, 3, 5, 1, 1, 1));
        assertArrayEquals(new long[] {8, 64, 56, 56}, Shapes.convOutputShape(new long[] {8, 3, 224, 224},
                new long[] {64, 3, 7, 7}, ConvSpec.builder().stride(4).padding(3).build()));
        assertArrayEquals(new long[] {1, 4, 5, 6, 7}, Shapes.convOutputShape(new long[] {1, 2, 5, 6, 7},
                new long[] {4, 2, 3, 3, 3}, ConvSpec.builder().paddingSame().build()));
        assertArrayEquals(new long[] {1, 4, 3, 4, 5}, Shapes.convOutputShape(new long[] {1, 2, 5, 6, 7},
                new long[] {4, 2, 3, 3, 3}, ConvSpec.builder().paddingValid().build()));
    }

    @Test
    void receptiveFieldOfAStack() {
        // Three 3x3 stride-1 convolutions see 7 pixels, like one 7x7.
        Shapes.Layer conv3 = new Shapes.Layer(3, 1);
        assertEquals(7, Shapes.receptiveField(List.of(conv3, conv3, conv3)));
        // ResNet stem: 7x7/2 conv then 3x3/2 max pool: 7 + 2 * 2 = 11, stride 4.
        List<Shapes.Layer> stem = List.of(new Shapes.Layer(7, 2), new Shapes.Layer(3, 2));
        assertEquals(11, Shapes.receptiveField(stem));
        assertEquals(4, Shapes.effectiveStride(stem));
        // WaveNet: kernel 2 with dilations 1, 2, 4, 8 covers 16 samples.
        assertEquals(16, Shapes.receptiveField(List.of(new Shapes.Layer(2, 1, 1), new Shapes.Layer(2, 1, 2),
                new Shapes.Layer(2, 1, 4), new Shapes.Layer(2, 1, 8))));
        assertEquals(1, Shapes.receptiveField(List.of()));
    }

    @Test
    void macsAndFlopsOfSuiteLayers() {
        // r50_s2_3x3: 64 -> 64, 56x56, 3x3 pad 1: 64*56*56*64*9 MACs.
        ConvSpec pad1 = ConvSpec.builder().padding(1).build();
        long macs = Shapes.convMacs(new long[] {1, 64, 56, 56}, new long[] {64, 64, 3, 3}, pad1);
        assertEquals(64L * 56 * 56 * 64 * 9, macs);
        assertEquals(2 * macs, Shapes.convFlops(new long[] {1, 64, 56, 56}, new long[] {64, 64, 3, 3}, pad1));
        // Depthwise mb2_dw_14: 576 groups, one input channel each.
        assertEquals(576L * 14 * 14 * 9, Shapes.convMacs(new long[] {1, 576, 14, 14}, new long[] {576, 1, 3, 3},
                ConvSpec.builder().padding(1).groups(576).build()));
    }

    @Test
    void specsAreValues() {
        ConvSpec a = ConvSpec.builder().stride(2).padding(1).build();
        ConvSpec b = ConvSpec.builder().padding(1).stride(2).build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, ConvSpec.builder().stride(2).padding(new long[] {1}, new long[] {0}).build());
        assertEquals("ConvSpec{stride=[2], padding=[1], dilation=[1], groups=1}", a.toString());
        long[] stride = a.stride();
        stride[0] = 9;
        assertArrayEquals(new long[] {2}, a.stride(), "getters return copies");
    }
}
