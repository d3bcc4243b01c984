package dev.jconv;

/**
 * What {@link Conv} and {@link ConvTranspose} share: a layer over native plans, one per input shape
 * (the first call with a new shape plans it; later calls only execute). Any number of threads may
 * call {@link #forward} at once. Close it to free the plans; closing is idempotent, and a closed
 * layer throws {@link IllegalStateException}.
 */
public abstract class ConvLayer implements PlannedLayer {
    private final LayerPlans plans;

    ConvLayer(LayerPlans plans) {
        this.plans = plans;
    }

    @Override
    public Tensor forward(Tensor input) {
        return plans.forward(input);
    }

    @Override
    public void forward(Tensor input, Tensor output) {
        plans.forward(input, null, output);
    }

    /**
     * output = activation(layer(input) + bias + residual). residual has the output's shape and may be
     * the output tensor itself (a fused in-place residual add), or null.
     */
    @Override
    public void forward(Tensor input, Tensor residual, Tensor output) {
        plans.forward(input, residual, output);
    }

    @Override
    public long[] outputShape(long... inputShape) {
        return plans.resolve(inputShape).outputShape();
    }

    @Override
    public Algorithm algorithm(long... inputShape) {
        return plans.algorithm(inputShape);
    }

    @Override
    public double errorBound(long... inputShape) {
        return plans.errorBound(inputShape);
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
}
