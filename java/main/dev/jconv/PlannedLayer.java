package dev.jconv;

/** A layer that owns native plans, one per input shape: {@link Conv} and {@link ConvTranspose}. */
public interface PlannedLayer extends AutoCloseable {
    /** Runs the layer into a new tensor. */
    Tensor forward(Tensor input);

    /** Runs the layer into output, which must have the output shape. */
    void forward(Tensor input, Tensor output);

    /** output = activation(layer(input) + bias + residual); residual may be output itself, or null. */
    void forward(Tensor input, Tensor residual, Tensor output);

    /** The output shape for an input shape. */
    long[] outputShape(long... inputShape);

    /** The algorithm the plan for this input shape runs (never AUTO); plans the shape if needed. */
    Algorithm algorithm(long... inputShape);

    /**
     * The error the plan for this input shape guarantees on finite data: a bound on
     * max |y - exact| / max |exact| over the output for N(0, 1) inputs and weights. About 1e-6 for
     * the GEMM and direct paths; larger for Winograd tiles (see {@link JConv#AUTO_ERROR_BOUND}).
     */
    double errorBound(long... inputShape);

    /** Frees the plans; idempotent. */
    @Override
    void close();
}
