package dev.jconv;

/** The options {@link Conv.Builder} and {@link ConvTranspose.Builder} share. */
abstract class LayerBuilder<B extends LayerBuilder<B>> {
    final Tensor weight;
    Tensor bias;
    ConvSpec spec = ConvSpec.defaults();
    Algorithm algorithm = Algorithm.AUTO;
    Activation activation = Activation.NONE;

    LayerBuilder(Tensor weight) {
        this.weight = weight;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Bias [OC], or null for none. */
    public B bias(Tensor bias) {
        this.bias = bias;
        return self();
    }

    public B spec(ConvSpec spec) {
        if (spec == null) throw new IllegalArgumentException("spec is null");
        this.spec = spec;
        return self();
    }

    public B algorithm(Algorithm algorithm) {
        if (algorithm == null) throw new IllegalArgumentException("algorithm is null");
        this.algorithm = algorithm;
        return self();
    }

    /** Applied to every output as it is written: none, ReLU or a clamp (ReLU6). */
    public B activation(Activation activation) {
        if (activation == null) throw new IllegalArgumentException("activation is null");
        this.activation = activation;
        return self();
    }
}
