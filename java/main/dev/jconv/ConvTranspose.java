package dev.jconv;

/**
 * A transposed convolution layer (PyTorch's ConvTranspose{1,2,3}d) that owns native plans: weights
 * are validated and packed once per input shape (the first call with a new shape plans it; later calls only execute). Any number of threads
 * may call {@link #forward} at once. Close it to free the plans; closing is idempotent, and a
 * closed layer throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * ConvSpec spec = ConvSpec.builder().stride(2).padding(1).outputPadding(1).build();
 * try (ConvTranspose up = ConvTranspose.builder(weight).spec(spec).build();
 *      Tensor y = up.forward(x)) { ... }
 * }</pre>
 */
public final class ConvTranspose implements PlannedLayer {
    private final LayerPlans plans;

    private ConvTranspose(LayerPlans plans) {
        this.plans = plans;
    }

    /** A layer with these weights [IC, OC/groups, k...]; the layer keeps its own copy. */
    public static Builder builder(Tensor weight) {
        if (weight == null) throw new IllegalArgumentException("weight is null");
        return new Builder(weight);
    }

    /** Runs the transposed convolution of input into a new tensor. */
    @Override
    public Tensor forward(Tensor input) {
        return plans.forward(input);
    }

    /** Runs the transposed convolution of input into output, which must have the output shape. */
    @Override
    public void forward(Tensor input, Tensor output) {
        plans.forward(input, null, output);
    }

    /**
     * output = activation(convTranspose(input) + bias + residual). residual has the output's shape and may be
     * the output tensor itself (a fused in-place residual add), or null.
     */
    @Override
    public void forward(Tensor input, Tensor residual, Tensor output) {
        plans.forward(input, residual, output);
    }

    /** The output shape for an input shape. */
    @Override
    public long[] outputShape(long... inputShape) {
        return plans.resolve(inputShape).outputShape();
    }

    /** The algorithm the plan for this input shape runs (never AUTO); plans the shape if needed. */
    @Override
    public Algorithm algorithm(long... inputShape) {
        return plans.algorithm(inputShape);
    }

    public ConvSpec spec() {
        return plans.spec();
    }

    public Activation activation() {
        return plans.activation();
    }

    public long[] weightShape() {
        return plans.weightShape();
    }

    @Override
    public void close() {
        plans.close();
    }

    /** Builds a {@link ConvTranspose}; build() checks the weight and bias shapes against the spec. */
    public static final class Builder extends LayerBuilder<Builder> {
        private Builder(Tensor weight) {
            super(weight);
        }

        public ConvTranspose build() {
            return new ConvTranspose(new LayerPlans(true, weight, bias, spec, algorithm, activation));
        }
    }
}
