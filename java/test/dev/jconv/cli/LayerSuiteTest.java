package dev.jconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jconv.ConvSpec;
import dev.jconv.Shapes;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerSuiteTest {
    @Test
    void theBuiltInSuiteParsesAndItsConvLayersAreValid() {
        List<LayerSuite.Layer> suite = LayerSuite.builtIn();
        assertTrue(suite.size() >= 25, "layers: " + suite.size());
        LayerSuite.Layer r3d = suite.stream().filter(l -> l.name().equals("r3d_3x3x3")).findFirst().orElseThrow();
        assertEquals(3, r3d.rank());
        assertArrayEquals(new long[] {1, 64, 8, 56, 56}, r3d.inputShape());
        assertArrayEquals(new long[] {3, 3, 3}, r3d.kernel());
        LayerSuite.Layer convT = suite.stream().filter(l -> l.name().equals("fcn_up_op")).findFirst().orElseThrow();
        assertArrayEquals(new long[] {256, 128, 3, 3}, convT.weightShape());
        assertArrayEquals(new long[] {1, 1}, convT.outputPadding());
        for (LayerSuite.Layer l : suite) {
            if (!l.op().equals("conv")) continue;
            ConvSpec spec = ConvSpec.builder().stride(l.stride()).padding(l.pad()).dilation(l.dilation())
                    .groups(l.groups()).build();
            assertTrue(Shapes.convFlops(l.inputShape(), l.weightShape(), spec) > 0, l.name());
        }
    }
}
