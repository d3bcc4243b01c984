package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Many Java threads on one plan, plans made and closed concurrently, tensors closed while in use. */
class ConcurrencyTest {
    private static final int CALLERS = 8;

    @AfterEach
    void restoreThreads() {
        JConv.setNumThreads(2);
    }

    /**
     * 8 threads execute one plan on different inputs, 10,000 times in all; every result is
     * bit-identical to the same plan run on the same input by a single caller.
     */
    @ParameterizedTest(name = "library threads {0}, {1}")
    @CsvSource({"1, AUTO", "2, AUTO", "1, WINOGRAD_F4X3", "2, WINOGRAD_F2X3"})
    void onePlanManyCallersGivesTheSingleCallerBits(int libraryThreads, Algorithm algorithm) throws Exception {
        JConv.setNumThreads(libraryThreads);
        SplittableRandom r = new SplittableRandom(libraryThreads);
        long[] inShape = {1, 8, 12, 12};
        try (Tensor w = Tensor.of(RandomConvCase.values(r, 16 * 8 * 9), 16, 8, 3, 3);
                Tensor b = Tensor.of(RandomConvCase.values(r, 16), 16);
                Conv conv = Conv.builder(w).bias(b).spec(ConvSpec.builder().padding(1).build())
                        .activation(Activation.RELU).algorithm(algorithm).build()) {
            List<Tensor> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                Tensor x = Tensor.of(RandomConvCase.values(r, 8 * 144), inShape);
                inputs.add(x);
                try (Tensor y = conv.forward(x)) {
                    expected.add(y.toArray());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger mismatches = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < CALLERS; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    start.await();
                    try (Tensor y = Tensor.zeros(1, 16, 12, 12)) {
                        for (int i = 0; i < 10_000 / CALLERS; i++) {
                            int which = (id + i) % CALLERS;
                            conv.forward(inputs.get(which), y);
                            if (!java.util.Arrays.equals(expected.get(which), y.toArray())) mismatches.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            pool.shutdown();
            assertEquals(0, mismatches.get(), "results that differ from the single caller's");
            for (Tensor x : inputs) x.close();
        }
    }

    /** Layers created, used and closed from many threads at once, and one shared layer closed mid-use. */
    @Test
    void plansCreatedAndClosedConcurrently() throws Exception {
        long before = JConv.nativeAllocatedBytes();
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try (Tensor w = Tensor.of(new float[] {1, 2, 3}, 1, 1, 3); Tensor x = Tensor.of(new float[] {1, 1, 1, 1}, 1, 1, 4)) {
            Conv shared = Conv.builder(w).build();
            AtomicInteger refused = new AtomicInteger();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < CALLERS; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        try (Conv own = Conv.builder(w).spec(ConvSpec.builder().padding(i % 3).build()).build();
                                Tensor y = own.forward(x)) {
                            assertEquals(6f, y.get(0, 0, i % 3)); // the window fully inside: 1 + 2 + 3
                        }
                        if (id == 0 && i == 150) shared.close(); // the others may be inside forward() now
                        try (Tensor y = shared.forward(x)) {
                            assertArrayEquals(new float[] {6, 6}, y.toArray());
                        } catch (IllegalStateException closed) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            assertTrue(refused.get() > 0, "calls after close() were refused");
        } finally {
            pool.shutdown();
        }
        assertEquals(before, JConv.nativeAllocatedBytes(), "every plan freed");
    }

    /**
     * A tensor closed while other threads are using it: operations already running finish on valid
     * memory, the memory is freed after the last one, and later ones throw IllegalStateException.
     * The close comes once calls are under way (not after a fixed sleep, which fast kernels outran),
     * and each thread calls until it is refused.
     */
    @Test
    void tensorClosedWhileInUseHasADefinedOutcome() throws Exception {
        Tensor w = Tensor.of(new float[9 * 16 * 16], 16, 16, 3, 3);
        Tensor x = Tensor.zeros(1, 16, 64, 64);
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch underWay = new CountDownLatch(8);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Conv conv = Conv.builder(w).spec(ConvSpec.builder().padding(1).build()).build()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (System.nanoTime() < deadline) {
                        try {
                            conv.forward(x).close();
                            completed.incrementAndGet();
                            underWay.countDown();
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("closed"), e.getMessage());
                            refused.incrementAndGet();
                            return null;
                        }
                    }
                    return null;
                }));
            }
            assertTrue(underWay.await(60, TimeUnit.SECONDS), "calls started");
            x.close();
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdown();
            w.close();
        }
        assertTrue(completed.get() >= 8, "calls before close() complete");
        assertEquals(4, refused.get(), "every thread's call after close() throws");
        assertTrue(x.isFreed(), "the closed tensor's memory was freed once the calls returned");
    }
}
