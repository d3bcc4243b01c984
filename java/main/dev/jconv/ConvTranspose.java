package dev.jconv;

/**
 * A transposed convolution layer (PyTorch's ConvTranspose{1,2,3}d) that owns native plans; see
 * {@link ConvLayer}.
 *
 * <pre>{@code
 * ConvSpec spec = ConvSpec.builder().stride(2).padding(1).outputPadding(1).build();
 * try (ConvTranspose up = ConvTranspose.builder(weight).spec(spec).build();
 *      Tensor y = up.forward(x)) { ... }
 * }</pre>
 */
public final class ConvTranspose extends ConvLayer {
    private ConvTranspose(LayerPlans plans) {
        super(plans);
    }

    /** A layer with these weights [IC, OC/groups, k...]; the layer keeps its own copy. */
    public static Builder builder(Tensor weight) {
        if (weight == null) throw new IllegalArgumentException("weight is null");
        return new Builder(weight);
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
