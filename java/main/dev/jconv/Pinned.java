package dev.jconv;

/**
 * Tensors pinned for one native call (see {@link Tensor#pin()}): their addresses in the order given,
 * 0 for a null tensor; closing unpins them.
 */
final class Pinned implements AutoCloseable {
    private final Tensor[] tensors;
    private final long[] addresses;
    private int count; // how many are pinned, for a partial failure

    Pinned(Tensor... tensors) {
        this.tensors = tensors;
        this.addresses = new long[tensors.length];
        try {
            for (; count < tensors.length; count++) {
                if (tensors[count] != null) addresses[count] = tensors[count].pin();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    long address(int i) {
        return addresses[i];
    }

    @Override
    public void close() {
        for (int i = 0; i < count; i++) {
            if (tensors[i] != null) tensors[i].unpin();
        }
        count = 0;
    }
}
