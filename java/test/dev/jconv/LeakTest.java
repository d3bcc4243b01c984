package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A million small create / execute / close cycles of tensors, layers and one-shots keep native
 * memory flat: the library's own count of plan bytes returns to where it was, tensors' bytes do
 * not grow, and the process's resident memory stays within a few tens of MB.
 */
class LeakTest {
    private static final int CYCLES = 1_000_000;

    @Test
    void aMillionSmallCyclesKeepNativeMemoryFlat() throws IOException {
        long plansBefore = JConv.nativeAllocatedBytes();
        long tensorsBefore = Tensor.liveBytes();
        float[] x = {1, 2, 3, 4};
        try (Tensor w = Tensor.of(new float[] {1, -1}, 1, 1, 2)) {
            for (int i = 0; i < CYCLES / 10; i++) warmCycle(w, x, i); // let the JIT and allocator settle
            long rssBefore = residentBytes();
            for (int i = 0; i < CYCLES; i++) warmCycle(w, x, i);
            long rssGrowth = residentBytes() - rssBefore;
            System.out.println("LeakTest: " + CYCLES + " cycles, resident memory grew by " + (rssGrowth >> 10) + " KiB");
            assertTrue(rssGrowth < 64L << 20, "resident memory grew by " + (rssGrowth >> 20) + " MB");
        }
        assertEquals(plansBefore, JConv.nativeAllocatedBytes(), "plan bytes the library still holds");
        // Tensors other tests left to the Cleaner may be freed meanwhile, so the count may drop.
        assertTrue(Tensor.liveBytes() <= tensorsBefore, "tensor bytes grew: " + (Tensor.liveBytes() - tensorsBefore));
    }

    /** One cycle: a tensor, and either a planned layer run once or a one-shot op; all closed. */
    private static void warmCycle(Tensor w, float[] x, int i) {
        try (Tensor input = Tensor.of(x, 1, 1, 4)) {
            if (i % 2 == 0) {
                try (Conv conv = Conv.builder(w).build(); Tensor y = conv.forward(input)) {
                    if (y.numel() != 3) throw new AssertionError();
                }
            } else {
                try (Tensor y = Functional.maxPool1d(input, PoolSpec.builder(2).build())) {
                    if (y.numel() != 2) throw new AssertionError();
                }
            }
        }
    }

    /** VmRSS of this process (Linux); 0 elsewhere, where only the counters are checked. */
    private static long residentBytes() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return 0;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return 0;
    }
}
