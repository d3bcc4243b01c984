package dev.jconv;

/**
 * A convolution layer that owns native plans: weights are validated and packed once per input
 * shape (the first call with a new shape plans it; later calls only execute). Any number of threads
 * may call {@link #forward} at once. Close it to free the plans; closing is idempotent, and a
 * closed layer throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Conv conv = Conv.builder(weight).bias(bias).spec(ConvSpec.builder().stride(2).padding(3).build())
 *                      .activation(Activation.RELU).build();
 *      Tensor y = conv.forward(x)) { ... }
 * }</pre>
 */
public final class Conv implements PlannedLayer {
    private final LayerPlans plans;

    private Conv(LayerPlans plans) {
        this.plans = plans;
    }

    /** A layer with these weights [OC, IC/groups, k...]; the layer keeps its own copy. */
    public static Builder builder(Tensor weight) {
        if (weight == null) throw new IllegalArgumentException("weight is null");
        return new Builder(weight);
    }

    /** Convolves input into a new tensor. */
    @Override
    public Tensor forward(Tensor input) {
        return plans.forward(input);
    }

    /** Convolves input into output, which must have the output shape. */
    @Override
    public void forward(Tensor input, Tensor output) {
        plans.forward(input, null, output);
    }

    /**
     * output = activation(conv(input) + bias + residual). residual has the output's shape and may be
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

    /** Builds a {@link Conv}; build() checks the weight and bias shapes against the spec. */
    public static final class Builder extends LayerBuilder<Builder> {
        private Builder(Tensor weight) {
            super(weight);
        }

        public Conv build() {
            return new Conv(new LayerPlans(false, weight, bias, spec, algorithm, activation));
        }
    }
}
