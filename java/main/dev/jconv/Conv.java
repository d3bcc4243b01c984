package dev.jconv;

/**
 * A convolution layer (PyTorch's Conv{1,2,3}d) that owns native plans; see {@link ConvLayer}.
 *
 * <pre>{@code
 * try (Conv conv = Conv.builder(weight).bias(bias).spec(ConvSpec.builder().stride(2).padding(3).build())
 *                      .activation(Activation.RELU).build();
 *      Tensor y = conv.forward(x)) { ... }
 * }</pre>
 */
public final class Conv extends ConvLayer {
    private Conv(LayerPlans plans) {
        super(plans);
    }

    /** A layer with these weights [OC, IC/groups, k...]; the layer keeps its own copy. */
    public static Builder builder(Tensor weight) {
        if (weight == null) throw new IllegalArgumentException("weight is null");
        return new Builder(weight);
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
