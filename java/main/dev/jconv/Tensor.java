package dev.jconv;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A dense fp32 tensor in row-major order, off the Java heap and 64-byte aligned, so native kernels
 * read and write it in place (no copy crosses JNA). Close it when done; a {@link Cleaner} frees
 * the memory of tensors that become unreachable unclosed. Using a closed tensor throws
 * {@link IllegalStateException}. Closing is idempotent.
 *
 * <p>Closing while another thread uses the tensor has a defined outcome: every operation pins the
 * memory for its duration, so an operation already running completes on valid memory (its result
 * is whatever it computes), the memory is freed when the last one returns, and operations that
 * start after close() throw {@link IllegalStateException}. Nothing reads freed memory.
 */
public final class Tensor implements AutoCloseable {
    static final int ALIGNMENT = 64;
    private static final Cleaner CLEANER = Cleaner.create();

    private final long[] shape;
    private final long numel;
    private final long address;
    private final Allocation allocation;
    private final Cleaner.Cleanable cleanable;
    private final AtomicInteger pins = new AtomicInteger();
    private volatile boolean closed;

    /** Bytes held by tensors not yet freed, for leak tests. */
    private static final AtomicLong LIVE_BYTES = new AtomicLong();

    /** Frees the raw block; shared by close() and the Cleaner, which runs it at most once. */
    private static final class Allocation implements Runnable {
        private final long raw;
        private final long bytes;
        private volatile boolean freed;

        Allocation(long raw, long bytes) {
            this.raw = raw;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            Native.free(raw);
            LIVE_BYTES.addAndGet(-bytes);
            freed = true;
        }
    }

    private Tensor(long[] shape) {
        this.shape = shape.clone();
        this.numel = elementCount(this.shape);
        long bytes = Math.multiplyExact(numel, (long) Float.BYTES) + ALIGNMENT;
        long raw = Native.malloc(bytes);
        if (raw == 0) {
            throw new OutOfMemoryError("cannot allocate " + bytes + " bytes off-heap for a tensor of shape "
                    + Arrays.toString(shape));
        }
        this.address = (raw + ALIGNMENT - 1) & -ALIGNMENT;
        LIVE_BYTES.addAndGet(bytes);
        this.allocation = new Allocation(raw, bytes);
        this.cleanable = CLEANER.register(this, allocation);
    }

    /** The number of elements of a shape; throws if a dimension is negative or the count overflows. */
    static long elementCount(long[] shape) {
        if (shape == null) throw new IllegalArgumentException("shape is null");
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": dimension " + i
                        + " is negative");
            }
            try {
                n = Math.multiplyExact(n, shape[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^63 elements");
            }
        }
        if (n > Long.MAX_VALUE / Float.BYTES - ALIGNMENT) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large to allocate");
        }
        return n;
    }

    /** A tensor of the given shape holding a copy of data (row-major). */
    public static Tensor of(float[] data, long... shape) {
        if (data == null) throw new IllegalArgumentException("data is null");
        long n = elementCount(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " values but shape "
                    + Arrays.toString(shape) + " holds " + n);
        }
        Tensor t = new Tensor(shape);
        t.copyFrom(data);
        return t;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(long... shape) {
        Tensor t = new Tensor(shape);
        if (t.numel > 0) new Pointer(t.address).setMemory(0, t.numel * Float.BYTES, (byte) 0);
        return t;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long size(int dim) {
        return shape[dim];
    }

    public long numel() {
        return numel;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Pins the memory for the duration of an operation and returns its aligned native address;
     * every pin() is paired with an {@link #unpin()}. Throws if the tensor is closed.
     */
    long pin() {
        if (!closed) {
            pins.incrementAndGet();
            if (!closed) return address;
            unpin(); // close() came in between: it saw no pin, so this one must not be used
        }
        throw new IllegalStateException("tensor of shape " + Arrays.toString(shape) + " is closed");
    }

    /** Ends a pin; the last one after close() frees the memory. */
    void unpin() {
        if (pins.decrementAndGet() == 0 && closed) cleanable.clean();
    }

    /** Whether the memory has been freed (tests use it: close() defers the free while pinned). */
    boolean isFreed() {
        return allocation.freed;
    }

    /** Bytes held by all tensors not yet freed (closed, or collected by the Cleaner). */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** A copy of the elements, row-major. */
    public float[] toArray() {
        float[] out = new float[checkedIntCount()];
        long a = pin();
        try {
            if (out.length > 0) new Pointer(a).read(0, out, 0, out.length);
        } finally {
            unpin();
        }
        return out;
    }

    /** Overwrites every element with data (row-major); data.length must equal numel(). */
    public void copyFrom(float[] data) {
        if (data == null) throw new IllegalArgumentException("data is null");
        if (data.length != numel) {
            throw new IllegalArgumentException("data has " + data.length + " values, tensor holds " + numel);
        }
        long a = pin();
        try {
            if (data.length > 0) new Pointer(a).write(0, data, 0, data.length);
        } finally {
            unpin();
        }
    }

    /** The element at a full index (one value per dimension). */
    public float get(long... index) {
        if (index == null || index.length != shape.length) {
            throw new IllegalArgumentException("index needs " + shape.length + " values, got "
                    + (index == null ? "null" : Arrays.toString(index)));
        }
        long flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is outside shape "
                        + Arrays.toString(shape));
            }
            flat = flat * shape[i] + index[i];
        }
        long a = pin();
        try {
            return new Pointer(a).getFloat(flat * Float.BYTES);
        } finally {
            unpin();
        }
    }

    private int checkedIntCount() {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor of " + numel + " elements does not fit in a Java array");
        }
        return (int) numel;
    }

    /** Frees the memory now, or when the operations using it return; idempotent. */
    @Override
    public void close() {
        closed = true;
        if (pins.get() == 0) cleanable.clean();
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + (closed ? " (closed)" : "");
    }
}
