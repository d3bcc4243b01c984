package dev.jconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void holdsItsDataAlignedAndRowMajor() {
        float[] data = {1, 2, 3, 4, 5, 6};
        try (Tensor t = Tensor.of(data, 2, 3)) {
            assertArrayEquals(data, t.toArray());
            assertArrayEquals(new long[] {2, 3}, t.shape());
            assertEquals(6, t.numel());
            assertEquals(2, t.rank());
            assertEquals(6f, t.get(1, 2));
            assertEquals(2f, t.get(0, 1));
            assertEquals(0, t.pin() % 64, "64-byte aligned");
            t.unpin();
            t.copyFrom(new float[] {6, 5, 4, 3, 2, 1});
            assertEquals(1f, t.get(1, 2));
        }
    }

    @Test
    void zerosAreZeroAndEmptyTensorsWork() {
        try (Tensor t = Tensor.zeros(3, 5); Tensor empty = Tensor.zeros(0, 4)) {
            for (float v : t.toArray()) assertEquals(0f, v);
            assertEquals(0, empty.toArray().length);
        }
    }

    @Test
    void rejectsMismatchedData() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(null, 2));
        try (Tensor t = Tensor.zeros(2, 3)) {
            assertThrows(IllegalArgumentException.class, () -> t.copyFrom(new float[5]));
            assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
            assertThrows(IllegalArgumentException.class, () -> t.get(1));
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        Tensor t = Tensor.zeros(4);
        t.close();
        t.close();
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, t::toArray);
        assertThrows(IllegalStateException.class, () -> t.copyFrom(new float[4]));
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertTrue(t.toString().contains("closed"));
    }
}
